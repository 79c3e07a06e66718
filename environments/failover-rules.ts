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
];
