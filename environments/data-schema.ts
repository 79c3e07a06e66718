import { z } from 'zod';

/**
 * The data tier of an environment: the PostgreSQL database, the Valkey cache and the rotation periods of
 * every secret. Rules that relate these fields to the tier live in `rules.ts`.
 */

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const MINUTES_PER_DAY = 24 * 60;

/** Minutes after midnight UTC of `hh:mm`, or undefined when it is not a valid time. */
function minuteOfDay(time: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** A daily window `hh:mm-hh:mm` (UTC) as [start, end) minutes of the day; the end may wrap past midnight. */
export function dailyWindow(window: string): [number, number] | undefined {
  const [from, to, ...rest] = window.split('-');
  const start = minuteOfDay(from ?? '');
  const end = minuteOfDay(to ?? '');
  if (rest.length > 0 || start === undefined || end === undefined) return undefined;
  return [start, end <= start ? end + MINUTES_PER_DAY : end];
}

/** A weekly window `ddd:hh:mm-ddd:hh:mm` (UTC) as [start, end) minutes of the week; the end may wrap past Saturday. */
export function weeklyWindow(window: string): [number, number] | undefined {
  const match = /^([a-z]{3}):(\d\d:\d\d)-([a-z]{3}):(\d\d:\d\d)$/.exec(window);
  if (!match) return undefined;
  const at = (day: string, time: string) => {
    const d = (DAYS as readonly string[]).indexOf(day);
    const minute = minuteOfDay(time);
    return d < 0 || minute === undefined ? undefined : d * MINUTES_PER_DAY + minute;
  };
  const start = at(match[1], match[2]);
  const end = at(match[3], match[4]);
  if (start === undefined || end === undefined) return undefined;
  return [start, end <= start ? end + 7 * MINUTES_PER_DAY : end];
}

/** A maintenance-style window field: `parse` turns it into [start, end) minutes, or undefined if malformed. */
const windowField = (parse: (window: string) => [number, number] | undefined, format: string, minMinutes: number) =>
  z.string().superRefine((value, ctx) => {
    const window = parse(value);
    const problem = !window ? `must be ${format}` : window[1] - window[0] < minMinutes ? `must last at least ${minMinutes} minutes` : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const dailyWindowField = (minMinutes: number) => windowField(dailyWindow, 'a daily UTC window "hh:mm-hh:mm", such as "03:00-04:00"', minMinutes);
const weeklyWindowField = (minMinutes: number) =>
  windowField(weeklyWindow, 'a weekly UTC window "ddd:hh:mm-ddd:hh:mm" with days sun..sat, such as "sun:04:30-sun:05:30"', minMinutes);

/** Performance Insights keeps 7 days free, or whole months (31 days each) up to 2 years. */
const PERFORMANCE_INSIGHTS_RETENTION = [7, ...Array.from({ length: 23 }, (_, i) => 31 * (i + 1)), 731];

const capacityUnits = (min: number) =>
  z
    .number()
    .min(min)
    .max(256)
    .refine((acu) => Number.isInteger(acu * 2), 'must be a multiple of 0.5 ACU');

const postgresVersion = z.string().regex(/^\d{1,2}(\.\d+)?$/, 'must be a PostgreSQL version such as "16" or "16.6"');

const snapshotIdentifier = z
  .string()
  .regex(
    /^((rds:)?[a-zA-Z][a-zA-Z0-9-]{0,254}|arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(cluster-)?snapshot:[a-zA-Z][a-zA-Z0-9:-]{0,254})$/,
    'must be a DB snapshot identifier (letters, digits, hyphens, starting with a letter; "rds:" before an automated one) or a snapshot ARN',
  );

const BackupSchema = z.strictObject({
  /** Days automated backups are kept (1 to 35). @default 7 */
  retentionDays: z.number().int().min(1).max(35).default(7),
  /** Daily UTC window for automated backups, at least 30 minutes, apart from the maintenance window. @default '03:00-04:00' */
  window: dailyWindowField(30).default('03:00-04:00'),
});

/**
 * PostgreSQL's reserved key words, which RDS refuses as a database name or master user name ("can't be a
 * word reserved by the database engine"). From https://www.postgresql.org/docs/current/sql-keywords-appendix.html
 * (the "reserved" and "reserved (can be function or type)" entries of the PostgreSQL column).
 */
const POSTGRES_RESERVED_WORDS: ReadonlySet<string> = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column ' +
    'concurrently constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp ' +
    'current_user default deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ' +
    'ilike in initially inner intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not ' +
    'notnull null offset on only or order outer overlaps placing primary references returning right select session_user similar ' +
    'some symmetric system_user table tablesample then to trailing true union unique user using variadic verbose when where window with'
  ).split(' '),
);
const notReserved = (what: string) => (name: string, ctx: z.RefinementCtx) => {
  if (POSTGRES_RESERVED_WORDS.has(name)) ctx.addIssue({ code: 'custom', message: `"${name}" is a PostgreSQL reserved word, which RDS refuses as a ${what}` });
};

/** Fields both database engines share. */
const databaseCommon = {
  /**
   * PostgreSQL version. A major version alone lets AWS apply minor upgrades without Terraform undoing them.
   * @default '16'
   */
  engineVersion: postgresVersion.default('16'),
  /** Name of the database created in the cluster. @default 'app' */
  databaseName: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must start with a lowercase letter and hold only lowercase letters, digits and underscores (at most 63)')
    .superRefine(notReserved('database name'))
    .refine((name) => !['postgres', 'template0', 'template1', 'rdsadmin'].includes(name), 'names a database PostgreSQL or RDS already has (postgres, template0, template1, rdsadmin)')
    .default('app'),
  /** Name of the master user; its password is created and kept by RDS in Secrets Manager, never by Terraform. @default 'groundwork' */
  masterUsername: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,15}$/, 'must start with a lowercase letter and hold only lowercase letters, digits and underscores (at most 16)')
    .refine((name) => !['postgres', 'rdsadmin', 'admin', 'rdsrepladmin'].includes(name), 'is reserved by PostgreSQL or RDS')
    .refine((name) => !name.startsWith('pg_') && !name.startsWith('rds_'), 'may not start with pg_ (PostgreSQL reserves those role names) or rds_ (RDS\'s own roles)')
    .superRefine(notReserved('master user name'))
    .default('groundwork'),
  /** Port the database listens on. @default 5432 */
  port: z.number().int().min(1150).max(65535).default(5432),
  /** Automated backups. @default - see each field */
  backup: BackupSchema.prefault({}),
  /** Weekly UTC window for maintenance, at least 30 minutes. @default 'sun:04:30-sun:05:30' */
  maintenanceWindow: weeklyWindowField(30).default('sun:04:30-sun:05:30'),
  /** Days Performance Insights keeps data: 7 (free), or a multiple of 31 up to 731. @default 7 */
  performanceInsightsRetentionDays: z
    .number()
    .int()
    .refine((days) => PERFORMANCE_INSIGHTS_RETENTION.includes(days), 'must be 7, a multiple of 31 up to 713, or 731')
    .default(7),
  /**
   * Create the database from this snapshot (identifier or ARN) instead of empty: the disaster-recovery
   * switch. Setting it on a running environment replaces the database: tier prod's `prevent_destroy` fails
   * that plan, and an Aurora cluster with instances cannot be replaced in place at all (remove the
   * running one first: docs/runbooks/restore-database.md).
   * @default - a new, empty database
   */
  restoreFromSnapshot: snapshotIdentifier.optional(),
};

