// `npm run failover` and `npm run failback` against AWS: what the command observes (the primary's health,
// which region writes, the replication lag), and each step of operations/failover-plan.ts carried out and
// waited for, timed. Names come from the config (failoverSites), never from Terraform's state, which an
// outage of the primary's region may put out of reach.
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  GlobalAcceleratorClient,
  ListAcceleratorsCommand,
  ListEndpointGroupsCommand,
  ListListenersCommand,
  UpdateEndpointGroupCommand,
} from '@aws-sdk/client-global-accelerator';
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  PromoteReadReplicaCommand,
  RDSClient,
  RemoveFromGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import { ListHealthChecksCommand, ListTagsForResourcesCommand, Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import { partitionOf } from '../lib/arn';
import { describeStep, type FailoverSites, type Observed, type Site, type Step } from './failover-plan';
import { clientConfig, type AwsAccess } from './orphans';

/** How long the command waits for AWS, and how often it looks. */
export interface Patience {
  /** Seconds a promotion may take to show. @default 900 */
  readonly promotionSeconds?: number;
  /** Seconds the serving tasks may take to run. @default 600 */
  readonly tasksSeconds?: number;
  /** Seconds between looks. @default 10 */
  readonly pollSeconds?: number;
}

/** Regional clients, made once per region. */
export class FailoverClients {
  private readonly made = new Map<string, unknown>();
  constructor(private readonly access: AwsAccess) {}

  private client<T>(key: string, make: () => T): T {
    if (!this.made.has(key)) this.made.set(key, make());
    return this.made.get(key) as T;
  }
  rds = (region: string) => this.client(`rds:${region}`, () => new RDSClient(clientConfig(this.access, region)));
  /** For the primary's health: one attempt, answered within seconds, or the region counts as down. */
  probe = (region: string) =>
    this.client(`probe:${region}`, () => new RDSClient({ ...clientConfig(this.access, region), maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 10_000 } }));
  ecs = (region: string) => this.client(`ecs:${region}`, () => new ECSClient(clientConfig(this.access, region)));
  elb = (region: string) => this.client(`elb:${region}`, () => new ElasticLoadBalancingV2Client(clientConfig(this.access, region)));
  scaling = (region: string) => this.client(`scaling:${region}`, () => new ApplicationAutoScalingClient(clientConfig(this.access, region)));
  cloudwatch = (region: string) => this.client(`cloudwatch:${region}`, () => new CloudWatchClient(clientConfig(this.access, region)));
  // Route 53's and Global Accelerator's APIs live in one region each, whichever regions they route to.
  route53 = (partition: string) =>
    this.client('route53', () => new Route53Client(clientConfig(this.access, { 'aws-cn': 'cn-northwest-1', 'aws-us-gov': 'us-gov-west-1' }[partition] ?? 'us-east-1')));
  accelerator = () => this.client('accelerator', () => new GlobalAcceleratorClient(clientConfig(this.access, 'us-west-2')));

  destroy(): void {
    for (const client of this.made.values()) (client as { destroy(): void }).destroy();
  }
}

const regionOfArn = (arn: string | undefined) => arn?.split(':')[3];
const siteOfArn = (sites: FailoverSites, arn: string | undefined): Site | undefined =>
  regionOfArn(arn) === sites.primary.region ? 'primary' : regionOfArn(arn) === sites.standby.region ? 'standby' : undefined;
const errorText = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

