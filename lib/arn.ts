import { partitionOfRegion } from './aws-partitions';

/**
 * The AWS partition a region belongs to, for building ARNs at synth time without a data source: the SDK's
 * (`lib/aws-partitions.ts`), or for a region newer than the SDK data (allowed by a catalog exception), its
 * code's prefix.
 */
export function partitionOf(region: string): string {
  const known = partitionOfRegion(region);
  if (known) return known.id;
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** A regional service principal, e.g. `logs.eu-west-1.amazonaws.com` (`.amazonaws.com.cn` in China). */
export function regionalServicePrincipal(service: string, region: string): string {
  return `${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/**
 * The ARN of a CloudWatch Logs log group, built from its name (known at synth time), e.g. for a key policy
 * that lets CloudWatch Logs use a key for this log group only, before the log group exists.
 */
export function logGroupArn(region: string, accountId: string, logGroupName: string): string {
  return `arn:${partitionOf(region)}:logs:${region}:${accountId}:log-group:${logGroupName}`;
}

/**
 * The ARN of an RDS database from its identifier (known at synth time): an Aurora cluster's, or an
 * instance's. Written out, so that a policy naming it never waits on the database's own planned changes.
 */
export function databaseArn(region: string, accountId: string, aurora: boolean, identifier: string): string {
  return `arn:${partitionOf(region)}:rds:${region}:${accountId}:${aurora ? 'cluster' : 'db'}:${identifier}`;
}
