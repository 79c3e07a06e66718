import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { SecretsmanagerSecretRotation } from '@cdktf/provider-aws/lib/secretsmanager-secret-rotation';
import type { Construct } from 'constructs';

/** What Aurora Serverless clusters and RDS instances share: where they live, how they are kept and guarded. */
export interface PostgresDatabaseProps {
  /** Identifier of the cluster or instance, e.g. `groundwork-prod`; instances and snapshots are named after it. */
  readonly identifier: string;
  /** PostgreSQL version, `16` (minor upgrades automatic) or `16.6`. */
  readonly engineVersion: string;
  /** Database created in a new cluster (ignored when restoring a snapshot, which has its own). */
  readonly databaseName: string;
  /** Master user of a new cluster. Its password is RDS's own unless `masterPassword` supplies one. */
  readonly masterUsername: string;
  /**
   * The master user's password from a secret Groundwork keeps and rotates itself: an Aurora global
   * database and a cross-region replica need one, because RDS-managed passwords support neither.
   * @default - RDS makes, keeps and rotates the password in a secret of its own
   */
  readonly masterPassword?: SuppliedMasterPassword;
  /**
   * Make this database a read-only copy, in its own region, of another region's: for Aurora, the global
   * cluster it joins as a secondary; for RDS, the ARN of the instance it replicates. It has no database
   * or master user of its own: the source's are replicated into it.
   * @default - a database of its own
   */
  readonly replicaOf?: string;
  /** Port the database listens on. @default 5432 */
  readonly port?: number;
  /** Subnets of the DB subnet group, one per zone: the isolated tier. */
  readonly subnetIds: string[];
  /** Security groups of the database. */
  readonly securityGroupIds: string[];
  /** Customer-managed KMS key for storage, Performance Insights and the master user's secret. */
  readonly encryptionKeyArn: string;
  /** Days automated backups are kept. */
  readonly backupRetentionDays: number;
  /** Daily UTC backup window, `hh:mm-hh:mm`. */
  readonly backupWindow: string;
  /** Weekly UTC maintenance window, `ddd:hh:mm-ddd:hh:mm`. */
  readonly maintenanceWindow: string;
  /** Days Performance Insights keeps data. @default 7 */
  readonly performanceInsightsRetentionDays?: number;
  /**
   * Days between rotations of the master user's password (RDS-managed rotation).
   * @default - RDS's own schedule, every 7 days
   */
  readonly masterPasswordRotationDays?: number;
  /** The AWS API refuses to delete the database. @default true */
  readonly deletionProtection?: boolean;
  /** Take a final snapshot, `<identifier>-final`, when the database is deleted. @default true */
  readonly finalSnapshot?: boolean;
  /** Terraform refuses any plan that destroys the database. @default false */
  readonly preventDestroy?: boolean;
  /** Create the database from this snapshot (identifier or ARN): disaster recovery. @default - a new, empty database */
  readonly restoreFromSnapshot?: string;
}

/** A master password kept in a secret of Groundwork's, not RDS's. */
export interface SuppliedMasterPassword {
  /** ARN of the secret holding the credentials as JSON (`username`, `password`), in the database's region. */
  readonly secretArn: string;
  /**
   * A reference to the password for write-only arguments (an ephemeral value, never in plan or state), set
   * once at creation; rotation changes it from then on.
   * @default - none: a replica takes its source's
   */
  readonly value?: string;
}

/** What the rest of the platform needs to know about a database. */
export interface PostgresDatabase {
  /** ARN of the Aurora cluster or RDS instance: what AWS Backup selects. */
  readonly arn: string;
  /** Identifier of the cluster or instance: the CloudWatch dimension of its metrics. */
  readonly identifier: string;
  /** DNS name of the writer. */
  readonly endpoint: string;
  /** DNS name that spreads reads over the readers; the writer's when there are none. */
  readonly readerEndpoint: string;
  readonly port: number;
  /** ARN of the Secrets Manager secret with the master user's credentials (RDS's, or the supplied one). */
  readonly masterUserSecretArn: string;
}

/** The major version, as parameter group families name it: `16.6` → `16`. */
export function majorVersion(engineVersion: string): string {
  return engineVersion.split('.')[0];
}

/**
 * The name of a parameter group, which carries its family: a major version upgrade changes the family,
 * which replaces the group, and the new one must exist before the database lets go of the old one.
 */
export function parameterGroupIdentity(identifier: string, family: string) {
  return { name: `${identifier}-${family}`, lifecycle: { createBeforeDestroy: true } };
}

/** A DB subnet group over the given subnets, named after the database. */
export function databaseSubnetGroup(scope: Construct, props: PostgresDatabaseProps): DbSubnetGroup {
  return new DbSubnetGroup(scope, 'subnet-group', {
    name: props.identifier,
    description: `Isolated subnets of ${props.identifier}`,
    subnetIds: props.subnetIds,
  });
}

/**
 * The schedule of RDS's own rotation of the master user's secret. RDS creates the secret and rotates it
 * itself (every 7 days unless told otherwise); Secrets Manager takes the period.
 */
export function rotateMasterUserSecret(scope: Construct, secretArn: string, days: number | undefined): void {
  if (days === undefined) return;
  new SecretsmanagerSecretRotation(scope, 'master-user-secret-rotation', {
    secretId: secretArn,
    rotationRules: { automaticallyAfterDays: days },
    rotateImmediately: false,
  });
}

/**
 * Settings that follow from the protection props, in the names both resource types use. `ignoreChanges`
 * names attributes AWS changes itself (a global cluster's membership, a replica's source after a failover).
 */
export function protectionSettings(props: PostgresDatabaseProps, ignoreChanges: string[] = []) {
  const finalSnapshot = props.finalSnapshot ?? true;
  const lifecycle = { ...(props.preventDestroy && { preventDestroy: true }), ...(ignoreChanges.length > 0 && { ignoreChanges }) };
  return {
    deletionProtection: props.deletionProtection ?? true,
    skipFinalSnapshot: !finalSnapshot,
    finalSnapshotIdentifier: finalSnapshot ? `${props.identifier}-final` : undefined,
    copyTagsToSnapshot: true,
    lifecycle: Object.keys(lifecycle).length > 0 ? lifecycle : undefined,
  };
}

/**
 * Who knows the master password. RDS manages it unless one is supplied; a supplied one is written once
 * (version 1), so Terraform never writes over what rotation set. A replica has none of its own.
 */
export function masterPasswordSettings(props: PostgresDatabaseProps): { managed?: { kmsKeyId: string }; writeOnce?: string } {
  if (props.replicaOf !== undefined) {
    if (!props.masterPassword) throw new Error(`${props.identifier}: a replica needs masterPassword.secretArn, its copy of the source's secret`);
    return {};
  }
  if (props.masterPassword) {
    if (!props.masterPassword.value) throw new Error(`${props.identifier}: a supplied master password needs its value, unless the database is a replica`);
    return { writeOnce: props.masterPassword.value };
  }
  return { managed: { kmsKeyId: props.encryptionKeyArn } };
}

