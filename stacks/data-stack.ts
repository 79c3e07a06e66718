import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { accountWideName } from '../environments/standby';
import { databaseArn } from '../lib/arn';
import { CATALOG } from '../environments/catalog';
import { AuroraServerlessCluster } from '../constructs/aurora-serverless-cluster';
import { EncryptionKey, logGroupKeyGrant } from '../constructs/encryption-key';
import { EphemeralSecretValue } from '../constructs/ephemeral-values';
import { GeneratedSecret, replicaSecretArn } from '../constructs/generated-secret';
import { functionLogGroupArn } from '../constructs/nodejs-function';
import { Neo4jDatabase } from '../constructs/neo4j-database';
import type { PostgresDatabase, PostgresDatabaseProps, SuppliedMasterPassword } from '../constructs/postgres-database';
import { PostgresInstance } from '../constructs/postgres-instance';
import { PrivateSecurityGroup } from '../constructs/private-security-group';
import { SecretRotation } from '../constructs/secret-rotation';
import { VALKEY_AUTH_TOKEN, ValkeyReplicationGroup } from '../constructs/valkey-replication-group';
import { EnvironmentStack } from './environment-stack';
import type { NetworkStack } from './network-stack';
import type { SecretsStack } from './secrets-stack';

/** The secret holding a cache's AUTH token, the key that encrypts it, and its rotation function's role name. */
interface CacheAuthToken {
  readonly secretArn: string;
  readonly keyArn: string;
  /** @default - the function's name */
  readonly roleName?: string;
}

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

/** What later stacks need of the graph database. */
export interface GraphEndpoints {
  /** The driver's URI (`neo4j://<address>:<bolt port>`). */
  readonly uri: string;
  readonly boltPort: number;
  /** ARN of the secret of the `neo4j` user's credentials (JSON: username, password). */
  readonly credentialsSecretArn: string;
  /** The KMS key that encrypts that secret (the data key). */
  readonly credentialsKeyArn: string;
  /** Every node: its name (also its host name, the dimension of its memory and disk metrics), instance and data volume. */
  readonly nodes: readonly { readonly name: string; readonly instanceId: string; readonly volumeArn: string }[];
}

