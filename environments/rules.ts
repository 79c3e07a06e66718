import { planSubnets } from '../lib/subnet-plan';
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
      if (azCount > subnets.reservedAzCount) return none; // the rule above reports it
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
    reads: ['network.availabilityZones', 'network.azCount'],
    check: (env) => {
      const zones = env.network.availabilityZones;
      return zones !== undefined && zones.length !== env.network.azCount
        ? problem(['network', 'availabilityZones'], `lists ${zones.length} zones but network.azCount is ${env.network.azCount}`)
        : none;
    },
  },
  {
    reads: ['network.availabilityZones', 'region'],
    check: (env) =>
      (env.network.availabilityZones ?? []).flatMap((zone, i, zones): Problem[] => {
        if (!new RegExp(`^${env.region}[a-z]$`).test(zone)) {
          return problem(['network', 'availabilityZones', i], `"${zone}" is not a zone of region ${env.region} (expected e.g. "${env.region}a")`);
        }
        return zones.indexOf(zone) !== i ? problem(['network', 'availabilityZones', i], `"${zone}" is listed twice`) : none;
      }),
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
