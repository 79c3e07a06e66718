import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { crossStackSource, ENVIRONMENT_NAMES, only, ownOutputs, policyOf, readStacks, referencedName, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

const config = (env: string) => loadEnvironments({ [env]: environments[env as keyof typeof environments] })[0];
/** Synthesizes one shipped environment with a change, and returns its backup stack. */
const backupStackWith = (env: string, change: (c: any) => void): StackJson => {
  const changed = structuredClone(environments[env as keyof typeof environments]) as EnvironmentConfig;
  change(changed);
  return readStacks(synthesizeInto({ [env]: changed })).get(`backup-${env}`)!;
};

/** A resource of a type by its `name` attribute. */
const named = (json: StackJson, type: string, name: string) => resources(json, type).find(([, body]) => body.name === name)!;
/** The provider alias a resource uses: `aws` for the default, `aws.dr` for the DR one. */
const providerOf = (body: Record<string, any>) => body.provider ?? 'aws';
/** The key resource a `${aws_kms_key.<name>.arn}` reference names. */
const keyOf = (json: StackJson, reference: string) => json.resource.aws_kms_key[referencedName(reference)];

describe.each(ENVIRONMENT_NAMES)('backup-%s', (env) => {
  const json = () => stack(`backup-${env}`);
  const environment = () => config(env);

  it('has a second AWS provider, aws.dr, in the DR region with the same account lock and tags', () => {
    const [main, dr] = json().provider.aws;
    expect(main.region).toBe(environment().region);
    expect(main.alias).toBeUndefined();
    expect(dr).toMatchObject({ alias: 'dr', region: environment().drRegion, allowed_account_ids: [environment().accountId] });
    expect(dr.region).not.toBe(main.region);
    expect(dr.default_tags).toEqual(main.default_tags);
    expect(dr.endpoints).toEqual(main.endpoints);
  });

  it('keeps a vault in each region, each encrypted with its own rotating key made in that region', () => {
    const [, primary] = named(json(), 'aws_backup_vault', `groundwork-${env}`);
    const [, dr] = named(json(), 'aws_backup_vault', `groundwork-${env}-dr`);
    expect(providerOf(primary)).toBe('aws');
    expect(providerOf(dr)).toBe('aws.dr');
    const primaryKey = keyOf(json(), primary.kms_key_arn);
    const drKey = keyOf(json(), dr.kms_key_arn);
    expect(primaryKey).not.toBe(drKey);
    expect(providerOf(primaryKey)).toBe('aws');
    expect(providerOf(drKey)).toBe('aws.dr');
    for (const key of [primaryKey, drKey]) {
      expect(key).toMatchObject({ enable_key_rotation: true, rotation_period_in_days: environment().kms.rotationPeriodDays });
    }
  });

  it('copies every rule\'s recovery points to the DR vault, with their own retention', () => {
    const [drVault] = named(json(), 'aws_backup_vault', `groundwork-${env}-dr`);
    const [primaryVault] = named(json(), 'aws_backup_vault', `groundwork-${env}`);
    const plan = only(json(), 'aws_backup_plan');
    expect(plan.rule).toHaveLength(environment().backup.rules.length);
    environment().backup.rules.forEach((rule, i) => {
      const written = plan.rule[i];
      expect(written).toMatchObject({
        rule_name: rule.name,
        schedule: rule.schedule,
        start_window: rule.startWindowMinutes,
        completion_window: rule.completionWindowMinutes,
        enable_continuous_backup: rule.continuous,
        target_vault_name: `\${aws_backup_vault.${primaryVault}.name}`,
        lifecycle: { delete_after: rule.retentionDays },
      });
      expect(written.copy_action).toEqual([
        {
          destination_vault_arn: `\${aws_backup_vault.${drVault}.arn}`,
          lifecycle: { delete_after: rule.drRetentionDays ?? rule.retentionDays, ...(rule.coldStorageAfterDays && { cold_storage_after: rule.coldStorageAfterDays }) },
        },
      ]);
    });
  });

  it('selects the data stack\'s database and graph volumes where backup.selectDatabase, with a role only AWS Backup may assume', () => {
    const roles = resources(json(), 'aws_iam_role');
    expect(roles).toHaveLength(1);
    const [[roleName, role]] = roles;
    const selections = resources(json(), 'aws_backup_selection').map(([, selection]) => selection);
    expect(selections).toHaveLength(environment().backup.selectDatabase ? 1 : 0);
    const [selection] = selections;
    if (selection) {
      const nodes = environment().graph?.nodes ?? 0;
      expect(selection.resources).toHaveLength(1 + nodes);
      const kind = environment().database.engine === 'aurora-postgresql' ? 'aws_rds_cluster' : 'aws_db_instance';
      expect(crossStackSource(selection.resources[0])).toEqual({ stack: `data-${env}`, expression: expect.stringMatching(new RegExp(`^\\$\\{${kind}\\.database_[a-z]+_[A-F0-9]+\\.arn\\}$`)) });
      // Each graph node's data volume, in node order.
      expect(selection.resources.slice(1).map((arn: string) => crossStackSource(arn))).toEqual(
        Array.from({ length: nodes }, (_, i) => ({ stack: `data-${env}`, expression: expect.stringMatching(new RegExp(`^\\$\\{aws_ebs_volume\\.graph_node-${i + 1}_data_[A-F0-9]+\\.arn\\}$`)) })),
      );
      expect(referencedName(selection.iam_role_arn)).toBe(roleName);
      expect(selection.depends_on).toHaveLength(2);
    } else {
      // The plan selects nothing, so nothing here reads the data stack.
      expect(json().data?.terraform_remote_state?.[`cross-stack-reference-input-data-${env}`]).toBeUndefined();
    }
    // The plan's role is made either way.
    const [trust] = policyOf(json(), role.assume_role_policy);
    expect(trust).toMatchObject({ actions: ['sts:AssumeRole'], principals: [{ type: 'Service', identifiers: ['backup.amazonaws.com'] }] });
    const attached = resources(json(), 'aws_iam_role_policy_attachment').map(([, a]) => a.policy_arn);
    expect(attached.sort()).toEqual([
      'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup',
      'arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores',
    ]);
  });

  it('guards vaults and keys by tier: prevent_destroy in staging and prod, force_destroy elsewhere where the plan selects anything', () => {
    const protect = environment().tier !== 'dev';
    for (const [, vault] of resources(json(), 'aws_backup_vault')) {
      // Without a selection nothing is ever put in a vault, so there is nothing to delete first.
      expect(vault.force_destroy).toBe(!protect && environment().backup.selectDatabase);
      expect(vault.lifecycle?.prevent_destroy ?? false).toBe(protect);
    }
    for (const [, key] of resources(json(), 'aws_kms_key')) expect(key.lifecycle?.prevent_destroy ?? false).toBe(protect);
  });

  it('locks both vaults exactly when the config asks', () => {
    const locks = resources(json(), 'aws_backup_vault_lock_configuration').map(([, lock]) => lock);
    const wanted = environment().backup.vaultLock;
    if (!wanted) {
      expect(locks).toEqual([]);
      return;
    }
    expect(locks.map(providerOf).sort()).toEqual(['aws', 'aws.dr']);
    for (const lock of locks) expect(lock).toMatchObject({ min_retention_days: wanted.minRetentionDays, max_retention_days: wanted.maxRetentionDays });
  });

  it('names its vaults, plan and role in its outputs', () => {
    expect(ownOutputs(json()).sort()).toEqual(['dr_vault_arn', 'dr_vault_name', 'plan_id', 'role_arn', 'vault_arn', 'vault_name']);
  });
});

describe('backup-prod', () => {
  const json = () => stack('backup-prod');

  it('keeps continuous point-in-time recovery for 35 days and monthly backups for a year, both copied to eu-central-1', () => {
    const plan = only(json(), 'aws_backup_plan');
    expect(plan.rule.map((rule: any) => [rule.rule_name, rule.enable_continuous_backup, rule.lifecycle.delete_after, rule.copy_action[0].lifecycle.delete_after])).toEqual([
      ['continuous', true, 35, 35],
      ['monthly', false, 365, 365],
    ]);
    expect(json().provider.aws[1].region).toBe('eu-central-1');
  });

  it('locks both vaults in governance mode (no changeable_for_days), so the lock can be lifted by a permitted user', () => {
    const locks = resources(json(), 'aws_backup_vault_lock_configuration');
    expect(locks).toHaveLength(2);
    for (const [, lock] of locks) expect(lock.changeable_for_days).toBeUndefined();
  });
});

describe('backup config', () => {
  it('moves recovery points to cold storage in both vaults and sets each vault\'s retention', () => {
    const json = backupStackWith('staging', (c) => {
      c.backup = { rules: [{ name: 'weekly', schedule: 'cron(0 4 ? * SUN *)', retentionDays: 400, coldStorageAfterDays: 30, drRetentionDays: 180 }] };
    });
    const [rule] = only(json, 'aws_backup_plan').rule;
    expect(rule.lifecycle).toEqual({ delete_after: 400, cold_storage_after: 30 });
    expect(rule.copy_action[0].lifecycle).toEqual({ delete_after: 180, cold_storage_after: 30 });
    expect(rule.enable_continuous_backup).toBe(false);
  });

  it('makes a compliance-mode lock when changeableForDays is set (not in dev, whose vaults must stay deletable)', () => {
    const json = backupStackWith('staging', (c) => {
      c.backup = { rules: [{ name: 'daily', retentionDays: 30 }], vaultLock: { minRetentionDays: 7, maxRetentionDays: 60, changeableForDays: 3 } };
    });
    const locks = resources(json, 'aws_backup_vault_lock_configuration');
    expect(locks).toHaveLength(2);
    for (const [, lock] of locks) expect(lock.changeable_for_days).toBe(3);
  });

  it('backs up an RDS instance when the engine is postgres', () => {
    expect(config('dev').database.engine).toBe('postgres');
    const selection = only(stack('backup-dev'), 'aws_backup_selection');
    expect(crossStackSource(selection.resources[0]).expression).toMatch(/^\$\{aws_db_instance\./);
  });
});
