// What `npm run failover` and `npm run failback` do, decided from the environment's config and what the
// command observed, before any change: pure, so every path is tested without AWS. operations/failover.ts
// observes and carries the steps out.
import type { Environment } from '../environments';
import type { FailoverRouting } from '../environments/failover-schema';
import { appServiceName } from '../environments/standby';
import { databaseArn } from '../lib/arn';

export type FailoverDirection = 'failover' | 'failback';
export type Site = 'primary' | 'standby';

/** One region's copy of the service and its database, named as the stacks name them. */
export interface SiteResources {
  readonly region: string;
  /** The Aurora cluster or RDS instance: `groundwork-<env>` in both regions. */
  readonly databaseIdentifier: string;
  readonly databaseArn: string;
  readonly clusterName: string;
  readonly serviceName: string;
  /** Tasks the site runs when it does not serve: the standby's waiting size (the primary always serves its own). */
  readonly idleTasks: number;
}

/** Everything a failover acts on, from the config alone: what AWS calls each piece is known at synth time. */
export interface FailoverSites {
  readonly env: string;
  readonly engine: 'aurora-postgresql' | 'postgres';
  /** The Aurora global database; none for the `postgres` engine (a cross-region replica). */
  readonly globalClusterIdentifier?: string;
  readonly primary: SiteResources;
  readonly standby: SiteResources;
  /** The serving size: tasks to run, and the autoscaling range when the service scales. */
  readonly serving: { readonly tasks: number; readonly autoscaling?: { readonly minTasks: number; readonly maxTasks: number } };
  readonly routing: FailoverRouting;
}

export function failoverSites(env: Environment): FailoverSites {
  const failover = env.failover;
  if (!failover) throw new Error(`${env.name} has no failover (no standby to fail over to); see the README's "Region failover"`);
  const identifier = `groundwork-${env.name}`;
  const aurora = env.database.engine === 'aurora-postgresql';
  const site = (region: string, serviceName: string, idleTasks: number): SiteResources => ({
    region,
    databaseIdentifier: identifier,
    databaseArn: databaseArn(region, env.accountId, aurora, identifier),
    clusterName: identifier,
    serviceName,
    idleTasks,
  });
  const { autoscaling } = env.service;
  return {
    env: env.name,
    engine: env.database.engine,
    globalClusterIdentifier: aurora ? identifier : undefined,
    primary: site(env.region, appServiceName(env), env.service.desiredCount),
    standby: site(failover.region, appServiceName({ name: env.name, site: 'standby' }), failover.standbyTasks),
    serving: { tasks: env.service.desiredCount, ...(autoscaling.enabled && { autoscaling: { minTasks: autoscaling.minTasks, maxTasks: autoscaling.maxTasks } }) },
    routing: failover.routing,
  };
}

/** What the command found before deciding. */
export interface Observed {
  /** Whether the primary region's database answered and is available: a failover is then a switchover. */
  readonly primaryHealthy: boolean;
  /** Why the primary counts as unhealthy, for the report. */
  readonly primaryProblem?: string;
  /** Which site's database takes writes now; undefined when it cannot be told (the primary's region is down). */
  readonly writer?: Site;
  /** Whether each site's database is still in the global database (Aurora) or still a replica (the standby, postgres). */
  readonly joined: Readonly<Record<Site, boolean | undefined>>;
  /** The standby's replication lag, the data-loss window of a promotion now. */
  readonly lag?: { readonly value: number; readonly unit: 'Milliseconds' | 'Seconds'; readonly at: Date };
}

export type Promotion =
  | { readonly kind: 'switchover'; readonly to: Site }
  | { readonly kind: 'failover-allowing-data-loss'; readonly to: Site }
  | { readonly kind: 'detach'; readonly to: Site }
  | { readonly kind: 'promote-replica' };

export type Step =
  | { readonly kind: 'promote'; readonly promotion: Promotion }
  | { readonly kind: 'scale'; readonly site: Site; readonly tasks: number; readonly autoscaling?: { readonly minTasks: number; readonly maxTasks: number } }
  | { readonly kind: 'await-tasks'; readonly site: Site; readonly tasks: number }
  | { readonly kind: 'route'; readonly to: Site };

/** A failover or failback that must not run as asked; the message says why and what to do instead. */
export class FailoverRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailoverRefused';
  }
}

export interface PlanOptions {
  /** Detach the standby's cluster from the global database and let it stand alone, even with a healthy primary. */
  readonly detach?: boolean;
  /** Wait for the serving site's tasks to run before moving traffic. @default true */
  readonly awaitTasks?: boolean;
}

const REBUILD = 'docs/runbooks/region-outage.md, "Fail back after a detach or a promoted replica"';

/**
 * The steps of a failover (the standby takes over) or a failback (the primary takes back), in order. A
 * step already done (the standby already writes, after an interrupted run) is left out, so re-running
 * the command finishes what one that stopped began.
 */
