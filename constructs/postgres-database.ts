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
  /** Master user of a new cluster. Its password is made, kept and rotated by RDS in Secrets Manager. */
  readonly masterUsername: string;
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
  /** ARN of the Secrets Manager secret (RDS-managed) with the master user's credentials. */
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

/** Settings that follow from the protection props, in the names both resource types use. */
export function protectionSettings(props: PostgresDatabaseProps) {
  const finalSnapshot = props.finalSnapshot ?? true;
  return {
    deletionProtection: props.deletionProtection ?? true,
    skipFinalSnapshot: !finalSnapshot,
    finalSnapshotIdentifier: finalSnapshot ? `${props.identifier}-final` : undefined,
    copyTagsToSnapshot: true,
    lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
  };
}

