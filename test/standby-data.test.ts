import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { expectRejected, changed } from './support/rejected';
import { crossStackSource, only, ownOutputs, policyOf, readStacks, referencedName, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

// The standby's database (failover): prod's Aurora global database, and a plain RDS environment's
// cross-region replica, with the master password Groundwork keeps because RDS-managed ones support neither.
const prod = loadEnvironments({ prod: environments.prod })[0];
const standbyRegion = prod.failover!.region;

/** dev (plain RDS PostgreSQL) with a standby in its DR region. */
const devWithStandby = (() => {
  const config = structuredClone(environments.dev) as EnvironmentConfig;
  config.failover = { network: { cidr: '10.41.0.0/16' }, routing: { kind: 'route53', hostedZoneId: 'Z0DEVEXAMPLE', zoneName: 'dev.example.com', recordName: 'app.dev.example.com' } };
  return readStacks(synthesizeInto({ dev: config }));
})();

const providerRegion = (json: StackJson) => (json.provider!.aws as any[]).find((p) => !p.alias).region;

describe('the primary of prod\'s global database (data-prod)', () => {
  const json = () => stack('data-prod');

  it('makes the global database from the existing cluster, guarded as prod is, and leaves the membership RDS sets alone', () => {
    const [clusterName, cluster] = resources(json(), 'aws_rds_cluster')[0];
    const global = only(json(), 'aws_rds_global_cluster');
    expect(global).toMatchObject({
      global_cluster_identifier: 'groundwork-prod',
      source_db_cluster_identifier: `\${aws_rds_cluster.${clusterName}.arn}`,
      deletion_protection: true,
      force_destroy: true,
      lifecycle: { prevent_destroy: true },
    });
    // The source's engine and version carry over; naming them too is an error.
    expect(global.engine).toBeUndefined();
    expect(cluster.lifecycle).toEqual({ prevent_destroy: true, ignore_changes: ['global_cluster_identifier'] });
    expect(cluster.engine_version).toBe('16.14');
    expect(ownOutputs(json())).toContain('global_cluster_identifier');
  });

  it('sets the master password once from the secrets stack\'s secret, read ephemerally: never in plan, state or this JSON', () => {
    const cluster = only(json(), 'aws_rds_cluster');
    expect(cluster.manage_master_user_password).toBeUndefined();
    expect(cluster.master_user_secret_kms_key_id).toBeUndefined();
    expect(cluster.master_password).toBeUndefined();
    expect(cluster.master_password_wo_version).toBe(1);
    const [, reader] = /^\$\{jsondecode\(ephemeral\.aws_secretsmanager_secret_version\.([^.]+)\.secret_string\)\["password"\]\}$/.exec(cluster.master_password_wo)!;
    const ephemeral = (json() as any).ephemeral.aws_secretsmanager_secret_version[reader];
    expect(crossStackSource(ephemeral.secret_id)).toMatchObject({ stack: 'secrets-prod', expression: expect.stringMatching(/^\$\{aws_secretsmanager_secret_version\.database-credentials_initial-version_[^.]+\.arn\}$/) });
    // The service reads the same secret.
    expect(crossStackSource(String(json().output!.database_secret_arn.value)).expression).toMatch(/database-credentials_initial-version_/);
  });

  it('rotates that password on the configured period, with a function that may find this cluster and use the secret\'s keys in both regions', () => {
    const fn = resources(json(), 'aws_lambda_function').map(([, f]) => f).find((f) => f.function_name === 'groundwork-prod-database-password-rotation')!;
    expect(fn.environment.variables).toEqual({ DB_CLUSTER_IDENTIFIER: only(json(), 'aws_rds_cluster').cluster_identifier });
    expect(fn.vpc_config.subnet_ids.map((ref: string) => crossStackSource(ref).expression)).toEqual(expect.arrayContaining([expect.stringMatching(/^\$\{aws_subnet\.vpc_private-/)]));
    const schedule = resources(json(), 'aws_secretsmanager_secret_rotation').map(([, r]) => r).find((r) => /database-credentials/.test(r.secret_id))!;
    expect(schedule.rotation_rules.automatically_after_days).toBe(prod.rotation.databasePasswordDays);
    const statements = resources(json(), 'aws_iam_role_policy').map(([, p]) => policyOf(json(), p.policy)).find((p) => p.some((s) => s.sid === 'FindTheWriter'))!;
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
    // Written out, not read from the cluster: a document that read it would be deferred to apply by any change to it.
    expect(bySid.FindTheWriter).toMatchObject({ actions: ['rds:DescribeDBClusters'], resources: [`arn:aws:rds:${prod.region}:${prod.accountId}:cluster:groundwork-prod`] });
    expect(bySid.UseTheSecretsKey.resources.map((ref: string) => crossStackSource(ref).expression)).toEqual([
      expect.stringMatching(/^\$\{aws_kms_key\.secrets-key_/),
      expect.stringMatching(/^\$\{aws_kms_key\.standby-secrets-key_/),
    ]);
  });
});

describe('the database credentials secret (secrets-prod)', () => {
  const json = () => stack('secrets-prod');
  const secret = () => resources(json(), 'aws_secretsmanager_secret').map(([, s]) => s).find((s) => s.name === 'groundwork/prod/database-credentials')!;

  it('is encrypted with the secrets key, replicated to the standby\'s region under the key there, and kept 30 days after deletion', () => {
    const keys = Object.fromEntries(resources(json(), 'aws_kms_key').map(([name]) => [name.replace(/_[0-9A-F]{8}$/, ''), name]));
    expect(secret()).toMatchObject({ kms_key_id: `\${aws_kms_key.${keys['secrets-key']}.arn}`, recovery_window_in_days: 30 });
    expect(secret().replica).toEqual([{ region: standbyRegion, kms_key_id: `\${aws_kms_key.${keys['standby-secrets-key']}.arn}` }]);
  });

  it('is born as JSON of the master user and a 40-character password RDS accepts, written once and never in the JSON', () => {
    const version = resources(json(), 'aws_secretsmanager_secret_version').map(([, v]) => v).find((v) => referencedName(v.secret_id) === referencedName(`\${aws_secretsmanager_secret.${resources(json(), 'aws_secretsmanager_secret').find(([, s]) => s.name === 'groundwork/prod/database-credentials')![0]}.id}`))!;
    const [, passwordName] = /^\$\{jsonencode\(\{ "username" = "groundwork", "engine" = "postgres", "port" = 5432, "password" = ephemeral\.aws_secretsmanager_random_password\.([^.]+)\.random_password \}\)\}$/.exec(version.secret_string_wo)!;
    expect(version.secret_string_wo_version).toBe(1);
    expect(version.secret_string).toBeUndefined();
    expect((json() as any).ephemeral.aws_secretsmanager_random_password[passwordName]).toEqual({ password_length: 40, exclude_punctuation: false, exclude_characters: '/@"\' ' });
  });
});

describe('standby_data-prod, the secondary in the standby\'s region', () => {
  const json = () => stack('standby_data-prod');

  it('runs in the standby\'s region, keeping its state beside the primary\'s', () => {
    expect(providerRegion(json())).toBe(standbyRegion);
    expect((json().terraform as any).backend.s3).toMatchObject({ key: 'prod/standby_data.tfstate', region: prod.region, bucket: prod.state.bucket });
  });

  it('joins the primary\'s global database, with no database, user or password of its own, at the primary\'s exact version', () => {
    const cluster = only(json(), 'aws_rds_cluster');
    expect(crossStackSource(cluster.global_cluster_identifier)).toEqual({ stack: 'data-prod', expression: expect.stringMatching(/^\$\{aws_rds_global_cluster\.[^.]+\.global_cluster_identifier\}$/) });
    for (const field of ['database_name', 'master_username', 'master_password', 'master_password_wo', 'manage_master_user_password', 'snapshot_identifier']) expect(cluster[field]).toBeUndefined();
    expect(cluster).toMatchObject({ engine: 'aurora-postgresql', engine_version: '16.14', cluster_identifier: 'groundwork-prod' });
  });

  it('is encrypted with a rotating key of its own in that region, and guarded as prod is', () => {
    const [keyName, key] = resources(json(), 'aws_kms_key')[0];
    expect(key).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
    const cluster = only(json(), 'aws_rds_cluster');
    expect(cluster).toMatchObject({ storage_encrypted: true, kms_key_id: `\${aws_kms_key.${keyName}.arn}`, deletion_protection: true, skip_final_snapshot: false, final_snapshot_identifier: 'groundwork-prod-final' });
    // A promoted secondary has no replication source: Terraform must not put one back.
    expect(cluster.lifecycle).toEqual({ prevent_destroy: true, ignore_changes: ['replication_source_identifier'] });
    for (const [, instance] of resources(json(), 'aws_rds_cluster_instance')) expect(instance.performance_insights_kms_key_id).toBe(`\${aws_kms_key.${keyName}.arn}`);
  });

  it('lives in the standby network\'s isolated subnets, open only to the standby\'s service', () => {
    const subnets = only(json(), 'aws_db_subnet_group').subnet_ids.map((ref: string) => crossStackSource(ref));
    expect(subnets).toHaveLength(prod.network.azCount);
    for (const subnet of subnets) expect(subnet).toEqual({ stack: 'standby_network-prod', expression: expect.stringMatching(/^\$\{aws_subnet\.vpc_isolated-/) });
    const [databaseGroup] = resources(json(), 'aws_security_group').find(([, g]) => g.name === 'groundwork-prod-database')!;
    const rules = resources(json(), 'aws_vpc_security_group_ingress_rule').map(([, r]) => r).filter((r) => r.security_group_id === `\${aws_security_group.${databaseGroup}.id}`);
    expect(rules).toHaveLength(1);
    expect(crossStackSource(rules[0].referenced_security_group_id).stack).toBe('standby_network-prod');
  });

  it('names the secret\'s copy in its own region as the database\'s credentials, and rotates no password itself', () => {
    expect(String(json().output!.database_secret_arn.value)).toMatch(new RegExp(`^\\$\\{replace\\(.*database-credentials_initial-version_.*, ":${prod.region}:", ":${standbyRegion}:"\\)\\}$`));
    const functions = resources(json(), 'aws_lambda_function').map(([, f]) => f.function_name);
    expect(functions).toEqual(['groundwork-prod-cache-auth-token-rotation']);
  });

  it('has a cache of its own, empty, whose token is its own secret in its region, rotated there', () => {
    const group = only(json(), 'aws_elasticache_replication_group');
    const [keyName] = resources(json(), 'aws_kms_key')[0];
    expect(group).toMatchObject({ at_rest_encryption_enabled: 'true', transit_encryption_enabled: true, kms_key_id: `\${aws_kms_key.${keyName}.arn}` });
    expect(group.snapshot_arns).toBeUndefined();
    const secret = only(json(), 'aws_secretsmanager_secret');
    expect(secret.name).toBe('groundwork/prod/cache-auth-token');
    expect(secret.replica).toBeUndefined();
    expect(crossStackSource(secret.kms_key_id)).toEqual({ stack: 'secrets-prod', expression: expect.stringMatching(/standby-secrets-key/) });
    const rotation = only(json(), 'aws_secretsmanager_secret_rotation');
    expect(rotation.secret_id).toMatch(/^\$\{aws_secretsmanager_secret/);
    // Its role is the standby's own: IAM names are the account's, and the primary's function has the same name.
    const fn = only(json(), 'aws_lambda_function');
    const [, role] = resources(json(), 'aws_iam_role').find(([name]) => fn.role === `\${aws_iam_role.${name}.arn}`)!;
    expect(role.name).toBe('groundwork-prod-standby-cache-token-rotation');
  });
});

describe('a plain RDS PostgreSQL standby (dev with failover)', () => {
  it('is a cross-region read replica of the primary instance, encrypted with a key in its region, taking the source\'s engine and user', () => {
    const json = devWithStandby.get('standby_data-dev')!;
    expect(providerRegion(json)).toBe('eu-central-1');
    const [keyName] = resources(json, 'aws_kms_key')[0];
    const replica = only(json, 'aws_db_instance');
    expect(crossStackSource(replica.replicate_source_db)).toEqual({ stack: 'data-dev', expression: expect.stringMatching(/^\$\{aws_db_instance\.[^.]+\.arn\}$/) });
    expect(replica).toMatchObject({ storage_encrypted: true, kms_key_id: `\${aws_kms_key.${keyName}.arn}` });
    for (const field of ['engine', 'engine_version', 'username', 'db_name', 'password', 'password_wo', 'manage_master_user_password']) expect(replica[field]).toBeUndefined();
  });

  it('keeps no final snapshot of the replica, which RDS refuses, and leaves a promoted replica\'s missing source alone', () => {
    const replica = only(devWithStandby.get('standby_data-dev')!, 'aws_db_instance');
    expect(replica).toMatchObject({ skip_final_snapshot: true, lifecycle: { ignore_changes: ['replicate_source_db'] } });
    expect(replica.final_snapshot_identifier).toBeUndefined();
  });

  it('makes the primary instance take its password from the secret, once', () => {
    const primary = only(devWithStandby.get('data-dev')!, 'aws_db_instance');
    expect(primary.manage_master_user_password).toBeUndefined();
    expect(primary.password_wo).toMatch(/^\$\{jsondecode\(ephemeral\.aws_secretsmanager_secret_version\.[^.]+\.secret_string\)\["password"\]\}$/);
    expect(primary.password_wo_version).toBe(1);
    expect(resources(devWithStandby.get('data-dev')!, 'aws_rds_global_cluster')).toEqual([]);
    const fn = resources(devWithStandby.get('data-dev')!, 'aws_lambda_function').map(([, f]) => f).find((f) => f.function_name === 'groundwork-dev-database-password-rotation')!;
    expect(fn.environment.variables).toEqual({ DB_INSTANCE_IDENTIFIER: primary.identifier });
  });
});

describe('validation', () => {
  it.each([
    [
      'a restore of a global database\'s primary',
      changed(environments.prod, (c) => (c.database.restoreFromSnapshot = 'groundwork-prod-final')),
      'prod.database.restoreFromSnapshot',
      'cannot be set with failover: a restore replaces the database that leads the global database',
    ],
    [
      'a global database without a pinned minor version',
      changed(environments.prod, (c) => (c.database.engineVersion = '16')),
      'prod.database.engineVersion',
      'a global database\'s secondary must run its primary\'s exact version',
    ],
  ])('refuses %s while the environment has a standby, naming the field', (what, config, field, fragment) => {
    expectRejected([what, 'prod', config, field, fragment]);
  });
});