/** The primary's health, which site writes, what is still joined, and the lag. */
export async function observe(sites: FailoverSites, clients: FailoverClients): Promise<Observed> {
  const health = await primaryHealth(sites, clients);
  const lag = await replicationLag(sites, clients);
  if (sites.engine === 'postgres') {
    const replica = await describeInstance(clients.rds(sites.standby.region), sites.standby.databaseIdentifier);
    const joined = replica ? replica.ReadReplicaSourceDBInstanceIdentifier !== undefined : undefined;
    return { ...health, lag, joined: { primary: undefined, standby: joined }, writer: joined === false ? 'standby' : joined ? 'primary' : undefined };
  }
  // The global database answers from any member's region: the standby's, which is up when the primary's is not.
  const { GlobalClusters = [] } = await clients.rds(sites.standby.region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: sites.globalClusterIdentifier }));
  if (GlobalClusters.length === 0) throw new Error(`there is no global database ${sites.globalClusterIdentifier} (asked in ${sites.standby.region}): is standby_data-${sites.env} deployed?`);
  const members = GlobalClusters[0].GlobalClusterMembers ?? [];
  const joined = (site: Site) => members.some((member) => siteOfArn(sites, member.DBClusterArn) === site);
  const writer = siteOfArn(sites, members.find((member) => member.IsWriter)?.DBClusterArn);
  return { ...health, lag, joined: { primary: joined('primary'), standby: joined('standby') }, writer: writer ?? (joined('standby') ? undefined : 'standby') };
}

/**
 * Statuses of a database that cannot take writes (RDS's documented cluster and instance statuses). Any
 * other (available, backing-up, modifying, maintenance, upgrading...) serves: its failover is a
 * switchover, which loses nothing, rather than one that may.
 */
const DOWN = new Set([
  'failed',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'insufficient-capacity',
  'restore-error',
  'stopped',
  'stopping',
  'starting',
  'storage-full',
  'deleting',
]);

async function primaryHealth(sites: FailoverSites, clients: FailoverClients): Promise<Pick<Observed, 'primaryHealthy' | 'primaryProblem'>> {
  const { region, databaseIdentifier } = sites.primary;
  try {
    const status =
      sites.engine === 'aurora-postgresql'
        ? (await clients.probe(region).send(new DescribeDBClustersCommand({ DBClusterIdentifier: databaseIdentifier }))).DBClusters?.[0]?.Status
        : (await describeInstance(clients.probe(region), databaseIdentifier))?.DBInstanceStatus;
    return status !== undefined && !DOWN.has(status) ? { primaryHealthy: true } : { primaryHealthy: false, primaryProblem: `${databaseIdentifier} in ${region} is ${status ?? 'missing'}` };
  } catch (error) {
    return { primaryHealthy: false, primaryProblem: `RDS in ${region} did not answer: ${errorText(error)}` };
  }
}

async function describeInstance(rds: RDSClient, identifier: string) {
  return (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances?.[0];
}

/** The newest lag datapoint of the last 15 minutes, in the standby's region; none when nothing was published. */
async function replicationLag(sites: FailoverSites, clients: FailoverClients): Promise<Observed['lag']> {
  const aurora = sites.engine === 'aurora-postgresql';
  const end = new Date();
  const { Datapoints = [] } = await clients.cloudwatch(sites.standby.region).send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/RDS',
      MetricName: aurora ? 'AuroraGlobalDBReplicationLag' : 'ReplicaLag',
      Dimensions: [{ Name: aurora ? 'DBClusterIdentifier' : 'DBInstanceIdentifier', Value: sites.standby.databaseIdentifier }],
      StartTime: new Date(end.getTime() - 15 * 60_000),
      EndTime: end,
      Period: 60,
      Statistics: ['Maximum'],
    }),
  );
  const newest = Datapoints.filter((point) => point.Timestamp && point.Maximum !== undefined).sort((a, b) => b.Timestamp!.getTime() - a.Timestamp!.getTime())[0];
  return newest && { value: newest.Maximum!, unit: aurora ? 'Milliseconds' : 'Seconds', at: newest.Timestamp! };
}

/** Looks until `done` holds, or fails after `seconds`, saying what it waited for. */
async function waitFor(what: string, seconds: number, pollSeconds: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    if (await done()) return;
    if (Date.now() >= deadline) throw new Error(`${what} did not happen within ${seconds} s; look in the AWS console, then re-run the command, which carries on from where this stopped`);
    await new Promise((resolve) => setTimeout(resolve, pollSeconds * 1000));
  }
}

