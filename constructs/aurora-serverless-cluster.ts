import { RdsCluster } from '@cdktf/provider-aws/lib/rds-cluster';
import { RdsClusterInstance } from '@cdktf/provider-aws/lib/rds-cluster-instance';
import { RdsClusterParameterGroup } from '@cdktf/provider-aws/lib/rds-cluster-parameter-group';
import { RdsGlobalCluster } from '@cdktf/provider-aws/lib/rds-global-cluster';
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

export interface AuroraServerlessClusterProps extends PostgresDatabaseProps {
  /** Lowest Aurora capacity units of each instance (0 lets an idle instance pause). */
  readonly minCapacity: number;
  /** Highest Aurora capacity units of each instance. */
  readonly maxCapacity: number;
  /** Reader instances besides the writer; they are the writer's failover targets. @default 1 */
  readonly readers?: number;
  /**
   * Make this cluster the primary of a new Aurora global database of this name, which secondaries in other
   * regions join (`replicaOf`). It needs a supplied `masterPassword`.
   * @default - not part of a global database
   */
  readonly globalClusterIdentifier?: string;
}

/**
 * An Aurora PostgreSQL Serverless v2 cluster: a writer and `readers` readers of class `db.serverless`,
 * storage and Performance Insights encrypted with a customer key, IAM authentication, TLS-only
 * connections, PostgreSQL logs exported to CloudWatch, and a master password only RDS ever knows (or one
 * supplied in a secret). It may be the primary of a global database, or a secondary of one: then its
 * "writer" is a read-only instance until the secondary is promoted.
 */
export class AuroraServerlessCluster extends Construct implements PostgresDatabase {
  readonly endpoint: string;
  readonly readerEndpoint: string;
  readonly port: number;
  readonly masterUserSecretArn: string;
  readonly arn: string;
  readonly identifier: string;
  /** The global database this cluster is the primary of; none unless `globalClusterIdentifier` is set. */
  readonly globalClusterIdentifier?: string;

  constructor(scope: Construct, id: string, props: AuroraServerlessClusterProps) {
    super(scope, id);
    const restoring = props.restoreFromSnapshot !== undefined;
    const secondary = props.replicaOf !== undefined;
    if (props.globalClusterIdentifier && !props.masterPassword) throw new Error(`${props.identifier}: a global database needs a supplied master password`);
    const password = masterPasswordSettings(props);
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
      // A snapshot brings its own database and master user; a secondary gets the primary's.
      databaseName: restoring || secondary ? undefined : props.databaseName,
      masterUsername: restoring || secondary ? undefined : props.masterUsername,
      snapshotIdentifier: props.restoreFromSnapshot,
      globalClusterIdentifier: props.replicaOf,
      manageMasterUserPassword: password.managed && true,
      masterUserSecretKmsKeyId: password.managed?.kmsKeyId,
      masterPasswordWo: password.writeOnce,
      masterPasswordWoVersion: password.writeOnce === undefined ? undefined : 1,
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
      // RDS itself sets a primary's membership when the global cluster is made from it, and a promoted
      // secondary's replication source; Terraform must not undo either.
      ...protectionSettings(props, props.globalClusterIdentifier ? ['global_cluster_identifier'] : secondary ? ['replication_source_identifier'] : []),
    });
    if (props.globalClusterIdentifier) {
      const global = new RdsGlobalCluster(this, 'global-cluster', {
        globalClusterIdentifier: props.globalClusterIdentifier,
        sourceDbClusterIdentifier: cluster.arn,
        // Destroying the global database detaches its members first; the clusters keep their own protection.
        forceDestroy: true,
        deletionProtection: props.deletionProtection ?? true,
        lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
      });
      this.globalClusterIdentifier = global.globalClusterIdentifier;
    }
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

    if (password.managed) {
      this.masterUserSecretArn = cluster.masterUserSecret.get(0).secretArn;
      rotateMasterUserSecret(this, this.masterUserSecretArn, props.masterPasswordRotationDays);
    } else {
      this.masterUserSecretArn = props.masterPassword!.secretArn;
    }
    this.endpoint = cluster.endpoint;
    this.readerEndpoint = cluster.readerEndpoint;
    this.port = cluster.port;
    this.arn = cluster.arn;
    this.identifier = cluster.clusterIdentifier;
  }
}
