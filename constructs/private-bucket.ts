import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import type { TerraformProvider } from 'cdktf';
import { Construct } from 'constructs';

/** Blocks every kind of public access to a bucket and turns ACLs off, so the bucket owner owns every object. */
export function keepBucketPrivate(scope: Construct, bucketId: string, provider?: TerraformProvider): S3BucketPublicAccessBlock {
  new S3BucketOwnershipControls(scope, 'ownership', { provider, bucket: bucketId, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  return new S3BucketPublicAccessBlock(scope, 'public-access-block', {
    provider,
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
}

/** The bucket policy statement that refuses every request not made over TLS. */
export function denyInsecureTransport(bucketArn: string): DataAwsIamPolicyDocumentStatement {
  return {
    sid: 'DenyInsecureTransport',
    effect: 'Deny',
    principals: [{ type: '*', identifiers: ['*'] }],
    actions: ['s3:*'],
    resources: [bucketArn, `${bucketArn}/*`],
    condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
  };
}

export interface PrivateBucketProps {
  /** The bucket's globally unique name. */
  readonly bucketName: string;
  /**
   * Customer-managed KMS key for SSE-KMS.
   * @default - S3-managed keys (SSE-S3): the only encryption some AWS log deliveries (ALB access logs) can write to
   */
  readonly encryptionKeyArn?: string;
  /** Policy statements besides the TLS-only denial, e.g. letting a service deliver logs. @default - none */
  readonly policyStatements?: (bucketArn: string) => DataAwsIamPolicyDocumentStatement[];
  /** Deny every request that is not over TLS. @default true */
  readonly tlsOnly?: boolean;
  /** Days after which objects expire. @default - kept forever */
  readonly expirationDays?: number;
  /** Days a replaced or deleted object's old version is kept before it is removed for good. @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** Let `terraform destroy` delete the bucket with its objects. @default false */
  readonly forceDestroy?: boolean;
  /** Terraform refuses any plan that destroys the bucket (`prevent_destroy`). @default false */
  readonly preventDestroy?: boolean;
}

/**
 * An S3 bucket nobody outside the account can read: encrypted at rest, public access blocked, ACLs off
 * (the bucket owner owns every object), TLS-only, versioned (a replaced or deleted object can be recovered
 * for `noncurrentVersionExpirationDays`), and objects expired after a while if asked.
 */
export class PrivateBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The bucket policy, for resources whose creation AWS checks against it (a load balancer writing logs). */
  readonly policy?: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      lifecycle: props.preventDestroy ? { preventDestroy: true } : undefined,
    });
    new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      bucket: bucket.id,
      rule: [
        props.encryptionKeyArn
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryptionKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    const versioning = new S3BucketVersioning(this, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    const publicAccessBlock = keepBucketPrivate(this, bucket.id);
    const statements = [...(props.tlsOnly ?? true ? [denyInsecureTransport(bucket.arn)] : []), ...(props.policyStatements?.(bucket.arn) ?? [])];
    if (statements.length > 0) {
      const policy = new DataAwsIamPolicyDocument(this, 'policy-document', { statement: statements });
      // S3 refuses a policy while the public access block is being written; order them.
      this.policy = new S3BucketPolicy(this, 'policy', { bucket: bucket.id, policy: policy.json, dependsOn: [publicAccessBlock] });
    }
    const abortIncompleteMultipartUpload = [{ daysAfterInitiation: 7 }];
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: bucket.id,
      rule: [
        ...(props.expirationDays !== undefined
          ? [{ id: 'expire-objects', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ days: props.expirationDays }], abortIncompleteMultipartUpload }]
          : []),
        {
          // Versioning keeps what expires or is deleted as a noncurrent version, behind a delete marker: remove both in time.
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? 30 }],
          expiration: [{ expiredObjectDeleteMarker: true }],
          ...(props.expirationDays === undefined ? { abortIncompleteMultipartUpload } : {}),
        },
      ],
      dependsOn: [versioning],
    });
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
  }
}
