import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { Construct } from 'constructs';
import { partitionOf } from '../lib/arn';
import { EncryptionKey } from './encryption-key';
import { PrivateBucket } from './private-bucket';

export interface AuditTrailProps {
  /** The trail's name, e.g. `groundwork-prod`. */
  readonly trailName: string;
  /** The globally unique name of the bucket the trail writes to. */
  readonly bucketName: string;
  /** Alias (without `alias/`) of the trail's own KMS key, e.g. `groundwork/prod/audit-trail`. */
  readonly keyAlias: string;
  /** The account the trail records. */
  readonly accountId: string;
  /** The trail's home region (it records every region). */
  readonly region: string;
  /** Days log files are kept in the bucket. */
  readonly retentionDays: number;
  /** The bucket denies every request not over TLS. @default true */
  readonly tlsOnly?: boolean;
  /** The trail records events; off, it exists but records nothing. @default true */
  readonly logging?: boolean;
  /** Days between rotations of the trail's key. @default 365 */
  readonly keyRotationPeriodDays?: number;
  /** Days a deleted key waits before it is gone. @default 30 */
  readonly keyDeletionWindowDays?: number;
  /** Terraform refuses any plan that destroys the key or the bucket. @default false */
  readonly preventDestroy?: boolean;
  /** Let `terraform destroy` delete the bucket with its log files. @default false */
  readonly forceDestroy?: boolean;
}

/**
 * A CloudTrail trail of the whole account: every region, global service events (IAM, STS, CloudFront)
 * included, log file integrity validation on. Log files are encrypted with a key of its own, which
 * CloudTrail may use only for this trail, and written to a private bucket of its own that only this trail
 * may write to.
 */
export class AuditTrail extends Construct {
  readonly trailName: string;
  readonly trailArn: string;
  readonly bucketName: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const partition = partitionOf(props.region);
    // Built from the name, not taken from the trail: the key's and the bucket's policies need it, and the trail needs both.
    const trailArn = `arn:${partition}:cloudtrail:${props.region}:${props.accountId}:trail/${props.trailName}`;
    const fromThisTrail = { test: 'StringEquals', variable: 'aws:SourceArn', values: [trailArn] };

    const key = new EncryptionKey(this, 'key', {
      description: `CloudTrail trail ${props.trailName}`,
      alias: props.keyAlias,
      accountId: props.accountId,
      region: props.region,
      rotationPeriodDays: props.keyRotationPeriodDays,
      deletionWindowDays: props.keyDeletionWindowDays,
      serviceGrants: [
        {
          principal: 'cloudtrail.amazonaws.com',
          actions: ['kms:GenerateDataKey*'],
          conditions: [
            fromThisTrail,
            { test: 'StringLike', variable: 'kms:EncryptionContext:aws:cloudtrail:arn', values: [`arn:${partition}:cloudtrail:*:${props.accountId}:trail/*`] },
          ],
        },
        { principal: 'cloudtrail.amazonaws.com', actions: ['kms:DescribeKey'], conditions: [fromThisTrail] },
      ],
      preventDestroy: props.preventDestroy,
    });

    // Log files carry the trail's key (CloudTrail asks for it on every write); the bucket's default stays
    // SSE-S3, which is what CloudTrail writes digest files with.
    const bucket = new PrivateBucket(this, 'bucket', {
      bucketName: props.bucketName,
      tlsOnly: props.tlsOnly,
      expirationDays: props.retentionDays,
      forceDestroy: props.forceDestroy,
      preventDestroy: props.preventDestroy,
      policyStatements: (bucketArn) => [
        {
          sid: 'TrailChecksBucketAcl',
          principals: [{ type: 'Service', identifiers: ['cloudtrail.amazonaws.com'] }],
          actions: ['s3:GetBucketAcl'],
          resources: [bucketArn],
          condition: [fromThisTrail],
        },
        {
          sid: 'TrailWritesLogFiles',
          principals: [{ type: 'Service', identifiers: ['cloudtrail.amazonaws.com'] }],
          actions: ['s3:PutObject'],
          resources: [`${bucketArn}/AWSLogs/${props.accountId}/*`],
          condition: [fromThisTrail, { test: 'StringEquals', variable: 's3:x-amz-acl', values: ['bucket-owner-full-control'] }],
        },
      ],
    });
    if (!bucket.policy) throw new Error('the trail bucket must have a bucket policy');

    const trail = new Cloudtrail(this, 'trail', {
      name: props.trailName,
      s3BucketName: bucket.bucketName,
      kmsKeyId: key.keyArn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: props.logging ?? true,
      // CloudTrail checks at creation that the bucket policy lets it write.
      dependsOn: [bucket.policy],
    });

    this.trailName = trail.name;
    this.trailArn = trail.arn;
    this.bucketName = bucket.bucketName;
    this.keyArn = key.keyArn;
  }
}