/** Carries out one step and waits until AWS shows it done. */
export async function carryOut(step: Step, sites: FailoverSites, clients: FailoverClients, patience: Patience = {}): Promise<void> {
  const poll = patience.pollSeconds ?? 10;
  switch (step.kind) {
    case 'promote': {
      const p = step.promotion;
      const promotion = patience.promotionSeconds ?? 900;
      if (p.kind === 'promote-replica') {
        const rds = clients.rds(sites.standby.region);
        await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: sites.standby.databaseIdentifier }));
        return waitFor(`the promotion of ${sites.standby.databaseIdentifier}`, promotion, poll, async () => {
          const instance = await describeInstance(rds, sites.standby.databaseIdentifier);
          return instance?.ReadReplicaSourceDBInstanceIdentifier === undefined && instance?.DBInstanceStatus === 'available';
        });
      }
      const target = sites[p.to];
      const rds = clients.rds(target.region);
      const global = { GlobalClusterIdentifier: sites.globalClusterIdentifier };
      if (p.kind === 'detach') await rds.send(new RemoveFromGlobalClusterCommand({ ...global, DbClusterIdentifier: target.databaseArn }));
      else if (p.kind === 'switchover') await rds.send(new SwitchoverGlobalClusterCommand({ ...global, TargetDbClusterIdentifier: target.databaseArn }));
      else await rds.send(new FailoverGlobalClusterCommand({ ...global, TargetDbClusterIdentifier: target.databaseArn, AllowDataLoss: true }));
      return waitFor(`the ${p.kind} of ${sites.globalClusterIdentifier} to the ${p.to}`, promotion, poll, async () => {
        const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: target.databaseIdentifier }))).DBClusters?.[0];
        if (cluster?.Status !== 'available') return false;
        const { GlobalClusters = [] } = await rds.send(new DescribeGlobalClustersCommand(global));
        const member = GlobalClusters[0]?.GlobalClusterMembers?.find((m) => m.DBClusterArn === target.databaseArn);
        return p.kind === 'detach' ? member === undefined : member?.IsWriter === true && GlobalClusters[0]?.Status === 'available';
      });
    }
    case 'scale': {
      const site = sites[step.site];
      if (step.autoscaling) {
        // The floor first, so that autoscaling cannot take back what the count below asks for.
        await clients.scaling(site.region).send(
          new RegisterScalableTargetCommand({
            ServiceNamespace: 'ecs',
            ResourceId: `service/${site.clusterName}/${site.serviceName}`,
            ScalableDimension: 'ecs:service:DesiredCount',
            MinCapacity: step.autoscaling.minTasks,
            MaxCapacity: step.autoscaling.maxTasks,
          }),
        );
      }
      await clients.ecs(site.region).send(new UpdateServiceCommand({ cluster: site.clusterName, service: site.serviceName, desiredCount: step.tasks }));
      return;
    }
    case 'await-tasks': {
      // Healthy behind the load balancer, not merely running: a running task may still fail its checks.
      const site = sites[step.site];
      const service = (await clients.ecs(site.region).send(new DescribeServicesCommand({ cluster: site.clusterName, services: [site.serviceName] }))).services?.[0];
      const targetGroupArn = service?.loadBalancers?.[0]?.targetGroupArn;
      if (!targetGroupArn) throw new Error(`${site.serviceName} in ${site.region} has no load balancer target group to wait on`);
      return waitFor(`${step.tasks} healthy tasks of ${site.serviceName} in ${site.region}`, patience.tasksSeconds ?? 600, poll, async () => {
        const { TargetHealthDescriptions = [] } = await clients.elb(site.region).send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
        return TargetHealthDescriptions.filter((target) => target.TargetHealth?.State === 'healthy').length >= step.tasks;
      });
    }
    case 'route':
      return sites.routing.kind === 'route53' ? routeByDns(sites, step.to, clients) : routeByAccelerator(sites, step.to, clients);
  }
}

