import { z } from 'zod';
import { awsRegion, vpcCidr } from './fields';

/**
 * A standby of the environment in a second region, built by the same stacks through a provider for that
 * region (`standby_<component>-<env>`). What the standby holds grows with the failover work
 * (README, "Region failover"): today its network, and copies of the shared secrets and of the images.
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
});
