import type { Environment, Tier } from './schema';

/** What each tier is protected against. The one place these decisions are made. */
export interface Protection {
  /** Terraform refuses any plan that destroys the state bucket or a key (`prevent_destroy`). */
  readonly preventDestroy: boolean;
  /** Days a deleted secret can still be restored. */
  readonly secretRecoveryWindowDays: number;
  /** How the database and the cache are guarded. */
  readonly data: DataProtection;
  /** The AWS API itself refuses to delete the load balancer (ALB deletion protection). */
  readonly loadBalancerDeletionProtection: boolean;
}

export interface DataProtection {
  /** The AWS API itself refuses to delete the database (RDS deletion protection). */
  readonly deletionProtection: boolean;
  /** Deleting the database or cache takes a final snapshot first. */
  readonly finalSnapshot: boolean;
  /** Terraform refuses any plan that destroys the database, the cache or the key their snapshots need. */
  readonly preventDestroy: boolean;
}

const PROTECTION: Record<Tier, Protection> = {
  dev: {
    preventDestroy: false,
    secretRecoveryWindowDays: 7,
    data: { deletionProtection: false, finalSnapshot: false, preventDestroy: false },
    loadBalancerDeletionProtection: false,
  },
  // A rehearsal of prod: the AWS API refuses to delete its database and load balancer too (the policy
  // gate's GW-RDS-02 and GW-ALB-05); a deliberate teardown turns the protection off in a plan first.
  staging: {
    preventDestroy: true,
    secretRecoveryWindowDays: 30,
    data: { deletionProtection: true, finalSnapshot: true, preventDestroy: false },
    loadBalancerDeletionProtection: true,
  },
  prod: {
    preventDestroy: true,
    secretRecoveryWindowDays: 30,
    data: { deletionProtection: true, finalSnapshot: true, preventDestroy: true },
    loadBalancerDeletionProtection: true,
  },
};

/**
 * An environment's protection: its tier's, except that an emulator environment is thrown away whole, so
 * its deleted secrets go at once and a re-run (the DR drill) can make them again under the same names.
 */
export function protectionFor(env: Pick<Environment, 'tier' | 'emulator'>): Protection {
  const protection = PROTECTION[env.tier];
  return env.emulator ? { ...protection, secretRecoveryWindowDays: 0 } : protection;
}