/** Inverts the primary's health check (Route 53 then answers with the standby) or puts it back. */
async function routeByDns(sites: FailoverSites, to: Site, clients: FailoverClients): Promise<void> {
  const route53 = clients.route53(partitionOf(sites.primary.region));
  const name = `groundwork-${sites.env}-primary`;
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await route53.send(new ListHealthChecksCommand({ Marker: marker }));
    ids.push(...(page.HealthChecks ?? []).map((check) => check.Id!));
    marker = page.IsTruncated ? page.NextMarker : undefined;
  } while (marker);
  const named: string[] = [];
  // ListTagsForResources takes at most 10 ids.
  for (let i = 0; i < ids.length; i += 10) {
    const { ResourceTagSets = [] } = await route53.send(new ListTagsForResourcesCommand({ ResourceType: 'healthcheck', ResourceIds: ids.slice(i, i + 10) }));
    named.push(...ResourceTagSets.filter((set) => set.Tags?.some((tag) => tag.Key === 'Name' && tag.Value === name)).map((set) => set.ResourceId!));
  }
  if (named.length !== 1) throw new Error(`found ${named.length} Route 53 health checks named ${name}, not one: is routing-${sites.env} deployed?`);
  await route53.send(new UpdateHealthCheckCommand({ HealthCheckId: named[0], Inverted: to === 'standby' }));
}

/** Turns the serving region's dial to 100, then the other's to 0: traffic is never sent nowhere. */
async function routeByAccelerator(sites: FailoverSites, to: Site, clients: FailoverClients): Promise<void> {
  const ga = clients.accelerator();
  const name = `groundwork-${sites.env}`;
  const accelerator = (await ga.send(new ListAcceleratorsCommand({ MaxResults: 100 }))).Accelerators?.find((a) => a.Name === name);
  if (!accelerator) throw new Error(`no Global Accelerator named ${name}: is routing-${sites.env} deployed?`);
  const groups = [];
  for (const listener of (await ga.send(new ListListenersCommand({ AcceleratorArn: accelerator.AcceleratorArn }))).Listeners ?? []) {
    groups.push(...((await ga.send(new ListEndpointGroupsCommand({ ListenerArn: listener.ListenerArn }))).EndpointGroups ?? []));
  }
  const serving = sites[to].region;
  for (const group of [...groups.filter((g) => g.EndpointGroupRegion === serving), ...groups.filter((g) => g.EndpointGroupRegion !== serving)]) {
    await ga.send(new UpdateEndpointGroupCommand({ EndpointGroupArn: group.EndpointGroupArn, TrafficDialPercentage: group.EndpointGroupRegion === serving ? 100 : 0 }));
  }
}

/** The lag as the report prints it. */
export function describeLag(lag: Observed['lag'], now = new Date()): string {
  if (!lag) return 'unknown: no datapoint in the last 15 minutes (a standby just made, or a region whose CloudWatch is down)';
  const seconds = lag.unit === 'Milliseconds' ? lag.value / 1000 : lag.value;
  return `${seconds.toFixed(seconds < 10 ? 3 : 0)} s, measured ${Math.round((now.getTime() - lag.at.getTime()) / 1000)} s before the promotion`;
}

/** Runs the steps in order, logging each with its time; stops at the first that fails. */
export async function runSteps(steps: readonly Step[], sites: FailoverSites, clients: FailoverClients, log: (line: string) => void, patience: Patience = {}): Promise<number> {
  const start = Date.now();
  for (const [i, step] of steps.entries()) {
    const began = Date.now();
    try {
      await carryOut(step, sites, clients, patience);
    } catch (error) {
      throw new Error(`step ${i + 1} of ${steps.length} (${describeStep(step, sites)}) failed after ${((Date.now() - began) / 1000).toFixed(1)} s: ${errorText(error)}`);
    }
    log(`  ${i + 1}. ${describeStep(step, sites)}: done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }
  return (Date.now() - start) / 1000;
}
