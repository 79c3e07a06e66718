import { z } from 'zod';
import { isPrivateCidr, parseCidr } from '../lib/ipv4';

/** Field schemas more than one part of the configuration uses. */

/** Retention periods that CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Days a CloudWatch log group keeps records: one of the periods CloudWatch Logs accepts. */
export const logRetentionDays = z
  .number()
  .int()
  .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
    message: `must be one of the retention periods CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}`,
  });

/** An IPv4 CIDR block in canonical form with no host bits set; any range, public or private. */
export const ipv4Block = z.string().refine((value) => parseCidr(value)?.aligned === true, 'must be an IPv4 CIDR block with no host bits set, such as "203.0.113.0/24"');

/** The shape of a region code; that the region exists is checked against the AWS SDK's data (`catalog-rules.ts`). */
export const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be a region code of the aws, aws-cn or aws-us-gov partition, such as "eu-west-1"');

/** A VPC's IPv4 CIDR block: /16 to /24, aligned, in a private range. */
export const vpcCidr = z.string().superRefine((value, ctx) => {
  const cidr = parseCidr(value);
  const problem = !cidr
    ? 'must be an IPv4 CIDR block such as "10.20.0.0/16"'
    : cidr.prefix < 16 || cidr.prefix > 24
      ? 'must have a prefix length from /16 (the largest VPC AWS allows) to /24'
      : !cidr.aligned
        ? 'must be a network address: the host bits after the prefix must be zero (e.g. "10.20.0.0/16", not "10.20.1.0/16")'
        : !isPrivateCidr(value)
          ? 'must lie in a private range (RFC 1918: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)'
          : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** A Helm chart version, exact: a range would let a new chart in without review. */
export const helmChartVersion = z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact chart version such as "8.3.9": charts are pinned');

/** A namespace of Groundwork's own on the cluster, not one of Kubernetes' system namespaces; `owner` names whose it is. */
export function ownNamespace(owner: string) {
  return z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name')
    .refine((namespace) => !['default', 'kube-system', 'kube-public', 'kube-node-lease'].includes(namespace), `must be ${owner} own namespace, not one of Kubernetes' (default, kube-system, kube-public, kube-node-lease)`);
}
