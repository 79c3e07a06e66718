import { z } from 'zod';
import { awsRegion, vpcCidr } from './fields';

const dnsName = z
  .string()
  .max(253)
  .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lowercase DNS name such as "app.example.com", with no trailing dot');

/** Route 53 failover records: the primary's load balancer while its health check passes, else the standby's. */
const Route53RoutingSchema = z.strictObject({
  kind: z.literal('route53'),
  /** The public hosted zone the records go in (`Z` and up to 31 letters and digits). */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"'),
  /**
   * The zone's name as Route 53 shows it, without the trailing dot ("example.com"). Route 53 takes a record
   * only inside its zone: synth checks `recordName` against it, and the plan checks it against the zone id.
   */
  zoneName: dnsName,
  /** The name users reach the service by, inside that zone, such as "app.example.com". */
  recordName: dnsName,
  /** Consecutive failed checks before Route 53 calls a region unhealthy (1 to 10). @default 3 */
  failureThreshold: z.number().int().min(1).max(10).default(3),
  /** Seconds between Route 53's checks: 10 (fast, billed extra) or 30. @default 30 */
  requestIntervalSeconds: z.literal([10, 30], { error: 'must be 10 or 30: the only intervals Route 53 checks at' }).default(30),
});

/** A Global Accelerator: two static anycast addresses, an endpoint group per region, traffic moved by dials. */
const AcceleratorRoutingSchema = z.strictObject({
  kind: z.literal('global-accelerator'),
  /** Seconds between the accelerator's checks of each load balancer: 10 or 30. @default 30 */
  healthCheckIntervalSeconds: z.literal([10, 30], { error: 'must be 10 or 30: the only intervals Global Accelerator checks at' }).default(30),
  /** Consecutive checks that make a load balancer healthy or unhealthy (1 to 10). @default 3 */
  thresholdCount: z.number().int().min(1).max(10).default(3),
});

/**
 * A standby of the environment in a second region, built by the same stacks through a provider for that
 * region (`standby_<component>-<env>`): its network, database (an Aurora global database's secondary or a
 * cross-region replica), cache and service, with traffic routed to it by `routing-<env>`.
 */
export const FailoverSchema = z.strictObject({
  /** The standby's region: in the primary's partition, apart from `region`. @default - drRegion */
  region: awsRegion.optional(),
  /**
   * The standby's VPC, laid out as the primary's is (`network.azCount` zones, the same NAT mode, subnet sizes
   * and flow logs), in the region's first zones.
   */
  network: z.strictObject({
    /**
     * The standby VPC's IPv4 CIDR block, /16 to /24, private, apart from the primary's and every other
     * environment's, so the two regions can be peered. Changing it replaces the standby's VPC.
     */
    cidr: vpcCidr,
  }),
  /**
   * `pilot-light`: the standby's service exists with no task until a failover starts them (cheapest, the
   * slowest to take traffic). `warm-standby`: it runs `standbyTasks` tasks all the time, scaled to the
   * primary's size by a failover. @default 'pilot-light'
   */
  mode: z.enum(['pilot-light', 'warm-standby']).default('pilot-light'),
  /** Tasks a warm standby runs before a failover (mode `warm-standby` only). @default 1 */
  standbyTasks: z.number().int().min(1).max(1000).optional(),
  /**
   * ACM certificate in the failover region for the standby's HTTPS listener: required when the primary has
   * one (`service.loadBalancer.certificateArn`), as a load balancer takes certificates of its own region only.
   * @default - none: plain HTTP, as the primary
   */
  certificateArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/, 'must be an ACM certificate ARN')
    .optional(),
  /** How users' traffic reaches whichever region serves: Route 53 failover records or a Global Accelerator. */
  routing: z.discriminatedUnion('kind', [Route53RoutingSchema, AcceleratorRoutingSchema]),
});

export type FailoverRouting = z.output<typeof FailoverSchema>['routing'];
