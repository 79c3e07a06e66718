import { partitionOf } from './arn';

/**
 * Names AWS keeps unique per partition, per account or per account and region, read from the synthesized
 * stacks of every environment: two resources that would take one name fail the second apply, so synthesis
 * refuses them first. Each problem is reported on the configuration that chose the name: the state bucket
 * where it is one, the environment's name otherwise.
 */

/** Where a name must be unique. */
type Scope = 'global' | 'account' | 'region';

/** The name attribute of each named resource type Groundwork makes, and where AWS keeps it unique. */
const UNIQUE_NAMES: Readonly<Record<string, { readonly attribute: string | null; readonly scope: Scope; readonly what: string }>> = {
  aws_s3_bucket: { attribute: 'bucket', scope: 'global', what: 'S3 bucket names are global' },
  aws_iam_role: { attribute: 'name', scope: 'account', what: 'IAM role names are unique in an account' },
  aws_iam_policy: { attribute: 'name', scope: 'account', what: 'IAM policy names are unique in an account' },
  aws_backup_vault: { attribute: 'name', scope: 'region', what: 'backup vault names are unique in an account and region' },
  aws_backup_plan: { attribute: 'name', scope: 'region', what: 'backup plan names are unique in an account and region' },
  aws_kms_alias: { attribute: 'name', scope: 'region', what: 'KMS alias names are unique in an account and region' },
  aws_secretsmanager_secret: { attribute: 'name', scope: 'region', what: 'secret names are unique in an account and region' },
  aws_lambda_function: { attribute: 'function_name', scope: 'region', what: 'function names are unique in an account and region' },
  aws_rds_cluster: { attribute: 'cluster_identifier', scope: 'region', what: 'DB cluster identifiers are unique in an account and region' },
  aws_db_instance: { attribute: 'identifier', scope: 'region', what: 'DB instance identifiers are unique in an account and region' },
  aws_elasticache_replication_group: { attribute: 'replication_group_id', scope: 'region', what: 'replication group ids are unique in an account and region' },
  aws_lb: { attribute: 'name', scope: 'region', what: 'load balancer names are unique in an account and region' },
  aws_ecr_repository: { attribute: 'name', scope: 'region', what: 'repository names are unique in an account and region' },
  aws_ecr_repository_creation_template: { attribute: 'prefix', scope: 'region', what: 'a registry has one repository creation template per prefix' },
  // No name at all: a registry has one replication configuration, and each apply replaces it whole.
  aws_ecr_replication_configuration: { attribute: null, scope: 'region', what: 'a registry has one replication configuration in each region, and each apply replaces it whole' },
  aws_ecs_cluster: { attribute: 'name', scope: 'region', what: 'ECS cluster names are unique in an account and region' },
  aws_eks_cluster: { attribute: 'name', scope: 'region', what: 'EKS cluster names are unique in an account and region' },
  aws_cloudwatch_log_group: { attribute: 'name', scope: 'region', what: 'log group names are unique in an account and region' },
  aws_sns_topic: { attribute: 'name', scope: 'region', what: 'topic names are unique in an account and region' },
  aws_sqs_queue: { attribute: 'name', scope: 'region', what: 'queue names are unique in an account and region' },
  aws_cloudtrail: { attribute: 'name', scope: 'region', what: 'trail names are unique in an account and region' },
  aws_cloudwatch_dashboard: { attribute: 'dashboard_name', scope: 'region', what: 'dashboard names are unique in an account and region' },
  aws_cloudwatch_metric_alarm: { attribute: 'alarm_name', scope: 'region', what: 'alarm names are unique in an account and region' },
};

interface ProviderBlock {
  readonly alias?: string;
  readonly region?: string;
  readonly allowed_account_ids?: readonly string[];
}

/** The parts of a synthesized stack this reads. */
export interface NamedStack {
  readonly name: string;
  readonly json: { provider?: { aws?: readonly ProviderBlock[] }; resource?: Record<string, Record<string, Record<string, unknown>>> };
}

interface Claim {
  readonly key: string;
  readonly environment: string;
  readonly stack: string;
  readonly type: string;
  readonly name: string;
  /** The configuration field that chose the name, when the configuration chose it (`state.bucket`). */
  readonly chosenBy?: string;
}

/** The environment of a stack named `<component>-<env>`. */
const environmentOf = (stack: string) => stack.slice(stack.indexOf('-') + 1);

/** Every name two resources of the synthesized stacks would both take, as `<env>.<field>: <message>`. */
export function nameCollisions(stacks: readonly NamedStack[]): string[] {
  const claims = new Map<string, Claim>();
  const problems: string[] = [];
  for (const stack of stacks) {
    const providers = stack.json.provider?.aws ?? [];
    for (const [type, rule] of Object.entries(UNIQUE_NAMES)) {
      for (const [logicalName, resource] of Object.entries(stack.json.resource?.[type] ?? {})) {
        const name = rule.attribute === null ? 'registry' : resource[rule.attribute];
        // A name made at apply time (a prefix, a reference) is the provider's to keep unique.
        if (typeof name !== 'string' || name.includes('${')) continue;
        const provider = providers.find((block) => (resource.provider === undefined ? block.alias === undefined : resource.provider === `aws.${block.alias}`));
        const account = provider?.allowed_account_ids?.[0] ?? '?';
        const region = provider?.region ?? '?';
        // Even a "global" name is global within its partition.
        const where = rule.scope === 'global' ? partitionOf(region) : rule.scope === 'account' ? account : `${account}/${region}`;
        const claim: Claim = { key: `${type} ${where} ${name}`, environment: environmentOf(stack.name), stack: stack.name, type, name, chosenBy: chosenBy(stack.name, type, logicalName) };
        const earlier = claims.get(claim.key);
        if (!earlier) {
          claims.set(claim.key, claim);
          continue;
        }
        // A name the configuration chose (a state bucket) is the one to change, not a name Groundwork derived.
        const pairs = [
          [claim, earlier],
          [earlier, claim],
        ].filter(([mine, theirs]) => isChosen(mine) || !isChosen(theirs));
        for (const [mine, theirs] of pairs) {
          problems.push(`${fieldOf(mine)}: makes the ${mine.type} "${mine.name}" (${mine.stack}), which ${theirs.stack} makes too: ${rule.what}`);
        }
      }
    }
  }
  return [...new Set(problems)];
}

/** The state stack's buckets, by the construct that makes them, and the fields that name them. */
const CHOSEN_BUCKETS: readonly [string, string][] = [
  ['state-bucket_', 'state.bucket'],
  ['replica-bucket_', 'state.replica.bucket'],
];

/** The field that names a resource when the configuration names it itself: the state bucket and its replica. */
function chosenBy(stack: string, type: string, logicalName: string): string | undefined {
  if (!stack.startsWith('state-') || type !== 'aws_s3_bucket') return undefined;
  return CHOSEN_BUCKETS.find(([prefix]) => logicalName.startsWith(prefix))?.[1];
}

const isChosen = (claim: Claim) => claim.chosenBy !== undefined;

/** The configuration that chose a resource's name: the bucket's own field, or the environment's name. */
function fieldOf(claim: Claim): string {
  return `${claim.environment}.${claim.chosenBy ?? 'name'}`;
}
