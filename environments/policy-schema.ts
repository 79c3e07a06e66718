import { z } from 'zod';

/** What the policy gate (`npm run policy`) lets this environment off, each case stated and explained. */

const WaiverSchema = z.strictObject({
  /** The rule's id, e.g. `GW-S3-01`. */
  rule: z.string().regex(/^GW-[A-Z0-9]+-\d{2}$/, 'must be a Groundwork policy rule id such as "GW-S3-01"'),
  /** The resource's path as the gate prints it: `<stack>/<construct path>`, e.g. `service-dev/load-balancer/load-balancer`. */
  resource: z.string().regex(/^[a-z0-9-]+\/\S+$/, 'must be a resource path as the policy gate prints it, "<stack>/<construct path>"'),
  /** Why this resource may break the rule here; printed on every run. */
  reason: z.string().min(20, 'must explain the waiver in at least 20 characters'),
});

export const PolicySchema = z.strictObject({
  /** Rule failures this environment accepts. Tier prod may have none. @default [] */
  waivers: z.array(WaiverSchema).default([]),
});
