import { cidrsOverlap, parseCidr } from '../lib/ipv4';
import { defaultStateBucket } from './schema';

/**
 * Rules over the registry as a whole, for what one environment alone cannot show: names that must be
 * unique across environments, and address ranges that must be apart. They read each environment's raw
 * configuration, so a clash is reported even beside unrelated mistakes in either environment; each
 * problem is `<env>.<field path>: <message>`, on every environment of the clash.
 */
export function registryProblems(registry: Readonly<Record<string, unknown>>): string[] {
  const facts = Object.entries(registry).map(([name, config]) => factsOf(name, config));
  return [...stateBucketProblems(facts), ...cidrProblems(facts), ...standbyCidrProblems(facts), ...gitopsPathProblems(facts)];
}

/** What the registry rules read of one environment: each only when it is well-formed. */
interface Facts {
  readonly name: string;
  readonly stateBucket?: string;
  /** The environment sets `state.bucket` itself, rather than taking the default. */
  readonly stateBucketChosen: boolean;
  readonly cidr?: string;
  /** `failover.network.cidr`, the standby's VPC, when the environment has one. */
  readonly standbyCidr?: string;
  readonly cidrOverlapAllowedWith: readonly string[];
  /** `gitops.repository.path` when the environment sets one. */
  readonly gitopsPath?: string;
}

function factsOf(name: string, config: unknown): Facts {
  const raw = (config ?? {}) as {
    accountId?: unknown;
    state?: { bucket?: unknown };
    network?: { cidr?: unknown; cidrOverlapAllowedWith?: unknown };
    failover?: { network?: { cidr?: unknown } };
    gitops?: { repository?: { path?: unknown } };
  };
  const gitopsPath = raw.gitops?.repository?.path;
  const bucket = raw.state?.bucket;
  const cidr = raw.network?.cidr;
  const allowed = raw.network?.cidrOverlapAllowedWith;
  return {
    name,
    stateBucket: typeof bucket === 'string' ? bucket : typeof raw.accountId === 'string' ? defaultStateBucket(name, raw.accountId) : undefined,
    stateBucketChosen: typeof bucket === 'string',
    cidr: wellFormed(cidr),
    standbyCidr: wellFormed(raw.failover?.network?.cidr),
    cidrOverlapAllowedWith: Array.isArray(allowed) ? allowed.filter((entry): entry is string => typeof entry === 'string') : [],
    gitopsPath: typeof gitopsPath === 'string' ? gitopsPath : undefined,
  };
}

function wellFormed(cidr: unknown): string | undefined {
  return typeof cidr === 'string' && parseCidr(cidr)?.aligned ? cidr : undefined;
}

/**
 * S3 bucket names are global: two environments cannot keep their state in one bucket. The clash is
 * reported on the environments that chose the name, not on one that took its default.
 */
function stateBucketProblems(facts: readonly Facts[]): string[] {
  return facts.flatMap((env) => {
    const others = facts.filter((other) => other !== env && other.stateBucket !== undefined && other.stateBucket === env.stateBucket);
    if (others.length === 0 || (!env.stateBucketChosen && others.some((other) => other.stateBucketChosen))) return [];
    return [`${env.name}.state.bucket: "${env.stateBucket}" is the state bucket of ${others.map((other) => other.name).join(' and ')} too; bucket names are global, and each environment keeps its state apart`];
  });
}

/** An environment's GitOps path that ends in another environment's name would deploy that one's applications. */
function gitopsPathProblems(facts: readonly Facts[]): string[] {
  return facts.flatMap((env) => {
    const last = env.gitopsPath?.split('/').filter(Boolean).pop();
    const other = facts.find((candidate) => candidate !== env && candidate.name === last);
    return other ? [`${env.name}.gitops.repository.path: is "${env.gitopsPath}", the directory of ${other.name}'s applications; ${env.name} would deploy them (its own is environments/${env.name})`] : [];
  });
}

/**
 * VPC ranges of different environments overlap only when each says so: overlapping networks can never be
 * peered, joined by a Transit Gateway or reached over one VPN.
 */
function cidrProblems(facts: readonly Facts[]): string[] {
  const names = facts.map((env) => env.name);
  return facts.flatMap((env) => {
    const allowed = env.cidrOverlapAllowedWith;
    const overlapping = facts.filter((other) => other !== env && env.cidr !== undefined && other.cidr !== undefined && cidrsOverlap(env.cidr, other.cidr));
    const unallowed = overlapping
      .filter((other) => !allowed.includes(other.name))
      .map(
        (other) =>
          `${env.name}.network.cidr: ${env.cidr} overlaps ${other.name}'s ${other.cidr}; overlapping networks can never be peered or routed to each other, so choose a range apart, or declare it with network.cidrOverlapAllowedWith: ['${other.name}']`,
      );
    const stale = allowed.flatMap((name, i) => {
      const path = `${env.name}.network.cidrOverlapAllowedWith.${i}`;
      if (!names.includes(name)) return [`${path}: "${name}" names no environment (${names.join(', ')})`];
      const other = facts.find((candidate) => candidate.name === name);
      return env.cidr === undefined || other?.cidr === undefined || overlapping.includes(other) ? [] : [`${path}: ${name}'s range does not overlap ${env.cidr}; remove it`];
    });
    return [...unallowed, ...stale];
  });
}

/**
 * A standby's VPC (`failover.network.cidr`) is new address space: it overlaps no other environment's VPC,
 * primary or standby, and no `cidrOverlapAllowedWith` lets it (reported on the environment with the standby).
 */
function standbyCidrProblems(facts: readonly Facts[]): string[] {
  return facts.flatMap((env) => {
    const cidr = env.standbyCidr;
    if (cidr === undefined) return [];
    return facts
      .filter((other) => other !== env)
      .flatMap((other) =>
        ([['network.cidr', other.cidr], ['failover.network.cidr', other.standbyCidr]] as const)
          .filter(([, range]) => range !== undefined && cidrsOverlap(cidr, range))
          .map(([field, range]) => `${env.name}.failover.network.cidr: ${cidr} overlaps ${other.name}'s ${field} (${range}); choose a range apart, so the standby can be peered or routed to it`),
      );
  });
}
