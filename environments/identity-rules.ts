import { partitionOf } from '../lib/arn';
import { GROUNDWORK_PARTITIONS } from '../lib/aws-partitions';
import { none, problem, type CrossFieldRule, type Problem } from './rule';
import type { EnvironmentDraft } from './schema';

/**
 * Every ARN in config names something where it is used: in the environment's partition, and in its region
 * and account where AWS requires them there. An ARN of the wrong place is refused by AWS only at apply.
 */

interface Placement {
  readonly partition: string;
  readonly region?: string;
  readonly account?: string;
}

/** What differs between where an ARN points and where it must, as "partition aws-cn, region cn-north-1"; undefined when nothing. */
function misplaced(arn: string, expected: Placement): string | undefined {
  const [, partition, , region, account] = arn.split(':');
  const wrong = [
    partition !== expected.partition && `partition ${partition}`,
    expected.region !== undefined && region !== expected.region && `region ${region}`,
    expected.account !== undefined && account !== expected.account && `account ${account}`,
  ].filter(Boolean);
  return wrong.length > 0 ? wrong.join(', ') : undefined;
}

function describePlacement(expected: Placement): string {
  return [`partition ${expected.partition}`, expected.region && `region ${expected.region}`, expected.account && `account ${expected.account}`].filter(Boolean).join(', ');
}

/** A problem when `arn` is not where `expected` says, explaining why it must be there. */
function placementProblem(path: (string | number)[], arn: string, expected: Placement, why: string): Problem[] {
  const wrong = misplaced(arn, expected);
  return wrong === undefined ? none : problem(path, `names ${wrong}; it must be in ${describePlacement(expected)}: ${why}`);
}

/** Host names and addresses SNS cannot deliver to: it delivers over the internet. */
const UNREACHABLE_HOST = /^(localhost|.*\.(local|localhost|internal|lan|home\.arpa)|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|169\.254\.\d+\.\d+|0\.0\.0\.0|\[::1?\])$/i;

const here = (env: EnvironmentDraft): Placement => ({ partition: partitionOf(env.region), region: env.region, account: env.accountId });
const ownAccount = (env: EnvironmentDraft): Placement => ({ partition: partitionOf(env.region), account: env.accountId });

export const identityRules: CrossFieldRule[] = [
  {
    reads: ['region', 'drRegion'],
    check: (env) => {
      const [primary, dr] = [partitionOf(env.region), partitionOf(env.drRegion)];
      // A region of a partition Groundwork does not build for is the catalog rules' to report.
      const supported = [primary, dr].every((partition) => (GROUNDWORK_PARTITIONS as readonly string[]).includes(partition));
      return !supported || primary === dr
        ? none
        : problem(['drRegion'], `is in the ${dr} partition and region ${env.region} in ${primary}; backups cannot be copied across partitions, so the DR region must be in ${primary} too`);
    },
  },
  {
    reads: ['region', 'accountId', 'service.loadBalancer.certificateArn'],
    check: (env) => {
      const arn = env.service.loadBalancer.certificateArn;
      return arn === undefined ? none : placementProblem(['service', 'loadBalancer', 'certificateArn'], arn, here(env), 'a load balancer uses certificates of its own account and region only');
    },
  },
  {
    reads: ['region', 'drRegion', 'accountId', 'failover.region', 'failover.certificateArn'],
    check: (env) => {
      const arn = env.failover?.certificateArn;
      const region = env.failover?.region ?? env.drRegion;
      return arn === undefined
        ? none
        : placementProblem(['failover', 'certificateArn'], arn, { partition: partitionOf(region), region, account: env.accountId }, "the standby's load balancer uses certificates of its own account and region only");
    },
  },
  {
    reads: ['region', 'database.restoreFromSnapshot'],
    check: (env) => {
      const arn = env.database.restoreFromSnapshot;
      if (!arn?.startsWith('arn:')) return none;
      const copy = env.database.engine === 'aurora-postgresql' ? 'copy-db-cluster-snapshot' : 'copy-db-snapshot';
      const [, , , region] = arn.split(':');
      // A snapshot shared from another account may be restored, so the account is not checked.
      return placementProblem(
        ['database', 'restoreFromSnapshot'],
        arn,
        { partition: partitionOf(env.region), region: env.region },
        `a database is restored only from a snapshot in its own region; copy it there first (\`aws rds ${copy} --source-region ${region} --region ${env.region} --source-db-${env.database.engine === 'aurora-postgresql' ? 'cluster-' : ''}snapshot-identifier <this ARN> --target-db-${env.database.engine === 'aurora-postgresql' ? 'cluster-' : ''}snapshot-identifier <name> --kms-key-id <a key in ${env.region}>\`) and name the copy`,
      );
    },
  },
  {
    reads: ['region', 'gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return none;
      return cluster.adminRoleArns.flatMap((arn, i) =>
        placementProblem(['gitops', 'cluster', 'adminRoleArns', i], arn, { partition: partitionOf(env.region) }, 'EKS access entries name principals of the cluster\'s own partition'),
      );
    },
  },
  {
    reads: ['region', 'service.environment'],
    check: (env) =>
      (['AWS_REGION', 'AWS_DEFAULT_REGION'] as const).flatMap((name): Problem[] => {
        const value = env.service.environment[name];
        return value === undefined || value === env.region
          ? none
          : problem(['service', 'environment', name], `is ${value}, but the service runs in ${env.region}: its SDK calls would go to another region than its database, secrets and keys`);
      }),
  },
  {
    reads: ['region', 'accountId', 'observability.subscriptions'],
    check: (env) =>
      env.observability.subscriptions.flatMap((subscription, i): Problem[] => {
        const path = ['observability', 'subscriptions', i, 'endpoint'];
        switch (subscription.protocol) {
          case 'sqs':
            if (subscription.endpoint.endsWith('.fifo')) return problem(path, 'is a FIFO queue; the alarm topic is a standard topic, and SNS delivers a standard topic to standard queues only');
            return placementProblem(path, subscription.endpoint, ownAccount(env), 'SNS delivers to queues of any region of its partition, but another account\'s queue must confirm the subscription itself, which Terraform cannot');
          case 'lambda':
            return placementProblem(path, subscription.endpoint, ownAccount(env), 'SNS invokes functions of any region of its partition, but another account\'s function must grant and subscribe itself, which Terraform cannot');
          case 'https': {
            const host = new URL(subscription.endpoint).hostname;
            return UNREACHABLE_HOST.test(host) ? problem(path, `names the host ${host}, which SNS cannot reach: it delivers over the internet, to a public name with a trusted certificate`) : none;
          }
          default:
            return none;
        }
      }),
  },
];