const AuroraSchema = z.strictObject({
  /** Aurora PostgreSQL Serverless v2: a writer and `readers` reader instances that scale by ACU. */
  engine: z.literal('aurora-postgresql'),
  ...databaseCommon,
  /** Aurora capacity units each instance scales between. @default - 0.5 to 4 ACU */
  capacity: z
    .strictObject({
      /** Lowest capacity (0 to 256, in steps of 0.5; 0 lets an idle instance pause, on versions that can). @default 0.5 */
      minAcu: capacityUnits(0).default(0.5),
      /** Highest capacity (1 to 256, in steps of 0.5), at least `minAcu`. @default 4 */
      maxAcu: capacityUnits(1).default(4),
    })
    .prefault({}),
  /** Reader instances besides the writer (0 to 15); tier prod needs at least 1 to fail over. @default 1 */
  readers: z.number().int().min(0).max(15).default(1),
});

const PostgresInstanceSchema = z.strictObject({
  /** A plain RDS PostgreSQL instance, for teams that run RDS rather than Aurora. */
  engine: z.literal('postgres'),
  ...databaseCommon,
  /** Instance class. @default 'db.t4g.medium' */
  instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an RDS instance class such as "db.t4g.medium"').default('db.t4g.medium'),
  /** Initial storage in GiB (20 to 65536). @default 20 */
  allocatedStorageGiB: z.number().int().min(20).max(65536).default(20),
  /** Storage autoscaling ceiling in GiB, at least 10% above `allocatedStorageGiB`. @default 100 */
  maxAllocatedStorageGiB: z.number().int().min(20).max(65536).default(100),
  /** A standby in a second zone. Tier prod may not turn it off. @default - true for tier prod, false otherwise */
  multiAz: z.boolean().optional(),
});

