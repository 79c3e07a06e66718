import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketReplicationConfigurationA as S3BucketReplicationConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { regionalServicePrincipal } from '../lib/arn';
import { ServiceRole } from './service-role';

/** The id of the one replication rule: a dimension of its CloudWatch metrics. */
export const REPLICATION_RULE_ID = 'replicate-everything';

/** One end of a replication: a versioned bucket whose objects are SSE-KMS encrypted with a customer key. */
export interface ReplicatedBucket {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The key its objects are encrypted with. */
  readonly keyArn: string;
  /** The bucket's region: S3 calls KMS there on the replication's behalf. */
  readonly region: string;
  /** Versioning of the bucket: S3 refuses a replication configuration until both ends are versioned. */
  readonly versioning: ITerraformDependable;
}

export interface BucketReplicationProps {
  /** The bucket whose objects are copied. */
  readonly source: ReplicatedBucket;
  /** The bucket, usually in another region, that receives them, re-encrypted with its own key. */
  readonly destination: ReplicatedBucket;
  /** Name of the IAM role S3 replicates as (IAM names are per account: include the environment). */
  readonly roleName: string;
  /** The account both buckets live in; S3 may assume the role only on its behalf. */
  readonly accountId: string;
}

/**
 * Live replication of every object of one bucket into another: new versions and delete markers, SSE-KMS
 * objects re-encrypted with the destination's key, by a role that may read only the source, write only
 * the destination, and use each key only through S3 in that key's region.
 */
export class BucketReplication extends Construct {
  /** The role S3 replicates as. */
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: BucketReplicationProps) {
    super(scope, id);
    const { source, destination } = props;
    const role = new ServiceRole(this, 'role', { roleName: props.roleName, servicePrincipal: 's3.amazonaws.com', region: source.region, sourceAccount: props.accountId });
    const throughS3In = (region: string) => [{ test: 'StringEquals', variable: 'kms:ViaService', values: [regionalServicePrincipal('s3', region)] }];
    const permissions = new DataAwsIamPolicyDocument(this, 'permissions', {
      statement: [
        { sid: 'ReadTheReplicationConfiguration', actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'], resources: [source.bucketArn] },
        {
          sid: 'ReadSourceVersions',
          actions: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
          resources: [`${source.bucketArn}/*`],
        },
        { sid: 'WriteReplicas', actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'], resources: [`${destination.bucketArn}/*`] },
        { sid: 'DecryptSourceObjects', actions: ['kms:Decrypt'], resources: [source.keyArn], condition: throughS3In(source.region) },
        { sid: 'EncryptReplicas', actions: ['kms:Encrypt', 'kms:GenerateDataKey'], resources: [destination.keyArn], condition: throughS3In(destination.region) },
      ],
    });
    const policy = new IamRolePolicy(this, 'policy', { name: 'replicate', role: role.roleName, policy: permissions.json });

    new S3BucketReplicationConfiguration(this, 'configuration', {
      bucket: source.bucketName,
      role: role.roleArn,
      // S3 checks the role's permissions and both buckets' versioning when the configuration is put.
      dependsOn: [source.versioning, destination.versioning, policy],
      rule: [
        {
          id: REPLICATION_RULE_ID,
          status: 'Enabled',
          filter: { prefix: '' },
          // A deleted lock object must disappear from the replica too, or it would look held there.
          deleteMarkerReplication: { status: 'Enabled' },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
          destination: {
            bucket: destination.bucketArn,
            storageClass: 'STANDARD',
            encryptionConfiguration: { replicaKmsKeyId: destination.keyArn },
            // ReplicationLatency and OperationsFailedReplication in CloudWatch, to alarm on. No event
            // threshold: S3 refuses one without Replication Time Control, which this rule does not buy.
            metrics: { status: 'Enabled' },
          },
        },
      ],
    });
    this.roleArn = role.roleArn;
  }
}
