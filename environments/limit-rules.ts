import { cidrsOverlap, isPrivateCidr, parseCidr } from '../lib/ipv4';
import { none, problem, repeated, type CrossFieldRule, type Problem } from './rule';
import { durationSeconds } from './schedule-fields';

/**
 * AWS's limits and quotas, checked before a plan meets them: tag counts and key clashes, lists AWS takes
 * without repeats, lists within the quotas they feed, and ranges written in order.
 */

/** Tags AWS allows on one resource. */
const TAGS_PER_RESOURCE = 50;
/** The most tags Groundwork sets on one resource itself: its three defaults, Name, and a subnet's tier and Kubernetes role. */
const GROUNDWORK_TAGS_PER_RESOURCE = 6;
/** Inbound rules per security group (a default quota of every account; see the VPC quotas page). */
const INBOUND_RULES_PER_SECURITY_GROUP = 60;

const listed = (value: unknown, first: number) => `repeats entry ${first} (${String(value)}); AWS refuses the same entry twice`;

/** A problem for every range of a list that lies inside, or around, an earlier different one: one rule would do. */
function overlapping(cidrs: readonly string[], path: (string | number)[]): Problem[] {
  return cidrs.flatMap((cidr, i): Problem[] => {
    const first = cidrs.findIndex((other, j) => j < i && other !== cidr && cidrsOverlap(other, cidr));
    return first < 0 ? none : problem([...path, i], `overlaps entry ${first} (${cidrs[first]}); list each address once, as the larger range or the smaller ones`);
  });
}

