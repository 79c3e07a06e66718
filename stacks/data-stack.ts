import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { AuroraServerlessCluster } from '../constructs/aurora-serverless-cluster';
import { EncryptionKey, logGroupKeyGrant } from '../constructs/encryption-key';
import { functionLogGroupArn } from '../constructs/nodejs-function';
import type { PostgresDatabase, PostgresDatabaseProps } from '../constructs/postgres-database';
import { PostgresInstance } from '../constructs/postgres-instance';
import { PrivateSecurityGroup } from '../constructs/private-security-group';
import { SecretRotation } from '../constructs/secret-rotation';
import { ValkeyReplicationGroup } from '../constructs/valkey-replication-group';
import { EnvironmentStack } from './environment-stack';
import type { NetworkStack } from './network-stack';
import type { SecretsStack } from './secrets-stack';

/** What later stacks need of the Valkey cache. */
export interface CacheEndpoints {
  /** DNS name of the primary, for writes (TLS, AUTH token required). */
  readonly primaryEndpoint: string;
  /** DNS name of the readers. */
  readonly readerEndpoint: string;
  readonly port: number;
  /** The replication group's id: the dimension of its CloudWatch metrics. */
  readonly replicationGroupId: string;
  /** The security group later stacks open to their own clients. */
  readonly securityGroupId: string;
  /** ARN of the secret holding the AUTH token. */
  readonly authTokenSecretArn: string;
}

/**
 * `data-<env>`: the PostgreSQL database and the Valkey cache, in the isolated subnets, reachable only
 * from the service's security group, encrypted with the data key, guarded as the tier demands. The cache
 * token's rotation lives here, beside the cache it changes.
 */
export class DataStack extends EnvironmentStack {
  /** The database's endpoints, port and master user secret. */
  readonly database: PostgresDatabase;
  /** The Valkey cache; none when `cache.enabled` is false. */
  readonly cache?: CacheEndpoints;
  /** The KMS key that encrypts the database's master user secret; whoever reads the secret needs kms:Decrypt on it. */
  readonly databaseSecretKeyArn: string;
  /** The database's security group, for later stacks that open it to their own clients. */
  readonly databaseSecurityGroupId: string;

  constructor(scope: Construct, env: Environment, network: NetworkStack, secrets: SecretsStack) {
    super(scope, 'data', env);
    const protection = protectionFor(env).data;
    const rotationFunction = { functionName: `groundwork-${env.name}-cache-auth-token-rotation`, accountId: env.accountId, region: env.region };
    const key = new EncryptionKey(this, 'data-key', {
      description: `Database and cache of Groundwork environment ${env.name}`,
      alias: `groundwork/${env.name}/data`,
      accountId: env.accountId,
      region: env.region,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      // The cache token's rotation function logs under this key too.
      serviceGrants: env.cache.enabled ? [logGroupKeyGrant(env.region, functionLogGroupArn(rotationFunction))] : [],
      // Snapshots kept after a deletion are only as recoverable as their key.
      preventDestroy: protection.preventDestroy || protection.finalSnapshot,
    });

    const databaseSecurityGroup = new PrivateSecurityGroup(this, 'database-security-group', {
      name: `groundwork-${env.name}-database`,
      description: `PostgreSQL of Groundwork environment ${env.name}`,
      vpcId: network.vpcId,
    });
    databaseSecurityGroup.admit('service', network.serviceSecurityGroupId, env.database.port);

    const common: PostgresDatabaseProps = {
      identifier: `groundwork-${env.name}`,
      engineVersion: env.database.engineVersion,
      databaseName: env.database.databaseName,
      masterUsername: env.database.masterUsername,
      port: env.database.port,
      subnetIds: network.subnetIds.isolated,
      securityGroupIds: [databaseSecurityGroup.securityGroupId],
      encryptionKeyArn: key.keyArn,
      backupRetentionDays: env.database.backup.retentionDays,
      backupWindow: env.database.backup.window,
      maintenanceWindow: env.database.maintenanceWindow,
      performanceInsightsRetentionDays: env.database.performanceInsightsRetentionDays,
      masterPasswordRotationDays: env.rotation.databasePasswordSchedule ? env.rotation.databasePasswordDays : undefined,
      restoreFromSnapshot: env.database.restoreFromSnapshot,
      ...protection,
    };
    this.database =
      env.database.engine === 'aurora-postgresql'
        ? new AuroraServerlessCluster(this, 'database', {
            ...common,
            minCapacity: env.database.capacity.minAcu,
            maxCapacity: env.database.capacity.maxAcu,
            readers: env.database.readers,
          })
        : new PostgresInstance(this, 'database', {
            ...common,
            instanceClass: env.database.instanceClass,
            allocatedStorageGiB: env.database.allocatedStorageGiB,
            maxAllocatedStorageGiB: env.database.maxAllocatedStorageGiB,
            multiAz: env.database.multiAz,
          });

    if (env.cache.enabled) this.cache = this.addCache(env, network, secrets, key.keyArn, protection, rotationFunction);

    this.databaseSecretKeyArn = key.keyArn;
    this.databaseSecurityGroupId = databaseSecurityGroup.securityGroupId;
    const output = (name: string, value: string | number, description: string) => new TerraformOutput(this, name, { value, description });
    output('database_endpoint', this.database.endpoint, 'DNS name of the database writer');
    output('database_reader_endpoint', this.database.readerEndpoint, 'DNS name of the database readers (the writer\'s when there are none)');
    output('database_port', this.database.port, 'Port of the database');
    output('database_secret_arn', this.database.masterUserSecretArn, 'Secrets Manager ARN of the RDS-managed master user credentials (the ARN only, never the value)');
    if (this.cache) {
      output('cache_primary_endpoint', this.cache.primaryEndpoint, 'DNS name of the Valkey primary (TLS and the AUTH token required)');
      output('cache_reader_endpoint', this.cache.readerEndpoint, 'DNS name of the Valkey readers');
      output('cache_port', this.cache.port, 'Port of Valkey');
    }
  }

