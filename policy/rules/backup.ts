import { blocks, fail, pass, type ProviderRegion, type Resource, type Rule, type RuleContext } from '../engine';
import { unknownRegion } from './common';

/** A backup vault's ARN, written out: `arn:aws:backup:eu-central-1:111111111111:backup-vault:<name>`; group 1 is its region. */
const VAULT_ARN = /^arn:[^:]+:backup:([a-z0-9-]+):[0-9]*:backup-vault:.+$/;

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
    title: 'Every backup plan rule copies its recovery points to a vault in another region',
    checkov: [],
    checkovNote: 'checkov has no check on copy actions.',
    why: 'Only a copy in another region (the DR region) survives the loss of the region, as well as that of the vault or its key; a copy in the same region shares their fate.',
    subjects: ['aws_backup_plan'],
    check(plan, context) {
      const { graph } = context;
      for (const [i, rule] of blocks(plan.body.rule).entries()) {
        const ruleName = String(rule.rule_name ?? i);
        const copies = blocks(rule.copy_action);
        if (copies.length === 0) return fail(`rule[${i}].copy_action`, `rule ${ruleName} has no copy action`);
        const target = vaultOf(plan, rule.target_vault_name, context);
        // The plan backs up into its target vault, so the recovery points are in that vault's region (the plan's own when the vault is not found).
        const source = graph.providerRegion(target ?? plan);
        const sourceName = target ? `its target vault ${target.path}` : `the plan`;
        for (const [j, copy] of copies.entries()) {
          const field = `rule[${i}].copy_action${copies.length > 1 ? `[${j}]` : ''}.destination_vault_arn`;
          const destination = vaultOf(plan, copy.destination_vault_arn, context);
          if (destination ? destination === target : copy.destination_vault_arn === rule.target_vault_name) return fail(field, `rule ${ruleName} copies into its own target vault`);
          const arn = typeof copy.destination_vault_arn === 'string' && !copy.destination_vault_arn.includes('${') ? VAULT_ARN.exec(copy.destination_vault_arn) : null;
          if (!destination && !arn) {
            return fail(field, `rule ${ruleName} copies to ${String(copy.destination_vault_arn)}, which names no backup vault of the environment and is no vault ARN, so the gate cannot tell the copy's region`);
          }
          // A literal ARN says its region; a vault is in the region of the provider configuration it is created with.
          const where = arn ? undefined : graph.providerRegion(destination!);
          const region = arn ? arn[1] : where!.region;
          const destinationName = destination && !arn ? destination.path : String(copy.destination_vault_arn);
          if (region !== undefined && source.region !== undefined) {
            if (region === source.region) {
              return fail(field, `rule ${ruleName} copies into ${destinationName} in ${region}, the region of ${sourceName}: the copy does not survive the loss of the region`);
            }
            continue;
          }
          // A region is unknown. One provider configuration is one region, whatever it is.
          if (where && where.stack === source.stack && where.provider === source.provider) {
            return fail(field, `rule ${ruleName} copies into ${destinationName}, created with the same provider configuration (${where.provider} of stack ${where.stack}) as ${sourceName}, so in the same region`);
          }
          // Hand-written JSON that declares no provider at all: two different configurations are taken to be two regions.
          const undeclared = (known: string | undefined, w: ProviderRegion | undefined) => known !== undefined || w?.reason === 'undeclared';
          if (undeclared(region, where) && undeclared(source.region, source)) continue;
          const unknown = region === undefined ? where! : source;
          return fail(field, `the gate cannot tell whether rule ${ruleName} copies into another region: ${unknownRegion(unknown)}`);
        }
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
      const selected = (candidate: Resource) =>
        graph.all('aws_backup_selection').some((selection) => graph.referencesIn(selection, selection.body.resources).some((r) => r.resource === candidate));
      if (selected(database)) return pass();
      // A replica (a global database's secondary, a read replica) holds its source's data: the source's
      // backups, copied to the DR region, are its backups.
      const source = replicaSource(database, graph);
      if (source) return selected(source) ? pass() : fail('aws_backup_selection', `no backup selection names this replica's source, ${source.path}`);
      return fail('aws_backup_selection', 'no backup selection names this database');
    },
  },
  {
    id: 'GW-BACKUP-05',
    title: 'Every EBS data volume is selected by an AWS Backup plan',
    checkov: [],
    checkovNote: "none found in checkov; AWS Config's managed rule EBS_IN_BACKUP_PLAN checks the same in a live account.",
    why: "A self-managed database's data lives on its volume alone: without a plan's recovery points (and DR copies) a lost volume is lost data, and `npm run deploy` cannot check for a recent point before it replaces the node.",
    subjects: ['aws_ebs_volume'],
    check(volume, { graph }) {
      const selected = graph.all('aws_backup_selection').some((selection) => graph.referencesIn(selection, selection.body.resources).some((r) => r.resource === volume));
      return selected ? pass() : fail('aws_backup_selection', 'no backup selection names this volume');
    },
  },
];

/** The database a replica copies, followed across stacks: a secondary's global database's source cluster, or a read replica's source. */
function replicaSource(database: Resource, graph: RuleContext['graph']): Resource | undefined {
  if (database.type === 'aws_db_instance') return graph.resolve(database, database.body.replicate_source_db)?.resource;
  const global = graph.resolve(database, database.body.global_cluster_identifier)?.resource;
  return global?.type === 'aws_rds_global_cluster' ? graph.resolve(global, global.body.source_db_cluster_identifier)?.resource : undefined;
}
