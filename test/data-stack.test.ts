import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { crossStackSource, ENVIRONMENT_NAMES, only, ownOutputs, policyOf, readStacks, referencedName, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

const config = (env: string) => loadEnvironments({ [env]: environments[env as keyof typeof environments] })[0];
const AURORA_ENVIRONMENTS = ENVIRONMENT_NAMES.filter((env) => config(env).database.engine === 'aurora-postgresql');

/** The ingress rules of the security group a resource reference names. */
const ingressOf = (json: StackJson, groupReference: string) =>
  resources(json, 'aws_vpc_security_group_ingress_rule')
    .map(([, rule]) => rule)
    .filter((rule) => referencedName(rule.security_group_id) === referencedName(groupReference));
const serviceGroupOf = (env: string) => `\${${Object.keys(stack(`network-${env}`).resource.aws_security_group).map((name) => `aws_security_group.${name}.id`)[0]}}`;
/** Synthesizes one shipped environment with a change, and returns its data stack. */
const dataStackWith = (env: string, change: (c: any) => void): StackJson => {
  const changed = structuredClone(environments[env as keyof typeof environments]) as EnvironmentConfig;
  change(changed);
  return readStacks(synthesizeInto({ [env]: changed })).get(`data-${env}`)!;
};

/** A rotation function of a data stack, by what it rotates. */
const rotationFunction = (json: StackJson, env: string, rotates: 'cache-auth-token' | 'database-password') =>
  resources(json, 'aws_lambda_function').find(([, fn]) => fn.function_name === `groundwork-${env}-${rotates}-rotation`)?.[1];

describe.each(ENVIRONMENT_NAMES)('data-%s', (env) => {
  const json = () => stack(`data-${env}`);
  const hasCache = () => config(env).cache.enabled;
  /** With a standby, the master password is Groundwork's, rotated by a function of this stack. */
  const hasStandby = () => config(env).failover !== undefined;
  /** With a graph, its password's rotation is a function of this stack too (test/graph-nodes.test.ts). */
  const hasGraph = () => config(env).graph !== undefined;

  it('admits only the service (and the password rotation, with a standby) on the database port into the database', () => {
    const [group] = resources(json(), 'aws_security_group').find(([, g]) => g.name === `groundwork-${env}-database`)!;
    const rules = ingressOf(json(), `\${aws_security_group.${group}.id}`);
    expect(rules).toHaveLength(hasStandby() ? 2 : 1);
    for (const rule of rules) expect(rule).toMatchObject({ ip_protocol: 'tcp', from_port: 5432, to_port: 5432 });
    const [fromService, ...others] = [...rules].sort((a) => (a.referenced_security_group_id.startsWith('${data.') ? -1 : 1));
    expect(crossStackSource(fromService.referenced_security_group_id)).toEqual({ stack: `network-${env}`, expression: serviceGroupOf(env) });
    expect(others.map((rule) => rule.referenced_security_group_id)).toEqual(hasStandby() ? rotationFunction(json(), env, 'database-password')!.vpc_config.security_group_ids : []);
  });

  it('makes the cache, its security group, token rotation and outputs exactly where cache.enabled', () => {
    const count = (type: string) => resources(json(), type).length;
    const one = hasCache() ? 1 : 0;
    const functions = one + (hasStandby() ? 1 : 0) + (hasGraph() ? 1 : 0);
    expect({
      replicationGroups: count('aws_elasticache_replication_group'),
      subnetGroups: count('aws_elasticache_subnet_group'),
      cacheSecurityGroups: resources(json(), 'aws_security_group').filter(([, g]) => g.name === `groundwork-${env}-cache`).length,
      rotationFunctions: count('aws_lambda_function'),
      rotationSchedules: resources(json(), 'aws_secretsmanager_secret_rotation').filter(([, r]) => r.rotation_lambda_arn).length,
      rotationLogGroups: count('aws_cloudwatch_log_group'),
      cacheOutputs: ownOutputs(json()).filter((name) => name.startsWith('cache_')).length,
    }).toEqual({ replicationGroups: one, subnetGroups: one, cacheSecurityGroups: one, rotationFunctions: functions, rotationSchedules: functions, rotationLogGroups: functions, cacheOutputs: 3 * one });
    expect(rotationFunction(json(), env, 'cache-auth-token') !== undefined).toBe(hasCache());
    // Without a cache only the database and its security group are left to secure.
    if (!hasCache() && !hasStandby() && !hasGraph()) expect(resources(json(), 'aws_security_group').map(([, g]) => g.name)).toEqual([`groundwork-${env}-database`]);
  });

  it('admits only the service and the token rotation into the cache, on the cache port', () => {
    if (!hasCache()) return; // no cache: proved above
    const cache = only(json(), 'aws_elasticache_replication_group');
    const rules = ingressOf(json(), cache.security_group_ids[0]);
    expect(rules.map((rule) => [rule.from_port, rule.to_port])).toEqual([[6379, 6379], [6379, 6379]]);
    const sources = rules.map((rule) => rule.referenced_security_group_id);
    expect(sources.filter((source) => source.startsWith('${data.')).map((source) => crossStackSource(source).expression)).toEqual([serviceGroupOf(env)]);
    const rotation = rotationFunction(json(), env, 'cache-auth-token')!.vpc_config.security_group_ids[0];
    expect(sources).toContain(rotation);
  });

  it('opens nothing to an address range but HTTPS out of the rotation functions, the graph nodes and their image builds', () => {
    // The graph's nodes (Secrets Manager and CloudWatch) and image builds (packages) reach HTTPS through NAT too.
    const graphGroups = resources(json(), 'aws_security_group')
      .filter(([, g]) => /^groundwork-[a-z0-9-]+-graph(-image-build)?$/.test(g.name))
      .map(([name]) => `\${aws_security_group.${name}.id}`);
    expect(graphGroups).toHaveLength(hasGraph() ? (config(env).graph!.image.pipeline ? 2 : 1) : 0);
    const functionGroups = [...resources(json(), 'aws_lambda_function').map(([, fn]) => fn.vpc_config.security_group_ids[0]), ...graphGroups];
    for (const type of ['aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule']) {
      for (const [, rule] of resources(json(), type)) {
        if (rule.cidr_ipv4 !== undefined || rule.cidr_ipv6 !== undefined) {
          expect(type).toBe('aws_vpc_security_group_egress_rule');
          expect(rule).toMatchObject({ cidr_ipv4: '0.0.0.0/0', from_port: 443, to_port: 443 });
          expect(functionGroups).toContain(rule.security_group_id);
        } else {
          expect(rule.referenced_security_group_id).toBeDefined();
        }
      }
    }
  });

  it('puts the database and the cache in the isolated subnets', () => {
    const isolated = (subnets: string[]) => subnets.map((ref) => crossStackSource(ref).expression);
    for (const type of ['aws_db_subnet_group', ...(hasCache() ? ['aws_elasticache_subnet_group'] : [])]) {
      const expressions = isolated(only(json(), type).subnet_ids);
      expect(expressions).toHaveLength(config(env).network.azCount);
      for (const expression of expressions) expect(expression).toMatch(/^\$\{aws_subnet\.vpc_isolated-/);
    }
  });

  it('keeps the master password out of Terraform: RDS makes it, keeps it in Secrets Manager under the data key, and rotates it every 30 days unless the schedule is left to RDS', () => {
    if (hasStandby()) return; // Groundwork's own password: the failover tests below
    const [type] = Object.keys(json().resource).filter((t) => t === 'aws_rds_cluster' || t === 'aws_db_instance');
    const database = only(json(), type);
    expect(database.manage_master_user_password).toBe(true);
    expect(database.master_password).toBeUndefined();
    expect(database.password).toBeUndefined();
    expect(referencedName(database.master_user_secret_kms_key_id)).toBe(referencedName(database.kms_key_id));
    const schedules = resources(json(), 'aws_secretsmanager_secret_rotation').filter(([, r]) => r.secret_id.includes('.master_user_secret[0].secret_arn'));
    if (!config(env).rotation.databasePasswordSchedule) {
      // RDS's own schedule (every 7 days) stays: Terraform sets none.
      expect(schedules).toEqual([]);
      return;
    }
    expect(schedules).toHaveLength(1);
    const [[, rotation]] = schedules;
    expect(rotation.rotation_rules.automatically_after_days).toBe(30);
    expect(rotation.rotation_lambda_arn).toBeUndefined();
  });

  it('encrypts storage, Performance Insights and the cache with its own rotating customer key', () => {
    const key = only(json(), 'aws_kms_key');
    expect(key.enable_key_rotation).toBe(true);
    const keyName = Object.keys(json().resource.aws_kms_key)[0];
    const database = resources(json(), 'aws_rds_cluster')[0]?.[1] ?? only(json(), 'aws_db_instance');
    expect(database.storage_encrypted).toBe(true);
    expect(referencedName(database.kms_key_id)).toBe(keyName);
    const instances = [...resources(json(), 'aws_rds_cluster_instance'), ...resources(json(), 'aws_db_instance')].map(([, i]) => i);
    for (const instance of instances) {
      expect(instance.performance_insights_enabled).toBe(true);
      expect(referencedName(instance.performance_insights_kms_key_id)).toBe(keyName);
    }
    if (!hasCache()) return; // no cache to encrypt: proved above
    const cache = only(json(), 'aws_elasticache_replication_group');
    expect(cache).toMatchObject({ engine: 'valkey', at_rest_encryption_enabled: 'true', transit_encryption_enabled: true, transit_encryption_mode: 'required' });
    expect(referencedName(cache.kms_key_id)).toBe(keyName);
  });

  it('turns on IAM authentication, TLS-only connections and PostgreSQL log exports', () => {
    const database = resources(json(), 'aws_rds_cluster')[0]?.[1] ?? only(json(), 'aws_db_instance');
    expect(database.iam_database_authentication_enabled).toBe(true);
    expect(database.enabled_cloudwatch_logs_exports).toContain('postgresql');
    const parameters = [...resources(json(), 'aws_rds_cluster_parameter_group'), ...resources(json(), 'aws_db_parameter_group')];
    expect(parameters).toHaveLength(1);
    expect(parameters[0][1].parameter).toContainEqual({ name: 'rds.force_ssl', value: '1' });
  });

  it('takes backup retention and windows from config', () => {
    const { backup, maintenanceWindow } = config(env).database;
    const cluster = resources(json(), 'aws_rds_cluster')[0]?.[1];
    const database = cluster ?? only(json(), 'aws_db_instance');
    expect(database.backup_retention_period).toBe(backup.retentionDays);
    expect(cluster ? cluster.preferred_backup_window : database.backup_window).toBe(backup.window);
    expect(cluster ? cluster.preferred_maintenance_window : database.maintenance_window).toBe(maintenanceWindow);
  });

  it('creates the cache with the token from the secrets stack, never a literal, and leaves later tokens to rotation', () => {
    if (!hasCache()) {
      expect(json().data?.aws_secretsmanager_secret_version).toBeUndefined();
      return;
    }
    const cache = only(json(), 'aws_elasticache_replication_group');
    expect(cache.auth_token).toMatch(/^\$\{data\.aws_secretsmanager_secret_version\.[^.]+\.secret_string\}$/);
    const version = json().data!.aws_secretsmanager_secret_version[referencedName(cache.auth_token)];
    expect(crossStackSource(version.secret_id)).toMatchObject({ stack: `secrets-${env}`, expression: expect.stringMatching(/^\$\{aws_secretsmanager_secret_version\.cache-auth-token_initial-version_[^.]+\.arn\}$/) });
    expect(cache.lifecycle.ignore_changes).toEqual(['auth_token']);
  });

  it('rotates the cache token on the configured period with a function in the private subnets', () => {
    if (!hasCache()) return; // no token, no function: proved above
    const schedule = resources(json(), 'aws_secretsmanager_secret_rotation').find(([, r]) => r.rotation_lambda_arn)![1];
    expect(schedule.rotation_rules.automatically_after_days).toBe(config(env).rotation.cacheAuthTokenDays);
    expect(crossStackSource(schedule.secret_id).expression).toMatch(/cache-auth-token_initial-version_/);
    const fn = rotationFunction(json(), env, 'cache-auth-token')!;
    expect(fn.vpc_config.subnet_ids.map((ref: string) => crossStackSource(ref).expression)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\$\{aws_subnet\.vpc_private-/)]),
    );
    expect(fn.environment.variables.REPLICATION_GROUP_ID).toMatch(/^\$\{aws_elasticache_replication_group\.[^.]+\.id\}$/);
    expect(fn.timeout).toBe(900);
  });

  it('lets the token rotation touch its secret, its key, its logs and this cache, nothing else', () => {
    if (!hasCache()) {
      // No cache, no token rotation: the only roles are the graph's (test/graph-nodes.test.ts).
      expect(resources(json(), 'aws_iam_role').filter(([, role]) => !role.name.startsWith(`groundwork-${env}-graph`))).toEqual([]);
      expect(resources(json(), 'aws_iam_role_policy').some(([, policy]) => policyOf(json(), policy.policy).some((s) => s.sid === 'ChangeTheCacheToken'))).toBe(false);
      return;
    }
    const policies = resources(json(), 'aws_iam_role_policy').map(([, policy]) => policyOf(json(), policy.policy));
    const statements = policies.find((policy) => policy.some((s) => s.sid === 'ChangeTheCacheToken'))!;
    const bySid = Object.fromEntries(statements.map((s) => [s.sid, s.resources]));
    expect(Object.keys(bySid).sort()).toEqual(['AttachToTheVpc', 'ChangeTheCacheToken', 'RotateItsSecret', 'UseTheSecretsKey', 'WriteItsLogs']);
    expect(crossStackSource(bySid.RotateItsSecret[0]).expression).toMatch(/cache-auth-token_initial-version_/);
    expect(crossStackSource(bySid.UseTheSecretsKey[0]).expression).toMatch(/^\$\{aws_kms_key\.secrets-key_/);
    expect(bySid.WriteItsLogs).toEqual([`arn:aws:logs:${config(env).region}:${config(env).accountId}:log-group:/aws/lambda/groundwork-${env}-cache-auth-token-rotation:*`]);
    expect(bySid.ChangeTheCacheToken[0]).toMatch(/^\$\{aws_elasticache_replication_group\.[^.]+\.arn\}$/);
    // Only the network-interface actions, which EC2 cannot scope, name every resource.
    for (const statement of statements.filter((s) => s.resources.includes('*'))) expect(statement.sid).toBe('AttachToTheVpc');
  });

  it('encrypts the rotations\' log groups with the data key, which CloudWatch Logs may use for those log groups only', () => {
    const [keyName, key] = resources(json(), 'aws_kms_key')[0];
    const names = [...(hasCache() ? ['cache-auth-token'] : []), ...(hasStandby() ? ['database-password'] : []), ...(hasGraph() ? ['graph-password'] : [])].map(
      (rotates) => `/aws/lambda/groundwork-${env}-${rotates}-rotation`,
    );
    if (names.length === 0) {
      // No log group, so CloudWatch Logs gets no grant on the data key.
      expect(policyOf(json(), key.policy).filter((s) => s.principals[0].type === 'Service')).toEqual([]);
      return;
    }
    expect(resources(json(), 'aws_cloudwatch_log_group').map(([, group]) => group)).toEqual(names.map((name) => expect.objectContaining({ name, kms_key_id: `\${aws_kms_key.${keyName}.arn}` })));
    const grants = policyOf(json(), key.policy).filter((s) => s.principals[0].type === 'Service');
    expect(grants).toEqual(
      names.map((name) =>
        expect.objectContaining({
          principals: [{ type: 'Service', identifiers: [`logs.${config(env).region}.amazonaws.com`] }],
          condition: [{ test: 'ArnLike', variable: 'kms:EncryptionContext:aws:logs:arn', values: [`arn:aws:logs:${config(env).region}:${config(env).accountId}:log-group:${name}`] }],
        }),
      ),
    );
  });

  it('outputs the endpoints (the cache\'s where there is one) and the secret ARN, each described', () => {
    expect(ownOutputs(json()).sort()).toEqual(
      [
        ...(hasCache() ? ['cache_port', 'cache_primary_endpoint', 'cache_reader_endpoint'] : []),
        ...(hasStandby() && config(env).database.engine === 'aurora-postgresql' ? ['global_cluster_identifier'] : []),
        'database_endpoint', 'database_port', 'database_reader_endpoint', 'database_secret_arn',
        ...(hasGraph() ? ['graph_data_volume_arns', 'graph_secret_arn', 'graph_uri'] : []),
      ].sort(),
    );
    for (const name of ownOutputs(json())) expect(json().output![name].description!.length).toBeGreaterThan(10);
  });
});

describe.each(AURORA_ENVIRONMENTS)('Aurora Serverless v2 in data-%s', (env) => {
  const json = () => stack(`data-${env}`);
  const database = () => config(env).database as Extract<ReturnType<typeof config>['database'], { engine: 'aurora-postgresql' }>;

  it('scales between the configured ACUs', () => {
    const cluster = only(json(), 'aws_rds_cluster');
    expect(cluster).toMatchObject({ engine: 'aurora-postgresql', engine_mode: 'provisioned' });
    expect(cluster.serverlessv2_scaling_configuration).toEqual({ min_capacity: database().capacity.minAcu, max_capacity: database().capacity.maxAcu });
  });

  it('has a writer and the configured number of readers, all db.serverless', () => {
    const instances = resources(json(), 'aws_rds_cluster_instance').map(([, instance]) => instance);
    expect(instances).toHaveLength(1 + database().readers);
    for (const instance of instances) {
      expect(instance.instance_class).toBe('db.serverless');
      expect(instance.publicly_accessible).toBe(false);
      expect(referencedName(instance.cluster_identifier)).toBe(Object.keys(json().resource.aws_rds_cluster)[0]);
    }
    expect(instances.filter((instance) => instance.promotion_tier === 0)).toHaveLength(1);
  });

  it('replaces its instances with the cluster (RDS refuses to delete a cluster that has any), and only then', () => {
    const clusterName = Object.keys(json().resource.aws_rds_cluster)[0];
    for (const [, instance] of resources(json(), 'aws_rds_cluster_instance')) {
      // The resource ID changes only when the cluster is replaced; the whole resource would also trigger on every update.
      expect(instance.lifecycle).toEqual({ replace_triggered_by: [`aws_rds_cluster.${clusterName}.cluster_resource_id`] });
    }
  });
});

describe('plain RDS PostgreSQL (dev)', () => {
  it('is an encrypted gp3 instance with autoscaling storage, single-AZ outside prod', () => {
    const instance = only(stack('data-dev'), 'aws_db_instance');
    expect(instance).toMatchObject({ engine: 'postgres', storage_type: 'gp3', storage_encrypted: true, multi_az: false, publicly_accessible: false, allocated_storage: 20, max_allocated_storage: 100 });
    expect(stack('data-dev').resource.aws_rds_cluster).toBeUndefined();
  });

  it('is Multi-AZ when prod chooses it', () => {
    const json = dataStackWith('prod', (c) => (c.database = { engine: 'postgres', backup: { retentionDays: 35 } }));
    expect(only(json, 'aws_db_instance')).toMatchObject({ multi_az: true, deletion_protection: true });
  });
});

describe('protection of the data, by tier', () => {
  const protectionOf = (env: string) => {
    const json = stack(`data-${env}`);
    const database = resources(json, 'aws_rds_cluster')[0]?.[1] ?? only(json, 'aws_db_instance');
    const caches = resources(json, 'aws_elasticache_replication_group').map(([, cache]) => cache);
    expect(caches).toHaveLength(config(env).cache.enabled ? 1 : 0);
    return {
      deletionProtection: database.deletion_protection,
      finalSnapshot: database.skip_final_snapshot === false ? database.final_snapshot_identifier : null,
      preventDestroy: database.lifecycle?.prevent_destroy ?? false,
      // null without a cache (cache.enabled false)
      cache: caches.map((cache) => ({ finalSnapshot: cache.final_snapshot_identifier ?? null, preventDestroy: cache.lifecycle.prevent_destroy }))[0] ?? null,
      keyPreventDestroy: only(json, 'aws_kms_key').lifecycle?.prevent_destroy ?? false,
    };
  };

  it('gives prod deletion protection, final snapshots and prevent_destroy', () => {
    expect(protectionOf('prod')).toEqual({
      deletionProtection: true,
      finalSnapshot: 'groundwork-prod-final',
      preventDestroy: true,
      cache: { finalSnapshot: 'groundwork-prod-final', preventDestroy: true },
      keyPreventDestroy: true,
    });
  });

  it('gives staging deletion protection and final snapshots, and keeps the key they need', () => {
    expect(protectionOf('staging')).toEqual({
      deletionProtection: true,
      finalSnapshot: 'groundwork-staging-final',
      preventDestroy: false,
      cache: { finalSnapshot: 'groundwork-staging-final', preventDestroy: false },
      keyPreventDestroy: true,
    });
  });

  it.each(['dev', 'local'])('lets %s be torn down without a trace', (env) => {
    const cache = config(env).cache.enabled ? { finalSnapshot: null, preventDestroy: false } : null;
    expect(protectionOf(env)).toEqual({ deletionProtection: false, finalSnapshot: null, preventDestroy: false, cache, keyPreventDestroy: false });
  });
});

describe('the cache by tier', () => {
  it('fails over automatically across zones in prod, with two replicas', () => {
    expect(only(stack('data-prod'), 'aws_elasticache_replication_group')).toMatchObject({ num_cache_clusters: 3, automatic_failover_enabled: true, multi_az_enabled: true });
  });

  it('is a single node in dev', () => {
    expect(only(stack('data-dev'), 'aws_elasticache_replication_group')).toMatchObject({ num_cache_clusters: 1, automatic_failover_enabled: false, multi_az_enabled: false });
  });
});

describe('disaster recovery', () => {
  it('re-creates the database from the named snapshot, with the snapshot\'s own database and user', () => {
    const cluster = only(dataStackWith('staging', (c) => (c.database.restoreFromSnapshot = 'groundwork-staging-final')), 'aws_rds_cluster');
    expect(cluster.snapshot_identifier).toBe('groundwork-staging-final');
    expect(cluster.database_name).toBeUndefined();
    expect(cluster.master_username).toBeUndefined();
    expect(cluster.manage_master_user_password).toBe(true);
  });

  it('restores a plain RDS instance the same way', () => {
    const instance = only(dataStackWith('dev', (c) => (c.database.restoreFromSnapshot = 'arn:aws:rds:eu-west-1:111111111111:snapshot:nightly-1')), 'aws_db_instance');
    expect(instance.snapshot_identifier).toBe('arn:aws:rds:eu-west-1:111111111111:snapshot:nightly-1');
    expect(instance.username).toBeUndefined();
  });
});

describe('rotation periods', () => {
  it('follow an environment\'s overrides', () => {
    const changed = structuredClone(environments.prod) as EnvironmentConfig;
    changed.rotation = { databasePasswordDays: 14, cacheAuthTokenDays: 7, secretKeyBaseDays: 45, graphPasswordDays: 10 };
    const stacks = readStacks(synthesizeInto({ prod: changed }));
    const days = (name: string) => resources(stacks.get(name)!, 'aws_secretsmanager_secret_rotation').map(([, r]) => [/master_user_secret|database-credentials/.test(r.secret_id) ? 'database' : r.secret_id.includes('cache-auth-token') ? 'cache' : r.secret_id.includes('graph_credentials') ? 'graph' : 'key-base', r.rotation_rules.automatically_after_days]);
    expect(days('data-prod').sort()).toEqual([['cache', 7], ['database', 14], ['graph', 10]]);
    expect(days('secrets-prod')).toEqual([['key-base', 45]]);
  });
});
