import { planSubnets } from '../lib/subnet-plan';
import { defaultStateBucket } from './defaults';
import type { EnvironmentDraft } from './schema';

export interface Problem {
  /** Path of the offending field inside the environment. */
  readonly path: (string | number)[];
  readonly message: string;
}

/** A rule over several fields. It runs only when every field it reads passed its own checks. */
export interface CrossFieldRule {
  /** Dotted paths of the fields the rule reads. */
  readonly reads: readonly string[];
  readonly check: (env: EnvironmentDraft) => Problem[];
}

const problem = (path: (string | number)[], message: string): Problem[] => [{ path, message }];
const none: Problem[] = [];

export const crossFieldRules: readonly CrossFieldRule[] = [
  {
    reads: ['region', 'drRegion'],
    check: (env) =>
      env.drRegion === env.region
        ? problem(['drRegion'], `must differ from region (${env.region}): a disaster-recovery copy in the same region survives nothing a region loses`)
        : none,
  },
  {
    reads: ['tier', 'network.natMode'],
    check: (env) =>
      env.tier === 'prod' && env.network.natMode !== 'per-az'
        ? problem(['network', 'natMode'], 'must be "per-az" for tier prod: a single NAT gateway makes one zone an outage for all')
        : none,
  },
  {
    reads: ['tier', 'network.azCount'],
    check: (env) => (env.tier === 'prod' && env.network.azCount < 2 ? problem(['network', 'azCount'], 'must be at least 2 for tier prod') : none),
  },
  {
    reads: ['network.azCount', 'network.subnets.reservedAzCount'],
    check: (env) =>
      env.network.azCount > env.network.subnets.reservedAzCount
        ? problem(['network', 'azCount'], `is ${env.network.azCount}, more than network.subnets.reservedAzCount (${env.network.subnets.reservedAzCount}); raise the reservation (this renumbers subnets) or use fewer zones`)
        : none,
  },
  {
    reads: ['network.cidr', 'network.azCount', 'network.subnets'],
    check: (env) => {
      const { cidr, azCount, subnets } = env.network;
      const plan = planSubnets({
        vpcCidr: cidr,
        azCount,
        reservedAzCount: subnets.reservedAzCount,
        prefixLengths: { public: subnets.publicPrefixLength, private: subnets.privatePrefixLength, isolated: subnets.isolatedPrefixLength },
      });
      return plan.fits
        ? none
        : problem(['network', 'subnets'], `need ${plan.needed} addresses (3 tiers x ${subnets.reservedAzCount} reserved zones) but ${cidr} has ${plan.available}; use longer subnet prefixes, fewer reserved zones or a larger CIDR`);
    },
  },
  {
    reads: ['network.availabilityZones', 'network.azCount', 'region'],
    check: (env) => {
      const zones = env.network.availabilityZones;
      if (zones === undefined) return none;
      const problems: Problem[] = [];
      if (zones.length !== env.network.azCount) {
        problems.push({ path: ['network', 'availabilityZones'], message: `lists ${zones.length} zones but network.azCount is ${env.network.azCount}` });
      }
      zones.forEach((zone, i) => {
        if (!new RegExp(`^${env.region}[a-z]$`).test(zone)) {
          problems.push({ path: ['network', 'availabilityZones', i], message: `"${zone}" is not a zone of region ${env.region} (expected e.g. "${env.region}a")` });
        } else if (zones.indexOf(zone) !== i) {
          problems.push({ path: ['network', 'availabilityZones', i], message: `"${zone}" is listed twice` });
        }
      });
      return problems;
    },
  },
  {
    reads: ['name', 'accountId', 'state.bucket'],
    check: (env) => {
      if (env.state.bucket !== undefined) return none;
      const bucket = defaultStateBucket(env.name, env.accountId);
      return bucket.length > 63 ? problem(['state', 'bucket'], `the default name "${bucket}" is over S3's 63 characters; set state.bucket`) : none;
    },
  },
  {
    reads: ['emulator', 'state.tlsOnlyPolicy'],
    check: (env) =>
      !env.state.tlsOnlyPolicy && env.emulator === undefined
        ? problem(['state', 'tlsOnlyPolicy'], 'may be false only in an emulator environment: real state buckets refuse plain HTTP')
        : none,
  },
  {
    reads: ['tier', 'emulator'],
    check: (env) =>
      env.emulator !== undefined && env.tier !== 'dev'
        ? problem(['emulator'], `is only for tier dev; a ${env.tier} environment must deploy to real AWS`)
        : none,
  },
];
