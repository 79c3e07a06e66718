import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';
import type { ReplicatedBucket } from './bucket-replication';
import type { EncryptionKey } from './encryption-key';
import { denyInsecureTransport, keepBucketPrivate } from './private-bucket';

export interface TerraformStateBucketProps {
  /** The bucket's globally unique name. */
  readonly bucketName: string;
  /** The customer-managed key every state object is encrypted with. */
  readonly encryptionKey: EncryptionKey;
  /** Days a replaced state version is kept before S3 expires it. @default 90 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Refuse any plan that would destroy the bucket (Terraform `prevent_destroy`). @default false */
  readonly preventDestroy?: boolean;
  /** Deny every request that is not over TLS, with a bucket policy. @default true */
  readonly tlsOnly?: boolean;
  /** The bucket's region (the region of `provider`, when one is given). */
  readonly region: string;
  /** The AWS provider to create the bucket with, for a bucket in another region. @default - the stack's default provider */
  readonly provider?: TerraformProvider;
}

/**
 * An S3 bucket fit to hold Terraform state: versioned (every state ever written can be restored), SSE-KMS
 * with a customer key, no public access, no ACLs, TLS-only (unless turned off), and old versions expired after a while.
 * Locking needs nothing more: the S3 backend's `use_lockfile` writes a lock object beside the state.
 */
export class TerraformStateBucket extends Construct implements ReplicatedBucket {
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly region: string;
  readonly versioning: S3BucketVersioning;

  constructor(scope: Construct, id: string, props: TerraformStateBucketProps) {
    super(scope, id);
    const { provider } = props;
    const bucket = new S3Bucket(this, 'bucket', {
      provider,
      bucket: props.bucketName,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    this.versioning = new S3BucketVersioning(this, 'versioning', {
      provider,
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      provider,
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryptionKey.keyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    keepBucketPrivate(this, bucket.id, provider);
    if (props.tlsOnly ?? true) {
      const tlsOnly = new DataAwsIamPolicyDocument(this, 'tls-only', { provider, statement: [denyInsecureTransport(bucket.arn)] });
      new S3BucketPolicy(this, 'policy', { provider, bucket: bucket.id, policy: tlsOnly.json });
    }
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      provider,
      bucket: bucket.id,
      rule: [
        {
          id: 'expire-noncurrent-state',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? 90 }],
          // Every lock release leaves a delete marker on the .tflock key; remove those once nothing is behind them.
          expiration: [{ expiredObjectDeleteMarker: true }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.keyArn = props.encryptionKey.keyArn;
    this.region = props.region;
  }
}
