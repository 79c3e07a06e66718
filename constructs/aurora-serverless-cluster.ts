import { RdsCluster } from '@cdktf/provider-aws/lib/rds-cluster';
import { RdsClusterInstance } from '@cdktf/provider-aws/lib/rds-cluster-instance';
import { RdsClusterParameterGroup } from '@cdktf/provider-aws/lib/rds-cluster-parameter-group';
import { Construct } from 'constructs';
import {
  databaseSubnetGroup,
  majorVersion,
  parameterGroupIdentity,
  protectionSettings,
  rotateMasterUserSecret,
  type PostgresDatabase,
  type PostgresDatabaseProps,
} from './postgres-database';

export interface AuroraServerlessClusterProps extends PostgresDatabaseProps {
  /** Lowest Aurora capacity units of each instance (0 lets an idle instance pause). */
  readonly minCapacity: number;
  /** Highest Aurora capacity units of each instance. */
  readonly maxCapacity: number;
  /** Reader instances besides the writer; they are the writer's failover targets. @default 1 */
  readonly readers?: number;
}

/**
 * An Aurora PostgreSQL Serverless v2 cluster: a writer and `readers` readers of class `db.serverless`,
 * storage and Performance Insights encrypted with a customer key, IAM authentication, TLS-only
 * connections, PostgreSQL logs exported to CloudWatch, and a master password only RDS ever knows.
 */
export class AuroraServerlessCluster extends Construct implements PostgresDatabase {
  readonly endpoint: string;
  readonly readerEndpoint: string;
  readonly port: number;
  readonly masterUserSecretArn: string;
  readonly arn: string;
  readonly identifier: string;

  constructor(scope: Construct, id: string, props: AuroraServerlessClusterProps) {
    super(scope, id);
    const restoring = props.restoreFromSnapshot !== undefined;
    const subnetGroup = databaseSubnetGroup(this, props);
    const family = `aurora-postgresql${majorVersion(props.engineVersion)}`;
    const parameters = new RdsClusterParameterGroup(this, 'parameters', {
      ...parameterGroupIdentity(props.identifier, family),
      family,
      description: `Cluster parameters of ${props.identifier}`,
      parameter: [{ name: 'rds.force_ssl', value: '1' }],
    });
    const cluster = new RdsCluster(this, 'cluster', {
      clusterIdentifier: props.identifier,
      engine: 'aurora-postgresql',
      engineMode: 'provisioned',
      engineVersion: props.engineVersion,
      // A snapshot brings its own database and master user.
      databaseName: restoring ? undefined : props.databaseName,
      masterUsername: restoring ? undefined : props.masterUsername,
      snapshotIdentifier: props.restoreFromSnapshot,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.encryptionKeyArn,
      port: props.port ?? 5432,
      dbSubnetGroupName: subnetGroup.name,
      vpcSecurityGroupIds: props.securityGroupIds,
      dbClusterParameterGroupName: parameters.name,
      storageEncrypted: true,
      kmsKeyId: props.encryptionKeyArn,
      iamDatabaseAuthenticationEnabled: true,
      backupRetentionPeriod: props.backupRetentionDays,
      preferredBackupWindow: props.backupWindow,
      preferredMaintenanceWindow: props.maintenanceWindow,
      enabledCloudwatchLogsExports: ['postgresql'],
      serverlessv2ScalingConfiguration: { minCapacity: props.minCapacity, maxCapacity: props.maxCapacity },
      ...protectionSettings(props),
    });
    const instance = (name: string, promotionTier: number) =>
      new RdsClusterInstance(this, name, {
        identifier: `${props.identifier}-${name}`,
        clusterIdentifier: cluster.clusterIdentifier,
        engine: cluster.engine,
        engineVersion: cluster.engineVersion,
        instanceClass: 'db.serverless',
        dbSubnetGroupName: subnetGroup.name,
        publiclyAccessible: false,
        promotionTier,
        performanceInsightsEnabled: true,
        performanceInsightsKmsKeyId: props.encryptionKeyArn,
        performanceInsightsRetentionPeriod: props.performanceInsightsRetentionDays ?? 7,
        autoMinorVersionUpgrade: true,
        copyTagsToSnapshot: true,
        preferredMaintenanceWindow: props.maintenanceWindow,
        // A cluster replaced under the same identifier still has these instances, and RDS refuses to
        // delete a cluster that has any: they go with it. Its resource ID is new only on replacement.
        // Terraform takes a bare reference here, not an interpolated token.
        lifecycle: { replaceTriggeredBy: [`${cluster.terraformResourceType}.${cluster.friendlyUniqueId}.cluster_resource_id`] },
      });
    instance('writer', 0);
    for (let i = 1; i <= (props.readers ?? 1); i++) instance(`reader-${i}`, 1);

    this.masterUserSecretArn = cluster.masterUserSecret.get(0).secretArn;
    rotateMasterUserSecret(this, this.masterUserSecretArn, props.masterPasswordRotationDays);
    this.endpoint = cluster.endpoint;
    this.readerEndpoint = cluster.readerEndpoint;
    this.port = cluster.port;
    this.arn = cluster.arn;
    this.identifier = cluster.clusterIdentifier;
  }
}
