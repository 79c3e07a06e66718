import { DbInstance } from '@cdktf/provider-aws/lib/db-instance';
import { DbParameterGroup } from '@cdktf/provider-aws/lib/db-parameter-group';
import { Construct } from 'constructs';
import {
  databaseSubnetGroup,
  majorVersion,
  masterPasswordSettings,
  parameterGroupIdentity,
  protectionSettings,
  rotateMasterUserSecret,
  type PostgresDatabase,
  type PostgresDatabaseProps,
} from './postgres-database';

export interface PostgresInstanceProps extends PostgresDatabaseProps {
  /** Instance class, e.g. `db.t4g.medium`. */
  readonly instanceClass: string;
  /** Initial gp3 storage in GiB. */
  readonly allocatedStorageGiB: number;
  /** Storage autoscaling ceiling in GiB. */
  readonly maxAllocatedStorageGiB: number;
  /** A synchronous standby in a second zone. @default true */
  readonly multiAz?: boolean;
}

/**
 * A plain RDS PostgreSQL instance, for teams that run RDS rather than Aurora: the same guarantees as
 * AuroraServerlessCluster (customer-key encryption, IAM auth, TLS only, log exports, Performance
 * Insights, RDS-managed master password unless one is supplied), with Multi-AZ standby instead of
 * readers. With `replicaOf` it is a cross-region read replica of another region's instance.
 */
export class PostgresInstance extends Construct implements PostgresDatabase {
  readonly endpoint: string;
  readonly readerEndpoint: string;
  readonly port: number;
  readonly masterUserSecretArn: string;
  readonly arn: string;
  readonly identifier: string;

  constructor(scope: Construct, id: string, props: PostgresInstanceProps) {
    super(scope, id);
    const restoring = props.restoreFromSnapshot !== undefined;
    const replica = props.replicaOf !== undefined;
    const password = masterPasswordSettings(props);
    const subnetGroup = databaseSubnetGroup(this, props);
    const family = `postgres${majorVersion(props.engineVersion)}`;
    const parameters = new DbParameterGroup(this, 'parameters', {
      ...parameterGroupIdentity(props.identifier, family),
      family,
      description: `Parameters of ${props.identifier}`,
      parameter: [{ name: 'rds.force_ssl', value: '1' }],
    });
    const instance = new DbInstance(this, 'instance', {
      identifier: props.identifier,
      // A replica runs its source's engine and version.
      engine: replica ? undefined : 'postgres',
      engineVersion: replica ? undefined : props.engineVersion,
      instanceClass: props.instanceClass,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      storageType: 'gp3',
      // A snapshot brings its own database and master user; a replica gets its source's.
      dbName: restoring || replica ? undefined : props.databaseName,
      username: restoring || replica ? undefined : props.masterUsername,
      snapshotIdentifier: props.restoreFromSnapshot,
      replicateSourceDb: props.replicaOf,
      manageMasterUserPassword: password.managed && true,
      masterUserSecretKmsKeyId: password.managed?.kmsKeyId,
      passwordWo: password.writeOnce,
      passwordWoVersion: password.writeOnce === undefined ? undefined : 1,
      port: props.port ?? 5432,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: props.securityGroupIds,
      parameterGroupName: parameters.name,
      publiclyAccessible: false,
      multiAz: props.multiAz ?? true,
      storageEncrypted: true,
      kmsKeyId: props.encryptionKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      backupRetentionPeriod: props.backupRetentionDays,
      backupWindow: props.backupWindow,
      maintenanceWindow: props.maintenanceWindow,
      enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.encryptionKeyArn,
      performanceInsightsRetentionPeriod: props.performanceInsightsRetentionDays ?? 7,
      autoMinorVersionUpgrade: true,
      // RDS refuses a final snapshot of a replica (its data is its source's), and a promoted replica has no
      // source: Terraform must not try to put one back.
      ...(replica ? protectionSettings({ ...props, finalSnapshot: false }, ['replicate_source_db']) : protectionSettings(props)),
    });

    if (password.managed) {
      this.masterUserSecretArn = instance.masterUserSecret.get(0).secretArn;
      rotateMasterUserSecret(this, this.masterUserSecretArn, props.masterPasswordRotationDays);
    } else {
      this.masterUserSecretArn = props.masterPassword!.secretArn;
    }
    this.endpoint = instance.address;
    this.readerEndpoint = instance.address;
    this.port = instance.port;
    this.arn = instance.arn;
    this.identifier = instance.identifier;
  }
}
