import { DataAwsSecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-secret-version';
import { ElasticacheReplicationGroup } from '@cdktf/provider-aws/lib/elasticache-replication-group';
import { ElasticacheSubnetGroup } from '@cdktf/provider-aws/lib/elasticache-subnet-group';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import type { EphemeralRandomPasswordProps } from './ephemeral-values';

/** The shape of an AUTH token: ElastiCache allows few punctuation characters in one; letters and digits are always safe. */
export const VALKEY_AUTH_TOKEN: EphemeralRandomPasswordProps = { length: 64, excludePunctuation: true };

export interface ValkeyReplicationGroupProps {
  /** Replication group id (at most 40 lowercase letters, digits and hyphens), e.g. `groundwork-prod`. */
  readonly replicationGroupId: string;
  /** Valkey version, e.g. `8.0`. */
  readonly engineVersion: string;
  /** Node type of every node, e.g. `cache.t4g.micro`. */
  readonly nodeType: string;
  /** Replicas of the primary. With 1 or more, the group fails over automatically and spans zones. @default 1 */
  readonly replicas?: number;
  /** Port Valkey listens on. @default 6379 */
  readonly port?: number;
  /** Subnets of the cache subnet group: the isolated tier. */
  readonly subnetIds: string[];
  /** Security groups of the nodes. */
  readonly securityGroupIds: string[];
  /** Customer-managed KMS key for data at rest and snapshots. */
  readonly encryptionKeyArn: string;
  /**
   * ARN of the Secrets Manager secret holding the AUTH token. The group is created with its current value;
   * after that, rotation changes the token and Terraform leaves it alone.
   */
  readonly authTokenSecretArn: string;
  /** Days daily snapshots are kept (0: none). @default 7 */
  readonly snapshotRetentionDays?: number;
  /** Daily UTC snapshot window, `hh:mm-hh:mm`. @default - chosen by ElastiCache */
  readonly snapshotWindow?: string;
  /** Weekly UTC maintenance window, `ddd:hh:mm-ddd:hh:mm`. @default - chosen by ElastiCache */
  readonly maintenanceWindow?: string;
  /** Take a final snapshot, `<id>-final`, when the group is deleted. @default true */
  readonly finalSnapshot?: boolean;
  /** Terraform refuses any plan that destroys the group. @default false */
  readonly preventDestroy?: boolean;
}

/**
 * A Valkey replication group: encrypted in transit (TLS required) and at rest with a customer key,
 * AUTH token from Secrets Manager, automatic failover and Multi-AZ whenever it has a replica.
 */
export class ValkeyReplicationGroup extends Construct {
  readonly replicationGroupId: string;
  readonly replicationGroupArn: string;
  /** ARNs of the group's member clusters (`...:cluster:<id>-*`), which IAM policies for group changes also name. */
  readonly memberClustersArn: string;
  /** DNS name of the primary, for writes. */
  readonly primaryEndpoint: string;
  /** DNS name spreading reads over the replicas. */
  readonly readerEndpoint: string;
  readonly port: number;

  constructor(scope: Construct, id: string, props: ValkeyReplicationGroupProps) {
    super(scope, id);
    const replicas = props.replicas ?? 1;
    const finalSnapshot = props.finalSnapshot ?? true;
    const subnetGroup = new ElasticacheSubnetGroup(this, 'subnet-group', {
      name: props.replicationGroupId,
      description: `Isolated subnets of ${props.replicationGroupId}`,
      subnetIds: props.subnetIds,
    });
    const token = new DataAwsSecretsmanagerSecretVersion(this, 'auth-token', { secretId: props.authTokenSecretArn });
    const group = new ElasticacheReplicationGroup(this, 'group', {
      replicationGroupId: props.replicationGroupId,
      description: `Valkey cache ${props.replicationGroupId}`,
      engine: 'valkey',
      engineVersion: props.engineVersion,
      nodeType: props.nodeType,
      port: props.port ?? 6379,
      numCacheClusters: 1 + replicas,
      automaticFailoverEnabled: replicas > 0,
      multiAzEnabled: replicas > 0,
      subnetGroupName: subnetGroup.name,
      securityGroupIds: props.securityGroupIds,
      atRestEncryptionEnabled: 'true',
      kmsKeyId: props.encryptionKeyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: token.secretString,
      snapshotRetentionLimit: props.snapshotRetentionDays ?? 7,
      snapshotWindow: props.snapshotWindow,
      maintenanceWindow: props.maintenanceWindow,
      finalSnapshotIdentifier: finalSnapshot ? `${props.replicationGroupId}-final` : undefined,
      autoMinorVersionUpgrade: 'true',
      applyImmediately: true,
      // Rotation owns the token after creation: a rotated value must not read as drift to undo.
      lifecycle: { ignoreChanges: ['auth_token'], preventDestroy: props.preventDestroy ?? false },
    });
    this.replicationGroupId = group.id;
    this.replicationGroupArn = group.arn;
    this.memberClustersArn = `${Fn.replace(group.arn, ':replicationgroup:', ':cluster:')}-*`;
    this.primaryEndpoint = group.primaryEndpointAddress;
    this.readerEndpoint = group.readerEndpointAddress;
    this.port = group.port;
  }
}