export function planSteps(sites: FailoverSites, direction: FailoverDirection, observed: Observed, options: PlanOptions = {}): Step[] {
  const awaitTasks = options.awaitTasks ?? true;
  const aurora = sites.engine === 'aurora-postgresql';
  if (direction === 'failover') {
    const promote = failoverPromotion(aurora, observed, options);
    const scaleUp = sites.serving.autoscaling
      ? { tasks: sites.serving.tasks, autoscaling: sites.serving.autoscaling }
      : { tasks: sites.serving.tasks };
    // The standby's tasks first: until the promotion the primary still takes writes, so the time between the
    // promotion and the traffic's move (when writes fail) is the promotion's alone.
    return [
      { kind: 'scale', site: 'standby', ...scaleUp },
      ...(awaitTasks ? [{ kind: 'await-tasks', site: 'standby', tasks: sites.serving.tasks } as const] : []),
      ...(promote ? [{ kind: 'promote', promotion: promote } as const] : []),
      { kind: 'route', to: 'standby' },
    ];
  }
  if (options.detach) throw new FailoverRefused('--detach is for a failover only: a failback is a switchover back, which loses nothing');
  if (!aurora) {
    if (observed.joined.standby === false) {
      throw new FailoverRefused(`the standby's database was promoted: an RDS instance cannot follow a replica source again, so the primary must be rebuilt from it (${REBUILD})`);
    }
  } else if (observed.joined.primary === false) {
    throw new FailoverRefused(`the primary's cluster is no longer in the global database ${sites.globalClusterIdentifier} (a detach): its data stopped at the detach, so it must be rebuilt from the standby's before it can take back (${REBUILD})`);
  } else if (observed.joined.standby === false) {
    throw new FailoverRefused(`the standby's cluster was detached from the global database ${sites.globalClusterIdentifier} and writes on its own: the primary's must be rebuilt from it before it can take back (${REBUILD})`);
  }
  const switchBack = aurora && observed.writer !== 'primary';
  if (switchBack && !observed.primaryHealthy) {
    throw new FailoverRefused(`the primary's database is not available (${observed.primaryProblem ?? 'unknown state'}): a failback switches the writer back to it, so it must be healthy first`);
  }
  return [
    ...(switchBack ? [{ kind: 'promote', promotion: { kind: 'switchover', to: 'primary' } } as const] : []),
    { kind: 'route', to: 'primary' },
    {
      kind: 'scale',
      site: 'standby',
      tasks: sites.standby.idleTasks,
      ...(sites.serving.autoscaling && { autoscaling: { minTasks: sites.standby.idleTasks, maxTasks: sites.serving.autoscaling.maxTasks } }),
    },
  ];
}

function failoverPromotion(aurora: boolean, observed: Observed, options: PlanOptions): Promotion | undefined {
  if (!aurora) {
    if (options.detach) throw new FailoverRefused('--detach is for an Aurora global database; a postgres standby is a replica, which a failover promotes');
    return observed.joined.standby === false ? undefined : { kind: 'promote-replica' };
  }
  // Already writing: on its own after a detach, or the global database's writer after a switchover.
  if (observed.joined.standby === false || observed.writer === 'standby') return undefined;
  if (options.detach) return { kind: 'detach', to: 'standby' };
  return observed.primaryHealthy ? { kind: 'switchover', to: 'standby' } : { kind: 'failover-allowing-data-loss', to: 'standby' };
}

/** Whether a promotion may lose what had not replicated: all but a switchover, which waits for it. */
export function losesUnreplicatedWrites(steps: readonly Step[]): boolean | undefined {
  const promotion = steps.find((step) => step.kind === 'promote');
  return promotion === undefined ? undefined : promotion.promotion.kind !== 'switchover';
}

/** One line for a step, as the report prints it. */
export function describeStep(step: Step, sites: FailoverSites): string {
  const at = (site: Site) => `${site} (${sites[site].region})`;
  switch (step.kind) {
    case 'promote': {
      const p = step.promotion;
      if (p.kind === 'promote-replica') return `promote the standby's replica ${sites.standby.databaseIdentifier} in ${sites.standby.region} to a standalone writer`;
      if (p.kind === 'detach') return `detach the standby's cluster from ${sites.globalClusterIdentifier}, which makes it a writer of its own`;
      if (p.kind === 'switchover') return `switch ${sites.globalClusterIdentifier}'s writer over to the ${at(p.to)}, once the replication has caught up: no data lost`;
      return `fail ${sites.globalClusterIdentifier} over to the ${at(p.to)}, allowing the loss of what had not replicated`;
    }
    case 'scale':
      return `scale the ${at(step.site)} service ${sites[step.site].serviceName} to ${step.tasks} task${step.tasks === 1 ? '' : 's'}${step.autoscaling ? ` (autoscaling ${step.autoscaling.minTasks} to ${step.autoscaling.maxTasks})` : ''}`;
    case 'await-tasks':
      return `wait for ${step.tasks} task${step.tasks === 1 ? '' : 's'} of the ${at(step.site)} service to pass the load balancer's health check`;
    case 'route':
      return sites.routing.kind === 'route53'
        ? `send ${sites.routing.recordName} to the ${at(step.to)}: ${step.to === 'standby' ? 'invert' : 'restore'} the primary's Route 53 health check`
        : `turn the accelerator's dials: ${at(step.to)} 100%, the other 0%`;
  }
}
