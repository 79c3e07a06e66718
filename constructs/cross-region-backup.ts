import { BackupPlan, type BackupPlanRule } from '@cdktf/provider-aws/lib/backup-plan';
import { BackupSelection } from '@cdktf/provider-aws/lib/backup-selection';
import { BackupVault } from '@cdktf/provider-aws/lib/backup-vault';
import { BackupVaultLockConfiguration } from '@cdktf/provider-aws/lib/backup-vault-lock-configuration';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import { EncryptionKey } from './encryption-key';
import { ServiceRole } from './service-role';

/** One rule of the backup plan. */
export interface BackupRule {
  /** The rule's name, unique in the plan. */
  readonly name: string;
  /** When the backup starts: an AWS cron expression in UTC, e.g. `cron(0 5 * * ? *)`. */
  readonly schedule: string;
  /** Minutes a backup may wait to start before it is cancelled. @default 60 */
  readonly startWindowMinutes?: number;
  /** Minutes a started backup may take before it is cancelled. @default 480 */
  readonly completionWindowMinutes?: number;
  /** Days a recovery point is kept in the primary vault. */
  readonly retentionDays: number;
  /** Days after which a recovery point moves to cold storage (in both vaults). @default - never */
  readonly coldStorageAfterDays?: number;
  /** Point-in-time recovery for the last `retentionDays` (at most 35), where the resource supports it. @default false */
  readonly continuous?: boolean;
  /** Days the copy in the DR vault is kept. @default - `retentionDays` */
  readonly drRetentionDays?: number;
}

/** AWS Backup Vault Lock: no recovery point leaves a vault before its retention ends. */
export interface VaultLock {
  /** Shortest retention a recovery point in the vault may have. */
  readonly minRetentionDays: number;
  /** Longest retention a recovery point in the vault may have. */
  readonly maxRetentionDays: number;
  /** Days until the lock becomes immutable (compliance mode). @default - governance mode: removable with IAM permission */
  readonly changeableForDays?: number;
}

/** Where one of the two vaults lives and how its key behaves. */
export interface BackupRegion {
  /** The region's code; the vault's key is made there. */
  readonly region: string;
  /** The AWS provider for that region. @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

export interface CrossRegionBackupProps {
  /** Names of the vaults (`<name>`, `<name>-dr`), plan, role and selection. */
  readonly name: string;
  /** ARNs of the resources to back up (a database cluster or instance); none makes no selection, and the plan backs up nothing. */
  readonly resourceArns: string[];
  /** The plan's rules; every rule copies to the DR vault. */
  readonly rules: readonly BackupRule[];
  /** The account that owns the vaults and keys. */
  readonly accountId: string;
  /** The primary vault's region. */
  readonly primary: BackupRegion;
  /** The disaster-recovery vault's region; it must differ from the primary's. */
  readonly dr: BackupRegion;
  /** Vault lock on both vaults. @default - no lock */
  readonly vaultLock?: VaultLock;
  /** Alias prefix of the two keys: `<keyAlias>` and `<keyAlias>-dr`. */
  readonly keyAlias: string;
  /** Days between automatic rotations of the vaults' keys. @default 365 */
  readonly keyRotationPeriodDays?: number;
  /** Days a deleted key waits before it is gone. @default 30 */
  readonly keyDeletionWindowDays?: number;
  /**
   * Terraform refuses any plan that destroys a vault or its key; otherwise a destroyed vault takes its
   * recovery points with it (`force_destroy`, when the plan selects anything to put there).
   * @default false
   */
  readonly preventDestroy?: boolean;
}

/**
 * AWS Backup of a set of resources, surviving the loss of a region: a vault in the primary region and one
 * in the DR region, each encrypted with its own rotating customer key made in its own region; a plan
 * whose every rule copies its recovery points to the DR vault with their own retention; a selection of
 * the resources; and the role AWS Backup acts as.
 */
export class CrossRegionBackup extends Construct {
  readonly vaultName: string;
  readonly vaultArn: string;
  readonly drVaultName: string;
  readonly drVaultArn: string;
  readonly planId: string;
  readonly planArn: string;
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: CrossRegionBackupProps) {
    super(scope, id);
    if (props.primary.region === props.dr.region) {
      throw new Error(`CrossRegionBackup ${props.name}: the DR region must differ from the primary region (${props.primary.region})`);
    }
    const primary = this.vault('vault', props.name, props.keyAlias, props.primary, props);
    const dr = this.vault('dr-vault', `${props.name}-dr`, `${props.keyAlias}-dr`, props.dr, props);

    const plan = new BackupPlan(this, 'plan', {
      name: props.name,
      rule: props.rules.map((rule): BackupPlanRule => {
        const lifecycle = (deleteAfter: number) => ({ deleteAfter, coldStorageAfter: rule.coldStorageAfterDays });
        return {
          ruleName: rule.name,
          targetVaultName: primary.name,
          schedule: rule.schedule,
          startWindow: rule.startWindowMinutes ?? 60,
          completionWindow: rule.completionWindowMinutes ?? 480,
          enableContinuousBackup: rule.continuous ?? false,
          lifecycle: lifecycle(rule.retentionDays),
          copyAction: [{ destinationVaultArn: dr.arn, lifecycle: lifecycle(rule.drRetentionDays ?? rule.retentionDays) }],
        };
      }),
    });

    const role = new ServiceRole(this, 'role', {
      roleName: `${props.name}-backup`,
      servicePrincipal: 'backup.amazonaws.com',
      region: props.primary.region,
      managedPolicies: ['service-role/AWSBackupServiceRolePolicyForBackup', 'service-role/AWSBackupServiceRolePolicyForRestores'],
    });
    if (props.resourceArns.length > 0) {
      new BackupSelection(this, 'selection', {
        name: `${props.name}-database`,
        planId: plan.id,
        iamRoleArn: role.roleArn,
        resources: props.resourceArns,
        // AWS Backup checks the role's permissions when the selection is made.
        dependsOn: role.attachments,
      });
    }

    this.vaultName = primary.name;
    this.vaultArn = primary.arn;
    this.drVaultName = dr.name;
    this.drVaultArn = dr.arn;
    this.planId = plan.id;
    this.planArn = plan.arn;
    this.roleArn = role.roleArn;
  }

  /** A vault with its own key in the given region, locked if asked. */
  private vault(id: string, name: string, keyAlias: string, where: BackupRegion, props: CrossRegionBackupProps): BackupVault {
    const protect = props.preventDestroy ?? false;
    const key = new EncryptionKey(this, `${id}-key`, {
      description: `Recovery points in AWS Backup vault ${name}`,
      alias: keyAlias,
      accountId: props.accountId,
      region: where.region,
      rotationPeriodDays: props.keyRotationPeriodDays,
      deletionWindowDays: props.keyDeletionWindowDays,
      preventDestroy: protect,
      provider: where.provider,
    });
    const vault = new BackupVault(this, id, {
      provider: where.provider,
      name,
      kmsKeyArn: key.keyArn,
      // Without a selection the plan puts nothing in the vault, so there is nothing to list and delete first.
      forceDestroy: !protect && props.resourceArns.length > 0,
      lifecycle: protect ? { preventDestroy: true } : undefined,
    });
    if (props.vaultLock) {
      new BackupVaultLockConfiguration(this, `${id}-lock`, {
        provider: where.provider,
        backupVaultName: vault.name,
        minRetentionDays: props.vaultLock.minRetentionDays,
        maxRetentionDays: props.vaultLock.maxRetentionDays,
        changeableForDays: props.vaultLock.changeableForDays,
      });
    }
    return vault;
  }
}
