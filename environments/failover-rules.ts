import { cidrsOverlap } from '../lib/ipv4';
import { GROUNDWORK_PARTITIONS } from '../lib/aws-partitions';
import { partitionOf } from '../lib/arn';
import { CATALOG } from './catalog';
import { none, problem, type CrossFieldRule } from './rule';
import { subnetPlanIn } from './rules';

/** What a standby (`failover`) needs of the rest of the environment. */
export const failoverRules: CrossFieldRule[] = [
  {
    reads: ['region', 'failover.region'],
    check: (env) =>
      env.failover?.region === env.region
        ? problem(['failover', 'region'], `must differ from region (${env.region}): a standby in the same region fails with it`)
        : none,
  },
  {
    reads: ['region', 'failover.region'],
    check: (env) => {
      const standby = env.failover?.region;
      if (standby === undefined) return none;
      const [primary, other] = [partitionOf(env.region), partitionOf(standby)];
      // A region of a partition Groundwork does not build for is the catalog rules' to report.
      const supported = [primary, other].every((partition) => (GROUNDWORK_PARTITIONS as readonly string[]).includes(partition));
      return !supported || primary === other
        ? none
        : problem(['failover', 'region'], `is in the ${other} partition and region ${env.region} in ${primary}; Aurora global databases, replicated secrets and S3 replication stay inside one partition`);
    },
  },
  {
    reads: ['network.cidr', 'failover.network.cidr'],
    check: (env) => {
      const cidr = env.failover?.network.cidr;
      return cidr !== undefined && cidrsOverlap(cidr, env.network.cidr)
        ? problem(['failover', 'network', 'cidr'], `${cidr} overlaps the primary's network.cidr (${env.network.cidr}); the two regions' VPCs could never be peered or routed to each other`)
        : none;
    },
  },
  {
    reads: ['failover.network.cidr', 'network.azCount', 'network.subnets'],
    check: (env) => {
      const cidr = env.failover?.network.cidr;
      if (cidr === undefined || env.network.azCount > env.network.subnets.reservedAzCount) return none; // the primary's rules report the latter
      const plan = subnetPlanIn(cidr, env.network);
      return plan.fits
        ? none
        : problem(['failover', 'network', 'cidr'], `has ${plan.available} addresses, but the standby's subnets, laid out as network.subnets says, need ${plan.needed}; use a larger range`);
    },
  },
  {
    reads: ['failover', 'database.engine', 'database.engineVersion'],
    check: (env) => {
      if (!env.failover || env.database.engine !== 'aurora-postgresql' || !/^\d+$/.test(env.database.engineVersion)) return none;
      // A major the catalog does not know is the catalog rules' to report.
      const minors = CATALOG.auroraPostgresqlVersions.values.filter((version) => version.startsWith(`${env.database.engineVersion}.`));
      return minors.length === 0
        ? none
        : problem(
            ['database', 'engineVersion'],
            `is ${env.database.engineVersion}, a major version alone; with failover it must name the minor too (such as ${minors[0]}): a global database's secondary must run its primary's exact version, and a major alone lets AWS pick each cluster's minor when it is made`,
          );
    },
  },
  {
    reads: ['failover', 'database.restoreFromSnapshot'],
    check: (env) =>
      env.failover && env.database.restoreFromSnapshot !== undefined
        ? problem(
            ['database', 'restoreFromSnapshot'],
            'cannot be set with failover: a restore replaces the database that leads the global database (or that the replica follows), which cannot be swapped in place. Fail over to the standby instead (docs/runbooks/region-outage.md), or remove failover for the restore and add it back after, which rebuilds the standby from the restored database',
          )
        : none,
  },
  {
    reads: ['failover.mode', 'failover.standbyTasks'],
    check: (env) =>
      env.failover?.standbyTasks !== undefined && env.failover.mode !== 'warm-standby'
        ? problem(['failover', 'standbyTasks'], `is set, but failover.mode is ${env.failover.mode}: a pilot light runs no task until a failover; use mode warm-standby to keep tasks running`)
        : none,
  },
  {
    reads: ['failover.standbyTasks', 'service.autoscaling'],
    check: (env) => {
      const tasks = env.failover?.standbyTasks;
      const { maxTasks } = env.service.autoscaling;
      return tasks !== undefined && tasks > maxTasks
        ? problem(['failover', 'standbyTasks'], `is ${tasks}, more than service.autoscaling.maxTasks (${maxTasks}), which bounds the standby's service as it does the primary's`)
        : none;
    },
  },
  {
    reads: ['failover', 'failover.certificateArn', 'service.loadBalancer.certificateArn'],
    check: (env) => {
      if (!env.failover) return none;
      const [primary, standby] = [env.service.loadBalancer.certificateArn, env.failover.certificateArn];
      if (primary !== undefined && standby === undefined) {
        return problem(['failover', 'certificateArn'], `is required: the primary serves HTTPS (service.loadBalancer.certificateArn), and the standby's load balancer in ${env.failover.region ?? env.drRegion} needs a certificate of its own region for the same names`);
      }
      return primary === undefined && standby !== undefined
        ? problem(['failover', 'certificateArn'], 'is set, but the primary serves plain HTTP (no service.loadBalancer.certificateArn); both regions must serve the same scheme, or a failover changes the URL')
        : none;
    },
  },
  {
    reads: ['failover.routing', 'service.loadBalancer.allowedCidrs'],
    check: (env) =>
      env.failover?.routing.kind === 'route53' && !env.service.loadBalancer.allowedCidrs.includes('0.0.0.0/0')
        ? problem(
            ['failover', 'routing', 'kind'],
            `is route53, but service.loadBalancer.allowedCidrs (${env.service.loadBalancer.allowedCidrs.join(', ')}) keeps Route 53's health checkers out, whose addresses AWS changes at will; every check would fail and both regions would count as down. Use global-accelerator, which checks through the load balancers' own target health`,
          )
        : none,
  },
  {
    reads: ['failover.routing'],
    check: (env) => {
      const routing = env.failover?.routing;
      if (routing?.kind !== 'route53' || routing.recordName === routing.zoneName || routing.recordName.endsWith(`.${routing.zoneName}`)) return none;
      return problem(['failover', 'routing', 'recordName'], `is ${routing.recordName}, outside the hosted zone ${routing.zoneName} (failover.routing.zoneName); Route 53 takes records only inside their zone`);
    },
  },
  {
    reads: ['region', 'failover.routing'],
    check: (env) =>
      env.failover?.routing.kind === 'global-accelerator' && partitionOf(env.region) !== 'aws'
        ? problem(['failover', 'routing', 'kind'], `is global-accelerator, which the ${partitionOf(env.region)} partition does not offer; use route53`)
        : none,
  },
];
