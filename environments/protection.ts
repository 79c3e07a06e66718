import type { Tier } from './schema';

/** What each tier is protected against. The one place these decisions are made. */
export interface Protection {
  /** Terraform refuses any plan that destroys a stateful resource (`prevent_destroy`). */
  readonly preventDestroy: boolean;
}

const PROTECTION: Record<Tier, Protection> = {
  dev: { preventDestroy: false },
  staging: { preventDestroy: true },
  prod: { preventDestroy: true },
};

export function protectionFor(tier: Tier): Protection {
  return PROTECTION[tier];
}
