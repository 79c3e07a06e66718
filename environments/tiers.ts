/** How much an environment matters, weakest first: several defaults and rules are computed from it. */
export const TIERS = ['dev', 'staging', 'prod'] as const;
export type Tier = (typeof TIERS)[number];

/** A tier's place in that order, which is also the order a release moves through them. */
export const tierRank = (tier: Tier): number => TIERS.indexOf(tier);
