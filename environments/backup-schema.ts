import { z } from 'zod';
import { awsBackupSchedule } from './schedule-fields';

/**
 * AWS Backup of the environment's database: a plan of rules, each copying its recovery points to a vault
 * in the disaster-recovery region. Rules that relate these fields live in `rules.ts`.
 */

const BackupRuleSchema = z.strictObject({
  /** The rule's name, unique in the plan: letters, digits, `-`, `_` and `.`, at most 50. */
  name: z.string().regex(/^[a-zA-Z0-9._-]{1,50}$/, 'must be 1 to 50 letters, digits, ".", "_" or "-"'),
  /** When the backup starts, as an AWS cron expression in UTC. @default 'cron(0 5 * * ? *)' (05:00 daily) */
  schedule: awsBackupSchedule.default('cron(0 5 * * ? *)'),
  /** Minutes a backup may wait to start before AWS Backup cancels it (at least 60). @default 60 */
  startWindowMinutes: z.number().int().min(60).max(40320).default(60),
  /** Minutes a started backup may take before it is cancelled; at least the start window plus 60. @default 480 */
  completionWindowMinutes: z.number().int().min(120).max(4_320_000).default(480),
  /** Days a recovery point is kept in the primary vault. */
  retentionDays: z.number().int().min(1).max(36500),
  /**
   * Days after which a recovery point moves to cold storage; it must then stay at least 90 more days.
   * AWS Backup moves only resource types that support it (not RDS or Aurora today).
   * @default - never
   */
  coldStorageAfterDays: z.number().int().min(1).optional(),
  /**
   * Continuous backup: point-in-time recovery to any second of the last `retentionDays` (at most 35),
   * for RDS and Aurora. Copies in the DR region are snapshots.
   * @default false
   */
  continuous: z.boolean().default(false),
  /** Days the copy in the disaster-recovery region's vault is kept. @default - the same as `retentionDays` */
  drRetentionDays: z.number().int().min(1).max(36500).optional(),
});

const VaultLockSchema = z.strictObject({
  /** Shortest retention any recovery point in the vaults may have (at least 1 day). */
  minRetentionDays: z.number().int().min(1).max(36500),
  /** Longest retention any recovery point in the vaults may have. */
  maxRetentionDays: z.number().int().min(1).max(36500),
  /**
   * Days after which the lock can no longer be changed or removed, even by the account root: compliance
   * mode (at least 3). Without it the lock is in governance mode: users with the right IAM permissions
   * may still remove it.
   * @default - governance mode
   */
  changeableForDays: z.number().int().min(3).optional(),
});

export const BackupSchema = z.strictObject({
  /** The plan's rules. @default - one daily backup at 05:00 UTC, kept 35 days in both regions */
  rules: z.array(BackupRuleSchema).min(1, 'must hold at least one rule').prefault([{ name: 'daily', retentionDays: 35 }]),
  /**
   * Assign the database, and the graph nodes' data volumes, to the plan (an AWS Backup selection). Only an emulator environment may turn it
   * off: a plan that selects nothing backs up nothing. @default true
   */
  selectDatabase: z.boolean().default(true),
  /** AWS Backup Vault Lock on both vaults: recovery points cannot be deleted before their retention ends. @default - no lock */
  vaultLock: VaultLockSchema.optional(),
});