/** The database: `engine` chooses Aurora Serverless v2 or a plain RDS instance, and which fields apply. */
export const DatabaseSchema = z.discriminatedUnion('engine', [AuroraSchema, PostgresInstanceSchema]);

export const CacheSchema = z.strictObject({
  /**
   * Make the Valkey cache. Without it there is no replication group, AUTH token, `CACHE_*` variable or
   * cache alarm; the other fields are then unused. @default true
   */
  enabled: z.boolean().default(true),
  /** Valkey version. @default '8.0' */
  engineVersion: z.string().regex(/^\d+\.\d+$/, 'must be a Valkey version such as "8.0"').default('8.0'),
  /** Node type of every node. @default 'cache.t4g.micro' */
  nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an ElastiCache node type such as "cache.t4g.micro"').default('cache.t4g.micro'),
  /** Replicas of the primary (0 to 5). With 1 or more, the group fails over automatically across zones; tier prod needs 1. @default 1 */
  replicas: z.number().int().min(0).max(5).default(1),
  /** Port Valkey listens on. @default 6379 */
  port: z.number().int().min(1024).max(65535).default(6379),
  /** Days daily snapshots are kept (0 turns them off). @default 7 */
  snapshotRetentionDays: z.number().int().min(0).max(35).default(7),
  /** Daily UTC window for snapshots, at least 60 minutes. @default '05:00-06:00' */
  snapshotWindow: dailyWindowField(60).default('05:00-06:00'),
  /** Weekly UTC window for maintenance, at least 60 minutes. @default 'sun:06:00-sun:07:00' */
  maintenanceWindow: weeklyWindowField(60).default('sun:06:00-sun:07:00'),
});

const rotationDays = (fallback: number) =>
  z
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(365, 'must be at most 365 days: a secret that rotates less than yearly is not rotating')
    .default(fallback);

export const RotationSchema = z.strictObject({
  /** Days between rotations of the database master password (by RDS). @default 30 */
  databasePasswordDays: rotationDays(30),
  /**
   * Set that schedule. Off, RDS keeps its own (every 7 days) and `databasePasswordDays` is unused. Only an
   * emulator environment may turn it off. @default true
   */
  databasePasswordSchedule: z.boolean().default(true),
  /** Days between rotations of the Valkey auth token. @default 30 */
  cacheAuthTokenDays: rotationDays(30),
  /** Days between rotations of the graph database's password (with `graph`). @default 30 */
  graphPasswordDays: rotationDays(30),
  /** Days between rotations of the application's SECRET_KEY_BASE. @default 90 */
  secretKeyBaseDays: rotationDays(90),
});
