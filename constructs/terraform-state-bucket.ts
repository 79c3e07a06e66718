import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
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
}

/**
 * An S3 bucket fit to hold Terraform state: versioned (every state ever written can be restored), SSE-KMS
 * with a customer key, no public access, no ACLs, TLS-only (unless turned off), and old versions expired after a while.
 * Locking needs nothing more: the S3 backend's `use_lockfile` writes a lock object beside the state.
 */
export class TerraformStateBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;

  constructor(scope: Construct, id: string, props: TerraformStateBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    new S3BucketVersioning(this, 'versioning', {
      bucket: bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      bucket: bucket.id,
      rule: [
        {
          applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryptionKey.keyArn },
          bucketKeyEnabled: true,
        },
      ],
    });
    keepBucketPrivate(this, bucket.id);
    if (props.tlsOnly ?? true) {
      const tlsOnly = new DataAwsIamPolicyDocument(this, 'tls-only', { statement: [denyInsecureTransport(bucket.arn)] });
      new S3BucketPolicy(this, 'policy', { bucket: bucket.id, policy: tlsOnly.json });
    }
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
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
  }
}