/**
 * `data-<env>`: the PostgreSQL database and the Valkey cache, in the isolated subnets, reachable only
 * from the service's security group, encrypted with the data key, guarded as the tier demands. The cache
 * token's rotation lives here, beside the cache it changes.
 *
 * With `failover`, the database is the primary of an Aurora global database (or the source of a
 * cross-region replica) and its master password is the secrets stack's, rotated here; `standby_data-<env>`
 * is this class again, given the primary: the secondary cluster (or the replica) in the standby's region,
 * under a data key of its own there.
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
  /** The Neo4j nodes, with `graph` (the primary's only: a graph is not carried to a standby). */
  readonly graph?: GraphEndpoints;
  /** The Aurora global database the primary leads, with `failover` and the aurora-postgresql engine. */
  readonly globalClusterIdentifier?: string;

  /** `primary`: the primary's data stack, when this one is its standby (`env.site` is `standby`). */
  constructor(scope: Construct, env: Environment, network: NetworkStack, secrets: SecretsStack, primary?: DataStack) {
    super(scope, 'data', env);
    if ((env.site === 'standby') !== (primary !== undefined)) throw new Error(`${env.name}: a standby's data stack needs the primary's, and only a standby's does`);
    const protection = protectionFor(env).data;
    const cacheRotationFunction = { functionName: `groundwork-${env.name}-cache-auth-token-rotation`, accountId: env.accountId, region: env.region };
    const passwordRotationFunction = { functionName: `groundwork-${env.name}-database-password-rotation`, accountId: env.accountId, region: env.region };
    const graphRotationFunction = { functionName: `groundwork-${env.name}-graph-password-rotation`, accountId: env.accountId, region: env.region };
    const hasGraph = env.graph !== undefined && !primary;
    const hasCache = env.cache.enabled;
    const rotatesPassword = env.failover !== undefined && !primary;
    const key = new EncryptionKey(this, 'data-key', {
      description: `Database and cache of Groundwork environment ${env.name}`,
      alias: `groundwork/${env.name}/data`,
      accountId: env.accountId,
      region: env.region,
      rotationPeriodDays: env.kms.rotationPeriodDays,
      deletionWindowDays: env.kms.deletionWindowDays,
      // The rotation functions log under this key too.
      serviceGrants: [...(hasCache ? [cacheRotationFunction] : []), ...(rotatesPassword ? [passwordRotationFunction] : []), ...(hasGraph ? [graphRotationFunction] : [])].map((fn) => logGroupKeyGrant(env.region, functionLogGroupArn(fn))),
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
      ...this.masterPassword(env, secrets, primary),
      // A replica starts from its source, never from a snapshot.
      restoreFromSnapshot: primary ? undefined : env.database.restoreFromSnapshot,
      ...protection,
    };
    this.database =
      env.database.engine === 'aurora-postgresql'
        ? new AuroraServerlessCluster(this, 'database', {
            ...common,
            minCapacity: env.database.capacity.minAcu,
            maxCapacity: env.database.capacity.maxAcu,
            readers: env.database.readers,
            globalClusterIdentifier: env.failover && !primary ? `groundwork-${env.name}` : undefined,
          })
        : new PostgresInstance(this, 'database', {
            ...common,
            instanceClass: env.database.instanceClass,
            allocatedStorageGiB: env.database.allocatedStorageGiB,
            maxAllocatedStorageGiB: env.database.maxAllocatedStorageGiB,
            multiAz: env.database.multiAz,
          });

    this.globalClusterIdentifier = this.database instanceof AuroraServerlessCluster ? this.database.globalClusterIdentifier : undefined;
    if (rotatesPassword) this.rotateMasterPassword(env, network, secrets, key.keyArn, databaseSecurityGroup, passwordRotationFunction);
    // A cache is regional: the standby's is its own, empty, with its own token (README, "Region failover").
    if (hasCache) this.cache = this.addCache(env, network, this.cacheAuthToken(env, secrets, primary), key.keyArn, protection, cacheRotationFunction);

    if (hasGraph) this.graph = this.addGraph(env, network, key.keyArn, graphRotationFunction);

    // A supplied master password is in the secrets stack's secret; a replica reads that secret's copy in its region.
    this.databaseSecretKeyArn = env.failover ? (primary ? secrets.standbySecretsKeyArn! : secrets.secretsKeyArn) : key.keyArn;
    this.databaseSecurityGroupId = databaseSecurityGroup.securityGroupId;
    const output = (name: string, value: string | number, description: string) => new TerraformOutput(this, name, { value, description });
    output('database_endpoint', this.database.endpoint, 'DNS name of the database writer');
    output('database_reader_endpoint', this.database.readerEndpoint, 'DNS name of the database readers (the writer\'s when there are none)');
    output('database_port', this.database.port, 'Port of the database');
    output('database_secret_arn', this.database.masterUserSecretArn, 'Secrets Manager ARN of the master user credentials (the ARN only, never the value)');
    if (this.globalClusterIdentifier) output('global_cluster_identifier', this.globalClusterIdentifier, 'The Aurora global database the standby joins');
    if (this.cache) {
      output('cache_primary_endpoint', this.cache.primaryEndpoint, 'DNS name of the Valkey primary (TLS and the AUTH token required)');
      output('cache_reader_endpoint', this.cache.readerEndpoint, 'DNS name of the Valkey readers');
      output('cache_port', this.cache.port, 'Port of Valkey');
    }
    if (this.graph) {
      output('graph_uri', this.graph.uri, 'Neo4j driver URI (Bolt)');
      output('graph_secret_arn', this.graph.credentialsSecretArn, 'Secrets Manager ARN of the Neo4j credentials (the ARN only, never the value)');
      new TerraformOutput(this, 'graph_data_volume_arns', { value: this.graph.nodes.map((node) => node.volumeArn), description: 'ARNs of the Neo4j nodes\' data volumes, in node order' });
    }
  }

  /**
   * Neo4j on EC2 nodes from the golden image, and the rotation of its password: a function in the private
   * subnets that logs in to the cluster over Bolt and changes the password inside Neo4j.
   */
  private addGraph(env: Environment, network: NetworkStack, keyArn: string, rotationFunction: { functionName: string; accountId: string; region: string }): GraphEndpoints {
    const graph = env.graph!;
    const protection = protectionFor(env);
    const name = `groundwork-${env.name}-graph`;
    // A type the catalog does not list yet (a catalog exception): Graviton families carry a "g" after their generation.
    const architecture = CATALOG.ec2InstanceArchitectures.values[graph.instanceType] ?? (/^[a-z]+\d+g/.test(graph.instanceType) ? 'arm64' : 'x86_64');
    const database = new Neo4jDatabase(this, 'graph', {
      name,
      credentialsSecretName: `groundwork/${env.name}/graph-credentials`,
      // Per architecture: a type of another architecture starts from an image it can boot.
      imageParameterName: `/groundwork/${env.name}/graph/${architecture}/image-id`,
      region: env.region,
      edition: graph.edition,
      version: graph.neo4jVersion,
      nodes: graph.nodes,
      heapGiB: graph.memory.heapGiB,
      pageCacheGiB: graph.memory.pageCacheGiB,
      boltPort: graph.ports.bolt,
      httpPort: graph.ports.http,
      instanceType: graph.instanceType,
      architecture,
      vpcId: network.vpcId,
      subnetIds: network.subnetIds.private,
      availabilityZones: env.network.availabilityZones,
      clientSecurityGroupId: network.serviceSecurityGroupId,
      encryptionKeyArn: keyArn,
      dataVolume: graph.dataVolume,
      preventDestroy: protection.data.preventDestroy,
      secretRecoveryWindowDays: protection.secretRecoveryWindowDays,
      imageSchedule: graph.image.pipeline ? graph.image.schedule : undefined,
      stableAddresses: graph.stableAddresses,
    });
    const rotationSecurityGroup = this.rotationSecurityGroup(env, network, 'graph-password-rotation', `Neo4j password rotation of Groundwork environment ${env.name}`, database.securityGroup, graph.ports.bolt);
    new SecretRotation(this, 'graph-password-rotation', {
      secretArn: database.credentialsSecretArn,
      secretKeyArn: keyArn,
      rotationDays: env.rotation.graphPasswordDays,
      ...rotationFunction,
      code: 'neo4j-password-rotation',
      logEncryptionKeyArn: keyArn,
      environment: { NEO4J_URI: database.uri },
      vpc: { subnetIds: network.subnetIds.private, securityGroupIds: [rotationSecurityGroup.securityGroupId] },
    });
    return {
      uri: database.uri,
      boltPort: graph.ports.bolt,
      credentialsSecretArn: database.credentialsSecretArn,
      credentialsKeyArn: keyArn,
      nodes: database.nodes.map((node) => ({ name: node.name, instanceId: node.instanceId, volumeArn: node.volumeArn })),
    };
  }

  /**
   * With `failover`, the master password is the secrets stack's: the primary writes it once from an
   * ephemeral read of the secret (never in plan or state); a replica names the secret's copy in its region.
   */
  private masterPassword(env: Environment, secrets: SecretsStack, primary?: DataStack): Pick<PostgresDatabaseProps, 'masterPassword' | 'replicaOf'> {
    if (!env.failover) return {};
    const secretArn = secrets.databaseCredentialsSecretArn!;
    if (!primary) {
      const masterPassword: SuppliedMasterPassword = { secretArn, value: new EphemeralSecretValue(this, 'master-credentials', secretArn).jsonField('password') };
      return { masterPassword };
    }
    return { masterPassword: { secretArn: replicaSecretArn(secretArn, primary.environment.region, env.region) }, replicaOf: primary.globalClusterIdentifier ?? primary.database.arn };
  }

  /**
   * The rotation of a supplied master password: a function in the private subnets that logs in to the
   * writer (found through RDS at each rotation) and sets the new password with ALTER USER.
   */
  private rotateMasterPassword(
    env: Environment,
    network: NetworkStack,
    secrets: SecretsStack,
    keyArn: string,
    databaseSecurityGroup: PrivateSecurityGroup,
    rotationFunction: { functionName: string; accountId: string; region: string },
  ): void {
    const securityGroup = this.rotationSecurityGroup(env, network, 'database-password-rotation', `Database master password rotation of Groundwork environment ${env.name}`, databaseSecurityGroup, env.database.port);
    const aurora = this.database instanceof AuroraServerlessCluster;
    // Written out rather than read from the database: a policy document that reads a resource is read again
    // only at apply whenever that resource has a change planned, and would show as changing with it.
    const identifier = `groundwork-${env.name}`;
    const writerArn = databaseArn(env.region, env.accountId, aurora, identifier);
    new SecretRotation(this, 'database-password-rotation', {
      secretArn: secrets.databaseCredentialsSecretArn!,
      secretKeyArn: secrets.secretsKeyArn,
      replicaKeyArns: [secrets.standbySecretsKeyArn!],
      // RDS's own schedule, when none is set, is every 7 days.
      rotationDays: env.rotation.databasePasswordSchedule ? env.rotation.databasePasswordDays : 7,
      ...rotationFunction,
      code: 'postgres-master-password-rotation',
      logEncryptionKeyArn: keyArn,
      environment: aurora ? { DB_CLUSTER_IDENTIFIER: identifier } : { DB_INSTANCE_IDENTIFIER: identifier },
      vpc: { subnetIds: network.subnetIds.private, securityGroupIds: [securityGroup.securityGroupId] },
      statements: [
        {
          sid: 'FindTheWriter',
          actions: aurora ? ['rds:DescribeDBClusters'] : ['rds:DescribeDBInstances'],
          resources: [writerArn],
        },
      ],
    });
  }

  /**
   * The security group of a rotation function in the private subnets: the server it changes admits it on
   * its port, and it reaches AWS's APIs (HTTPS, through NAT).
   */
  private rotationSecurityGroup(env: Environment, network: NetworkStack, name: string, description: string, server: PrivateSecurityGroup, port: number): PrivateSecurityGroup {
    const group = new PrivateSecurityGroup(this, `${name}-security-group`, { name: `groundwork-${env.name}-${name}`, description, vpcId: network.vpcId });
    group.allowOutboundHttps();
    server.admit(name, group.securityGroupId, port);
    return group;
  }

  /**
   * The secret of the cache's AUTH token: the secrets stack's for the primary; for a standby, one of its
   * own in its region (never a replica: each cache has its own token), under the standby's secrets key.
   */
  private cacheAuthToken(env: Environment, secrets: SecretsStack, primary?: DataStack): CacheAuthToken {
    if (!primary) return { secretArn: secrets.cacheAuthTokenSecretArn!, keyArn: secrets.secretsKeyArn };
    const keyArn = secrets.standbySecretsKeyArn!;
    const token = new GeneratedSecret(this, 'cache-auth-token', {
      name: `groundwork/${env.name}/cache-auth-token`,
      description: `Valkey AUTH token of the standby of Groundwork environment ${env.name}`,
      encryptionKeyArn: keyArn,
      initialValue: VALKEY_AUTH_TOKEN,
      recoveryWindowDays: protectionFor(env).secretRecoveryWindowDays,
    });
    return { secretArn: token.secretArn, keyArn, roleName: `${accountWideName(env)}-cache-token-rotation` };
  }

  /** The Valkey replication group, its security group, and the rotation of its AUTH token. */
  private addCache(
    env: Environment,
    network: NetworkStack,
    token: CacheAuthToken,
    keyArn: string,
    protection: ReturnType<typeof protectionFor>['data'],
    rotationFunction: { functionName: string; accountId: string; region: string },
  ): CacheEndpoints {
    const authTokenSecretArn = token.secretArn;
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

    // The token's rotation function must reach the cache (to test a token) and the ElastiCache and Secrets Manager APIs.
    const rotationSecurityGroup = this.rotationSecurityGroup(env, network, 'cache-token-rotation', `Valkey AUTH token rotation of Groundwork environment ${env.name}`, cacheSecurityGroup, env.cache.port);
    new SecretRotation(this, 'cache-auth-token-rotation', {
      secretArn: authTokenSecretArn,
      secretKeyArn: token.keyArn,
      rotationDays: env.rotation.cacheAuthTokenDays,
      ...rotationFunction,
      roleName: token.roleName,
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