export const limitRules: CrossFieldRule[] = [
  {
    reads: ['tags'],
    check: (env) => {
      const keys = Object.keys(env.tags);
      const room = TAGS_PER_RESOURCE - GROUNDWORK_TAGS_PER_RESOURCE;
      const clashes = keys.flatMap((key, i): Problem[] => {
        const other = keys.slice(0, i).find((earlier) => earlier.toLowerCase() === key.toLowerCase());
        return other === undefined ? none : problem(['tags', key], `differs from the tag "${other}" only in case; IAM and other services compare tag keys without case, so the two clash`);
      });
      return keys.length > room
        ? [...clashes, ...problem(['tags'], `has ${keys.length} tags; AWS allows ${TAGS_PER_RESOURCE} on a resource and Groundwork sets up to ${GROUNDWORK_TAGS_PER_RESOURCE} of its own, so at most ${room}`)]
        : clashes;
    },
  },
  {
    reads: ['service.loadBalancer'],
    check: (env) => {
      const { allowedCidrs, certificateArn } = env.service.loadBalancer;
      const ports = certificateArn === undefined ? 1 : 2;
      const rules = allowedCidrs.length * ports;
      return [
        ...repeated(allowedCidrs, ['service', 'loadBalancer', 'allowedCidrs'], listed),
        ...overlapping(allowedCidrs, ['service', 'loadBalancer', 'allowedCidrs']),
        ...(rules > INBOUND_RULES_PER_SECURITY_GROUP
          ? problem(['service', 'loadBalancer', 'allowedCidrs'], `lists ${allowedCidrs.length} ranges, ${rules} inbound rules on ${ports} port${ports === 1 ? '' : 's'}; a security group holds at most ${INBOUND_RULES_PER_SECURITY_GROUP}, so at most ${Math.floor(INBOUND_RULES_PER_SECURITY_GROUP / ports)} ranges`)
          : none),
      ];
    },
  },
  {
    reads: ['gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return none;
      const at = (field: string) => ['gitops', 'cluster', field];
      const privateRanges = cluster.privateAccessCidrs ?? [];
      return [
        ...repeated(cluster.publicAccessCidrs, at('publicAccessCidrs'), listed),
        ...repeated(privateRanges, at('privateAccessCidrs'), listed),
        ...overlapping(cluster.publicAccessCidrs, at('publicAccessCidrs')),
        ...overlapping(privateRanges, at('privateAccessCidrs')),
        ...privateRanges.flatMap((cidr, i) => (isPrivateCidr(cidr) ? none : problem([...at('privateAccessCidrs'), i], `is ${cidr}, not a private range: the private endpoint is for your own network (VPN, runners); the internet reaches the API only through publicAccessCidrs`))),
        ...repeated(cluster.adminRoleArns, at('adminRoleArns'), listed),
        ...repeated(cluster.nodes.instanceTypes, ['gitops', 'cluster', 'nodes', 'instanceTypes'], listed),
        ...(privateRanges.length > INBOUND_RULES_PER_SECURITY_GROUP
          ? problem(at('privateAccessCidrs'), `lists ${privateRanges.length} ranges, one inbound rule each; a security group holds at most ${INBOUND_RULES_PER_SECURITY_GROUP}`)
          : none),
      ];
    },
  },
  {
    reads: ['gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return none;
      // 0.0.0.0/0 itself is refused in rules.ts; a few huge blocks are the same internet.
      return cluster.publicAccessCidrs.flatMap((cidr, i): Problem[] => {
        const path = ['gitops', 'cluster', 'publicAccessCidrs', i];
        if (isPrivateCidr(cidr)) return problem(path, `is ${cidr}, a private range: EKS refuses private ranges for the public endpoint; they reach the API through privateAccessCidrs`);
        return cidr !== '0.0.0.0/0' && (parseCidr(cidr)?.prefix ?? 32) < 8 ? problem(path, `is ${cidr}, larger than a /8: the API endpoint is not for the internet at large; name your own ranges`) : none;
      });
    },
  },
  {
    reads: ['gitops.retry'],
    check: (env) => {
      const retry = env.gitops?.retry;
      if (!retry) return none;
      return durationSeconds(retry.backoffDuration) > durationSeconds(retry.backoffMaxDuration)
        ? problem(['gitops', 'retry', 'backoffDuration'], `is ${retry.backoffDuration}, longer than gitops.retry.backoffMaxDuration (${retry.backoffMaxDuration}): the first wait would already pass the longest`)
        : none;
    },
  },
  {
    reads: ['name', 'policy.waivers'],
    check: (env) =>
      env.policy.waivers.flatMap((waiver, i): Problem[] => {
        const stack = waiver.resource.slice(0, waiver.resource.indexOf('/'));
        return stack.endsWith(`-${env.name}`) ? none : problem(['policy', 'waivers', i, 'resource'], `names stack "${stack}", which is not a stack of ${env.name} ("<component>-${env.name}"): a waiver waives only its own environment's resources`);
      }),
  },
  {
    reads: ['policy.waivers'],
    check: (env) =>
      repeated(
        env.policy.waivers,
        ['policy', 'waivers'],
        (waiver, first) => `waives ${waiver.rule} for ${waiver.resource} again (as entry ${first} does)`,
        (waiver) => `${waiver.rule} ${waiver.resource}`,
      ),
  },
  {
    reads: ['service.healthCheck.healthyHttpCodes'],
    check: (env) =>
      env.service.healthCheck.healthyHttpCodes.split(',').flatMap((range): Problem[] => {
        const [from, to] = range.split('-').map(Number);
        return to !== undefined && to < from ? problem(['service', 'healthCheck', 'healthyHttpCodes'], `has the range "${range}" upside down; write it from low to high ("${to}-${from}")`) : none;
      }),
  },
  {
    reads: ['observability.thresholds'],
    check: (env) => {
      const { targetLatencyP95Seconds: p95, targetLatencyP99Seconds: p99 } = env.observability.thresholds;
      return p95 > p99
        ? problem(['observability', 'thresholds', 'targetLatencyP95Seconds'], `is ${p95} s, more than observability.thresholds.targetLatencyP99Seconds (${p99} s): the 95th percentile never exceeds the 99th`)
        : none;
    },
  },
  {
    reads: ['database.engine', 'database.allocatedStorageGiB', 'observability.thresholds'],
    check: (env) => {
      if (env.database.engine !== 'postgres') return none;
      const threshold = env.observability.thresholds.databaseFreeStorageGiB;
      return threshold >= env.database.allocatedStorageGiB
        ? problem(['observability', 'thresholds', 'databaseFreeStorageGiB'], `is ${threshold} GiB, not less than database.allocatedStorageGiB (${env.database.allocatedStorageGiB}): the alarm would fire from the start`)
        : none;
    },
  },
];
