import type { Environment } from './schema';

/**
 * The environment as its standby's stacks see it: the failover region and the standby's network, every other
 * setting the primary's. The state backend stays the primary's (`state.region`), so the standby's state lives
 * beside the rest, replica included.
 */
export function standbyOf(env: Environment): Environment {
  const failover = env.failover;
  if (!failover) throw new Error(`${env.name} has no failover, so no standby`);
  return {
    ...env,
    site: 'standby',
    region: failover.region,
    network: { ...env.network, cidr: failover.network.cidr, availabilityZones: failover.network.availabilityZones },
  };
}

/**
 * The prefix of the names AWS keeps unique across regions (IAM roles in the account, S3 buckets in the
 * world): the primary's and the standby's must differ. Names unique per region need no such prefix.
 */
export function accountWideName(env: Pick<Environment, 'name' | 'site'>): string {
  return env.site === 'standby' ? `groundwork-${env.name}-standby` : `groundwork-${env.name}`;
}

/** The name of the environment's ECS service, which names its IAM roles too: the standby's is its own. */
export function appServiceName(env: Pick<Environment, 'name' | 'site'>): string {
  return `${accountWideName(env)}-app`;
}
