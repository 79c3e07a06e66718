import { blocks, fail, pass, type Resource, type Rule, type RuleContext } from '../engine';

/** The vault a value (a vault's name or ARN, by reference or literally) names. */
function vaultOf(from: Resource, value: unknown, { graph }: RuleContext): Resource | undefined {
  const referenced = graph.resolve(from, value)?.resource;
  if (referenced) return referenced.type === 'aws_backup_vault' ? referenced : undefined;
  return graph.all('aws_backup_vault').find((vault) => typeof value === 'string' && typeof vault.body.name === 'string' && (value === vault.body.name || value.endsWith(`:backup-vault:${vault.body.name}`)));
}

export const backupRules: Rule[] = [
  {
    id: 'GW-BACKUP-01',
    title: 'Backup vault is encrypted with a customer-managed KMS key',
    checkov: ['CKV_AWS_166'],
    why: 'Recovery points are then under a key whose policy the platform controls, not the account-wide aws/backup key anyone with backup permissions may use.',
    subjects: ['aws_backup_vault'],
    check(vault, { graph }) {
      const key = graph.key(vault, vault.body.kms_key_arn);
      if (!key) return fail('kms_key_arn', 'is not set: the AWS-managed key aws/backup is used');
      return key.kind === 'aws-managed' ? fail('kms_key_arn', `is ${key.value}, an AWS-managed key`) : pass();
    },
  },
  {
    id: 'GW-BACKUP-02',
    title: 'Every backup plan rule copies its recovery points to another vault',
    checkov: [],
    checkovNote: 'checkov has no check on copy actions.',
    why: 'A copy in another vault (in the DR region) survives the loss of the region, the vault or its key.',
    subjects: ['aws_backup_plan'],
    check(plan, context) {
      for (const [i, rule] of blocks(plan.body.rule).entries()) {
        const copies = blocks(rule.copy_action);
        if (copies.length === 0) return fail(`rule[${i}].copy_action`, `rule ${String(rule.rule_name ?? i)} has no copy action`);
        const target = vaultOf(plan, rule.target_vault_name, context);
        const same = copies.find((copy) => {
          const destination = vaultOf(plan, copy.destination_vault_arn, context);
          return destination ? destination === target : copy.destination_vault_arn === rule.target_vault_name;
        });
        if (same) return fail(`rule[${i}].copy_action.destination_vault_arn`, `rule ${String(rule.rule_name ?? i)} copies into its own target vault`);
      }
      return pass();
    },
  },
  {
    id: 'GW-BACKUP-03',
    title: 'Production backup vaults are locked',
    checkov: [],
    checkovNote: 'checkov has no check on AWS Backup Vault Lock.',
    why: 'A vault lock stops recovery points being deleted early or their retention shortened: in governance mode, as prod has it, only by a user explicitly allowed to lift the lock, in compliance mode (changeable_for_days) by nobody, the account root included.',
    subjects: ['aws_backup_vault'],
    tiers: ['prod'],
    check(vault, context) {
      const locks = context.graph.all('aws_backup_vault_lock_configuration').filter((lock) => vaultOf(lock, lock.body.backup_vault_name, context) === vault);
      return locks.length > 0 ? pass() : fail('aws_backup_vault_lock_configuration', 'no vault lock refers to this vault');
    },
  },
  {
    id: 'GW-BACKUP-04',
    title: 'Every database is selected by an AWS Backup plan',
    checkov: ['CKV2_AWS_8'],
    checkovNote: 'CKV2_AWS_8 covers Aurora clusters in the same module; the gate follows selections across stacks (by cross-stack reference) and covers RDS instances too.',
    why: "RDS's own automated backups vanish with the database and stay in its region; a backup plan keeps recovery points (and DR copies) independent of it.",
    subjects: ['aws_rds_cluster', 'aws_db_instance'],
    check(database, { graph }) {
      const selected = graph.all('aws_backup_selection').some((selection) => graph.referencesIn(selection, selection.body.resources).some((r) => r.resource === database));
      return selected ? pass() : fail('aws_backup_selection', 'no backup selection names this database');
    },
  },
];
