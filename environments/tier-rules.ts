import { none, problem, type CrossFieldRule } from './rule';
import type { EnvironmentDraft } from './schema';
import { tierRank, type Tier } from './tiers';

/**
 * What AWS accepts but staging and prod must not run: settings that can stop every task at once, or leave
 * data without a way back. And the tier itself: a name that says prod is held to prod's protections.
 */

/** The tier an environment's name claims, by the words platform teams use for it. */
export function tierNamed(name: string): Tier | undefined {
  // `prod2`, `stg-eu`: a number after the word is an instance of the tier, not another word.
  const words = name.split('-').map((word) => word.replace(/\d+$/, ''));
  if (words.some((word) => ['staging', 'stage', 'stg', 'preprod', 'uat'].includes(word))) return 'staging';
  if (words.some((word) => ['prod', 'production', 'prd', 'live'].includes(word))) return 'prod';
  return undefined;
}

const atLeast = (env: EnvironmentDraft, tier: Tier) => tierRank(env.tier) >= tierRank(tier);

export const tierRules: CrossFieldRule[] = [
  {
    reads: ['name', 'tier', 'weakerTierReason'],
    check: (env) => {
      const named = tierNamed(env.name);
      const weaker = named !== undefined && !atLeast(env, named);
      if (weaker && env.weakerTierReason === undefined) {
        return problem(['tier'], `is ${env.tier}, but the name "${env.name}" says ${named}, whose protections (deletion protection, prevent_destroy, reviews) the tier decides; use tier ${named}, or say why in weakerTierReason`);
      }
      if (weaker || env.weakerTierReason === undefined) return none;
      return problem(['weakerTierReason'], named === undefined ? `is set, but the name "${env.name}" says no tier; remove it` : `is set, but tier ${env.tier} is not weaker than the ${named} the name "${env.name}" says; remove it`);
    },
  },
  {
    reads: ['tier', 'service.deployment'],
    check: (env) =>
      atLeast(env, 'staging') && env.service.deployment.minimumHealthyPercent === 0
        ? problem(['service', 'deployment', 'minimumHealthyPercent'], `may not be 0 for tier ${env.tier}: a deployment could then stop every task at once`)
        : none,
  },
  {
    // desiredCount lies between minTasks and maxTasks (rules.ts), so a floor above 0 keeps it above 0 too.
    reads: ['tier', 'service.autoscaling.minTasks'],
    check: (env) =>
      atLeast(env, 'staging') && env.service.autoscaling.minTasks === 0
        ? problem(['service', 'autoscaling', 'minTasks'], `may not be 0 for tier ${env.tier}: the service could scale to no task`)
        : none,
  },
  {
    reads: ['tier', 'database.engine', 'database.capacity'],
    check: (env) =>
      env.tier === 'prod' && env.database.engine === 'aurora-postgresql' && env.database.capacity.minAcu === 0
        ? problem(['database', 'capacity', 'minAcu'], 'may not be 0 for tier prod: a paused database takes seconds to resume, and the first requests after a quiet spell fail')
        : none,
  },
  {
    reads: ['tier', 'backup.vaultLock'],
    check: (env) =>
      env.tier === 'dev' && env.backup.vaultLock?.changeableForDays !== undefined
        ? problem(['backup', 'vaultLock', 'changeableForDays'], 'may not be set for tier dev: a compliance lock can never be lifted, so the dev vaults and their recovery points could never be deleted')
        : none,
  },
  {
    reads: ['tier', 'gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      return atLeast(env, 'staging') && cluster?.kind === 'existing' && /^(~|\/home\/|\/Users\/)/.test(cluster.kubeconfigPath)
        ? problem(['gitops', 'cluster', 'kubeconfigPath'], `is ${cluster.kubeconfigPath}, a home directory's file, for tier ${env.tier}: the deploy runs in CI, which has no such file; name the runner's kubeconfig`)
        : none;
    },
  },
  {
    // What prod must be able to look back on, and undo.
    reads: ['tier', 'kms', 'observability.trail', 'observability.prometheus.logRetentionDays', 'network.flowLogs'],
    check: (env) => {
      if (env.tier !== 'prod') return none;
      return [
        ...(env.kms.deletionWindowDays < 30 ? problem(['kms', 'deletionWindowDays'], `is ${env.kms.deletionWindowDays}; tier prod keeps a deleted key 30 days, the longest AWS allows, so a deletion by mistake can be cancelled`) : none),
        ...(env.observability.trail.retentionDays < 365 ? problem(['observability', 'trail', 'retentionDays'], `is ${env.observability.trail.retentionDays}; tier prod keeps its audit trail at least 365 days`) : none),
        ...((env.observability.prometheus.logRetentionDays ?? 365) < 365
          ? problem(['observability', 'prometheus', 'logRetentionDays'], `is ${env.observability.prometheus.logRetentionDays}; tier prod keeps logs at least 365 days (the policy gate's GW-LOGS-03)`)
          : none),
        ...(env.network.flowLogs.retentionDays < 90 ? problem(['network', 'flowLogs', 'retentionDays'], `is ${env.network.flowLogs.retentionDays}; tier prod keeps flow logs at least 90 days, long enough to look into an incident found late`) : none),
      ];
    },
  },
  {
    reads: ['tier', 'cache.enabled', 'cache.snapshotRetentionDays'],
    check: (env) =>
      env.tier === 'prod' && env.cache.enabled && env.cache.snapshotRetentionDays === 0
        ? problem(['cache', 'snapshotRetentionDays'], 'may not be 0 for tier prod: a cache without snapshots is lost with its nodes')
        : none,
  },
  {
    reads: ['tier', 'database.backup.retentionDays'],
    check: (env) =>
      env.tier === 'prod' && env.database.backup.retentionDays < 7
        ? problem(['database', 'backup', 'retentionDays'], `is ${env.database.backup.retentionDays}; tier prod keeps automated backups at least 7 days, so a problem found after a weekend can still be undone`)
        : none,
  },
];
