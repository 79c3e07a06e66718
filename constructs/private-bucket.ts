import { DataAwsIamPolicyDocument, type DataAwsIamPolicyDocumentStatement } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { Construct } from 'constructs';

/** Blocks every kind of public access to a bucket and turns ACLs off, so the bucket owner owns every object. */
export function keepBucketPrivate(scope: Construct, bucketId: string): S3BucketPublicAccessBlock {
  new S3BucketOwnershipControls(scope, 'ownership', { bucket: bucketId, rule: { objectOwnership: 'BucketOwnerEnforced' } });
  return new S3BucketPublicAccessBlock(scope, 'public-access-block', {
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
  /** Let `terraform destroy` delete the bucket with its objects. @default false */
  readonly forceDestroy?: boolean;
}

/**
 * An S3 bucket nobody outside the account can read: encrypted at rest, public access blocked, ACLs off
 * (the bucket owner owns every object), TLS-only, and objects expired after a while if asked.
 */
export class PrivateBucket extends Construct {
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The bucket policy, for resources whose creation AWS checks against it (a load balancer writing logs). */
  readonly policy?: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: PrivateBucketProps) {
    super(scope, id);
    const bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      bucket: bucket.id,
      rule: [
        props.encryptionKeyArn
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryptionKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    const publicAccessBlock = keepBucketPrivate(this, bucket.id);
    const statements = [...(props.tlsOnly ?? true ? [denyInsecureTransport(bucket.arn)] : []), ...(props.policyStatements?.(bucket.arn) ?? [])];
    if (statements.length > 0) {
      const policy = new DataAwsIamPolicyDocument(this, 'policy-document', { statement: statements });
      // S3 refuses a policy while the public access block is being written; order them.
      this.policy = new S3BucketPolicy(this, 'policy', { bucket: bucket.id, policy: policy.json, dependsOn: [publicAccessBlock] });
    }
    if (props.expirationDays !== undefined) {
      new S3BucketLifecycleConfiguration(this, 'lifecycle', {
        bucket: bucket.id,
        rule: [
          {
            id: 'expire-objects',
            status: 'Enabled',
            filter: [{ prefix: '' }],
            expiration: [{ days: props.expirationDays }],
            abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
          },
        ],
      });
    }
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
  }
}
