import { blockSize, formatCidr, parseCidr } from './ipv4';

export const SUBNET_TIERS = ['public', 'private', 'isolated'] as const;
export type SubnetTier = (typeof SUBNET_TIERS)[number];

export interface SubnetPlanInput {
  /** The VPC's CIDR block. */
  readonly vpcCidr: string;
  /** Zones that get subnets now. */
  readonly azCount: number;
  /** Zones each tier reserves address space for, so a later zone never renumbers existing subnets. */
  readonly reservedAzCount: number;
  /** Prefix length of one subnet of each tier. */
  readonly prefixLengths: Readonly<Record<SubnetTier, number>>;
}

export type SubnetPlan =
  | { readonly fits: true; readonly cidrs: Readonly<Record<SubnetTier, readonly string[]>> }
  | { readonly fits: false; readonly needed: number; readonly available: number };

/**
 * Lays the subnets out inside the VPC: tiers with larger subnets first (so no block needs padding to align),
 * each tier taking `reservedAzCount` consecutive slots of which the first `azCount` are used. The same input
 * always gives the same CIDRs.
 */
export function planSubnets(input: SubnetPlanInput): SubnetPlan {
  const vpc = parseCidr(input.vpcCidr);
  if (!vpc?.aligned) throw new Error(`not an IPv4 network address: ${input.vpcCidr}`);
  if (input.azCount > input.reservedAzCount) {
    throw new Error(`${input.azCount} zones do not fit in the ${input.reservedAzCount} reserved for each tier`);
  }
  const order = [...SUBNET_TIERS].sort((a, b) => input.prefixLengths[a] - input.prefixLengths[b]);
  const cidrs: Record<SubnetTier, string[]> = { public: [], private: [], isolated: [] };
  let offset = 0;
  for (const tier of order) {
    const prefix = input.prefixLengths[tier];
    const size = blockSize(prefix);
    offset = Math.ceil(offset / size) * size;
    for (let slot = 0; slot < input.reservedAzCount; slot++) {
      if (slot < input.azCount) cidrs[tier].push(formatCidr(vpc.base + offset, prefix));
      offset += size;
    }
  }
  const available = blockSize(vpc.prefix);
  if (offset > available) return { fits: false, needed: offset, available };
  return { fits: true, cidrs };
}