  /** The Valkey replication group, its security group, and the rotation of its AUTH token. */
  private addCache(
    env: Environment,
    network: NetworkStack,
    secrets: SecretsStack,
    keyArn: string,
    protection: ReturnType<typeof protectionFor>['data'],
    rotationFunction: { functionName: string; accountId: string; region: string },
  ): CacheEndpoints {
    const authTokenSecretArn = secrets.cacheAuthTokenSecretArn!;
    const cacheSecurityGroup = new PrivateSecurityGroup(this, 'cache-security-group', {
      name: `groundwork-${env.name}-cache`,
      description: `Valkey of Groundwork environment ${env.name}`,
      vpcId: network.vpcId,
    });
    cacheSecurityGroup.admit('service', network.serviceSecurityGroupId, env.cache.port);
    const cache = new ValkeyReplicationGroup(this, 'cache', {
      replicationGroupId: `groundwork-${env.name}`,
      engineVersion: env.cache.engineVersion,
      nodeType: env.cache.nodeType,
      replicas: env.cache.replicas,
      port: env.cache.port,
      subnetIds: network.subnetIds.isolated,
      securityGroupIds: [cacheSecurityGroup.securityGroupId],
      encryptionKeyArn: keyArn,
      authTokenSecretArn,
      snapshotRetentionDays: env.cache.snapshotRetentionDays,
      snapshotWindow: env.cache.snapshotWindow,
      maintenanceWindow: env.cache.maintenanceWindow,
      finalSnapshot: protection.finalSnapshot,
      preventDestroy: protection.preventDestroy,
    });

    // The token's rotation function runs in the private subnets: it must reach the cache (to test a
    // token) and the ElastiCache and Secrets Manager APIs (through NAT).
    const rotationSecurityGroup = new PrivateSecurityGroup(this, 'cache-token-rotation-security-group', {
      name: `groundwork-${env.name}-cache-token-rotation`,
      description: `Valkey AUTH token rotation of Groundwork environment ${env.name}`,
      vpcId: network.vpcId,
    });
    rotationSecurityGroup.allowOutboundHttps();
    cacheSecurityGroup.admit('cache-token-rotation', rotationSecurityGroup.securityGroupId, env.cache.port);
    new SecretRotation(this, 'cache-auth-token-rotation', {
      secretArn: authTokenSecretArn,
      secretKeyArn: secrets.secretsKeyArn,
      rotationDays: env.rotation.cacheAuthTokenDays,
      ...rotationFunction,
      code: 'valkey-auth-token-rotation',
      logEncryptionKeyArn: keyArn,
      // Each token change waits for the replication group to apply it, which takes minutes.
      timeoutSeconds: 900,
      environment: { REPLICATION_GROUP_ID: cache.replicationGroupId },
      vpc: { subnetIds: network.subnetIds.private, securityGroupIds: [rotationSecurityGroup.securityGroupId] },
      statements: [
        {
          sid: 'ChangeTheCacheToken',
          actions: ['elasticache:ModifyReplicationGroup', 'elasticache:DescribeReplicationGroups'],
          resources: [cache.replicationGroupArn, cache.memberClustersArn],
        },
      ],
    });

    return {
      primaryEndpoint: cache.primaryEndpoint,
      readerEndpoint: cache.readerEndpoint,
      port: cache.port,
      replicationGroupId: cache.replicationGroupId,
      securityGroupId: cacheSecurityGroup.securityGroupId,
      authTokenSecretArn,
    };
  }
}
