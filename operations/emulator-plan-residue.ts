import type { ResourceChange } from './plan-changes';

/**
 * Attributes moto (5.2) reads back differently from what was written, where no configuration can make
 * the two agree: a plan right after an apply shows them as an update. Each is listed in the README's
 * emulator gaps; `npm run diff -- --env local` reports them and does not count them as changes. Nothing else is.
 */
export const EMULATOR_PLAN_RESIDUE: readonly { readonly type: string; readonly attribute: string; readonly reason: string }[] = [
  ...residue('aws_kms_key', ['rotation_period_in_days'], 'moto ignores a key\'s rotation period and reads it back as 0'),
  ...residue('aws_rds_cluster', ['scaling_configuration'], 'moto reads back a serverless v1 scaling block the cluster was never given'),
  ...residue('aws_rds_cluster', ['iam_database_authentication_enabled'], 'moto\'s restore from a snapshot drops IAM authentication'),
  ...residue(
    'aws_rds_cluster_instance',
    ['performance_insights_enabled', 'performance_insights_kms_key_id', 'performance_insights_retention_period'],
    'moto does not keep a cluster instance\'s Performance Insights settings',
  ),
  ...residue('aws_ecs_service', ['availability_zone_rebalancing', 'enable_ecs_managed_tags', 'health_check_grace_period_seconds'], 'moto does not keep these service settings'),
  ...residue('aws_lambda_function', ['logging_config'], 'moto does not keep a function\'s logging configuration'),
  ...residue('aws_vpc_security_group_ingress_rule', ['description'], 'moto does not keep a security group rule\'s description'),
  ...residue('aws_vpc_security_group_egress_rule', ['description'], 'moto does not keep a security group rule\'s description'),
  ...residue('aws_s3_bucket_replication_configuration', ['rule'], 'moto does not keep a replication rule\'s delete-marker replication or source selection'),
  ...residue('aws_secretsmanager_secret', ['replica'], 'moto ignores a replica\'s KMS key and reports the AWS-managed one'),
  ...residue('aws_rds_global_cluster', ['tags_all'], 'moto keeps no tags on a global database'),
  ...residue('aws_backup_plan', ['tags_all'], 'moto does not list AWS Backup tags'),
  ...residue('aws_backup_vault', ['tags_all'], 'moto does not list AWS Backup tags'),
];

function residue(type: string, attributes: readonly string[], reason: string) {
  return attributes.map((attribute) => ({ type, attribute, reason }));
}

/**
 * Separates the changes made only of known emulator artefacts from the real ones. A change whose every
 * changed attribute is unknown until apply, in a stack whose other changes are all artefacts, is their
 * knock-on: a data source that reads a resource with a pending update (a key's rotation period) is read
 * again during apply, and what is built from it is unknown until then.
 */
export function splitEmulatorResidue(changes: readonly ResourceChange[]): {
  unexpected: ResourceChange[];
  residue: { change: ResourceChange; reason: string }[];
} {
  const unexpected: ResourceChange[] = [];
  const residue: { change: ResourceChange; reason: string }[] = [];
  const knockOn: ResourceChange[] = [];
  for (const change of changes) {
    const known = change.attributes.map((attribute) => EMULATOR_PLAN_RESIDUE.find((entry) => entry.type === change.type && entry.attribute === attribute));
    const isUpdate = change.actions.join() === 'update';
    if (isUpdate && known.length > 0 && known.every(Boolean)) {
      residue.push({ change, reason: [...new Set(known.map((entry) => entry!.reason))].join('; ') });
    } else if (isUpdate && change.attributes.length > 0 && change.attributes.every((attribute) => change.unknown.includes(attribute))) {
      knockOn.push(change);
    } else {
      unexpected.push(withoutListedAttributes(change));
    }
  }
  if (unexpected.length > 0 || residue.length === 0) return { unexpected: [...unexpected, ...knockOn], residue };
  return { unexpected, residue: [...residue, ...knockOn.map((change) => ({ change, reason: 'known only during apply, because of the artefacts above' }))] };
}

/** An update that changes something real besides listed artefacts, reported with the real attributes only. */
function withoutListedAttributes(change: ResourceChange): ResourceChange {
  if (change.actions.join() !== 'update') return change;
  const real = change.attributes.filter((attribute) => !EMULATOR_PLAN_RESIDUE.some((entry) => entry.type === change.type && entry.attribute === attribute));
  return real.length === change.attributes.length ? change : { ...change, attributes: real, unknown: change.unknown.filter((attribute) => real.includes(attribute)) };
}
