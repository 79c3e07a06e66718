import { z } from 'zod';
import { parseCidr } from '../lib/ipv4';

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
