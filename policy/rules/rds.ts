import { blocks, fail, isSet, isTrue, pass, strings, type Resource, type Rule, type RuleContext } from '../engine';

const DATABASES = ['aws_rds_cluster', 'aws_db_instance'];

/** The parameter group a database uses, followed from its `*_parameter_group_name`. */
function parameterGroup(database: Resource, { graph }: RuleContext): Resource | undefined {
  const [field, type] =
    database.type === 'aws_rds_cluster' ? ['db_cluster_parameter_group_name', 'aws_rds_cluster_parameter_group'] : ['parameter_group_name', 'aws_db_parameter_group'];
  const value = database.body[field];
  const referenced = graph.resolve(database, value)?.resource;
  if (referenced?.type === type) return referenced;
  return graph.all(type).find((group) => typeof value === 'string' && group.body.name === value);
}

export const rdsRules: Rule[] = [
  {
    id: 'GW-RDS-01',
    title: 'RDS and Aurora storage is encrypted with a customer-managed KMS key',
    checkov: ['CKV_AWS_16', 'CKV_AWS_96', 'CKV_AWS_327'],
    why: 'Data, snapshots, backups and replicas are encrypted under a key whose policy and rotation the platform controls; encryption cannot be added to a live database later.',
    subjects: DATABASES,
    check(database) {
      if (!isTrue(database.body.storage_encrypted)) return fail('storage_encrypted', 'is not true');
      return isSet(database.body.kms_key_id) ? pass() : fail('kms_key_id', 'is not set: the storage uses the AWS-managed key aws/rds');
    },
  },
  {
    id: 'GW-RDS-02',
    title: 'RDS and Aurora databases have deletion protection (tiers staging and prod)',
    checkov: ['CKV_AWS_139', 'CKV_AWS_293'],
    checkovNote: 'checkov asks it of every database; the gate of staging and prod only (environments/protection.ts): dev databases are meant to be thrown away.',
    why: 'The AWS API refuses to delete a protected database, whatever a plan, a console click or a script asks.',
    subjects: DATABASES,
    tiers: ['staging', 'prod'],
    check(database) {
      return isTrue(database.body.deletion_protection) ? pass() : fail('deletion_protection', 'is not true');
    },
  },
  {
    id: 'GW-RDS-03',
    title: 'RDS and Aurora databases accept IAM authentication',
    checkov: ['CKV_AWS_161', 'CKV_AWS_162'],
    why: 'Workloads can connect with short-lived IAM tokens instead of a long-lived password.',
    subjects: DATABASES,
    check(database) {
      return isTrue(database.body.iam_database_authentication_enabled) ? pass() : fail('iam_database_authentication_enabled', 'is not true');
    },
  },
  {
    id: 'GW-RDS-04',
    title: 'RDS instances and Aurora cluster instances are not publicly accessible',
    checkov: ['CKV_AWS_17'],
    why: 'A publicly accessible instance gets a public DNS name and address: one security-group mistake from the internet.',
    subjects: ['aws_db_instance', 'aws_rds_cluster_instance'],
    check(instance) {
      return isTrue(instance.body.publicly_accessible) ? fail('publicly_accessible', 'is true') : pass();
    },
  },
  {
    id: 'GW-RDS-05',
    title: 'RDS and Aurora databases export their logs to CloudWatch Logs',
    checkov: ['CKV_AWS_129', 'CKV_AWS_324'],
    why: 'Database logs (errors, connections, slow queries) outlive the instance and can be searched and alarmed on.',
    subjects: DATABASES,
    check(database) {
      const exports = strings(database.body.enabled_cloudwatch_logs_exports);
      const engine = String(database.body.engine ?? '');
      if (exports.length === 0) return fail('enabled_cloudwatch_logs_exports', 'is empty: no log reaches CloudWatch');
      return engine.includes('postgres') && !exports.includes('postgresql')
        ? fail('enabled_cloudwatch_logs_exports', 'does not include "postgresql", the PostgreSQL log')
        : pass();
    },
  },
  {
    id: 'GW-RDS-06',
    title: "RDS and Aurora databases refuse unencrypted connections (their parameter group forces TLS)",
    checkov: ['CKV2_AWS_69'],
    checkovNote: 'CKV2_AWS_69 checks instances only; the gate follows clusters to their cluster parameter group too.',
    why: 'Without rds.force_ssl (PostgreSQL) or require_secure_transport (MySQL), a client may send credentials and data in the clear inside the VPC.',
    subjects: DATABASES,
    check(database, context) {
      const field = database.type === 'aws_rds_cluster' ? 'db_cluster_parameter_group_name' : 'parameter_group_name';
      const group = parameterGroup(database, context);
      if (!group) return fail(field, 'names no parameter group of this environment: the default group does not force TLS');
      const forces = blocks(group.body.parameter).some(
        (p) => (p.name === 'rds.force_ssl' && String(p.value) === '1') || (p.name === 'require_secure_transport' && ['1', 'ON'].includes(String(p.value).toUpperCase())),
      );
      return forces ? pass() : fail(field, `its parameter group ${group.path} does not set rds.force_ssl = 1 (or require_secure_transport = ON)`);
    },
  },
  {
    id: 'GW-RDS-07',
    title: 'Production databases survive the loss of a zone (Multi-AZ instance, or an Aurora reader)',
    checkov: ['CKV_AWS_157'],
    checkovNote: 'CKV_AWS_157 covers aws_db_instance only; for Aurora the gate counts the cluster instances that refer to the cluster.',
    why: 'A single-zone database is down for as long as its zone is; with a standby or a reader, RDS fails over in a minute or two.',
    subjects: DATABASES,
    tiers: ['prod'],
    check(database, { graph }) {
      if (database.type === 'aws_db_instance') return isTrue(database.body.multi_az) ? pass() : fail('multi_az', 'is not true');
      const instances = graph.referrers(database, 'aws_rds_cluster_instance', 'cluster_identifier', (id) => id === database.body.cluster_identifier);
      return instances.length >= 2 ? pass() : fail('aws_rds_cluster_instance', `the cluster has ${instances.length} instance(s); a writer and at least one reader are needed`);
    },
  },
  {
    id: 'GW-RDS-08',
    title: 'The master password never enters the configuration or the state: RDS manages it, or it is written once from an ephemeral value',
    checkov: [],
    checkovNote: "checkov's secret scanning finds literal passwords only; a password passed by reference still lands in the Terraform state, which no checkov check looks at.",
    why: 'With manage_master_user_password, RDS creates and rotates the password in Secrets Manager. Where RDS cannot (a global database, a cross-region replica), a write-only argument fed by an ephemeral read of the secret reaches RDS without being stored in the plan or the state.',
    subjects: DATABASES,
    check(database) {
      const cluster = database.type === 'aws_rds_cluster';
      const [field, writeOnly] = cluster ? ['master_password', 'master_password_wo'] : ['password', 'password_wo'];
      if (isSet(database.body[field])) return fail(field, 'is set: the password is in the configuration and the state');
      if (isSet(database.body[writeOnly])) {
        return onlyEphemeral(String(database.body[writeOnly])) ? pass() : fail(writeOnly, 'is not an ephemeral value alone: a literal or a resource attribute is in the configuration or the state');
      }
      // Restored from a snapshot, the database keeps the snapshot's master user and password; a replica
      // (a global database's secondary, a read replica) has its source's.
      const replica = cluster ? isSet(database.body.global_cluster_identifier) && !isSet(database.body.master_username) : isSet(database.body.replicate_source_db);
      return isTrue(database.body.manage_master_user_password) || isSet(database.body.snapshot_identifier) || replica ? pass() : fail('manage_master_user_password', 'is not true');
    },
  },
];

/** One interpolation whose every reference (`<type>.<name>.<attribute>`, `data.`/`ephemeral.` ones included) is ephemeral. */
function onlyEphemeral(value: string): boolean {
  const expression = /^\$\{([^$]*)\}$/.exec(value)?.[1];
  if (expression === undefined) return false;
  const references = expression.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/\b[a-z][\w-]*\.[\w-]+\.[\w-]+/g) ?? [];
  return references.length > 0 && references.every((reference) => reference.startsWith('ephemeral.'));
}
