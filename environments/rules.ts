import { planSubnets, type SubnetPlan } from '../lib/subnet-plan';
import { dailyWindow, weeklyWindow } from './data-schema';
import { FARGATE_MEMORY_BY_CPU } from './service-schema';
import { defaultReplicaBucket, defaultStateBucket, type EnvironmentDraft } from './schema';
import { CATALOG } from './catalog';
import { catalogRules } from './catalog-rules';
import { failoverRules } from './failover-rules';
import { graphRules } from './graph-rules';
import { identityRules } from './identity-rules';
import { limitRules } from './limit-rules';
import { tierRules } from './tier-rules';
import { none, problem, type CrossFieldRule, type Problem } from './rule';


/** A switch that may be false only in an emulator environment, and why a real one needs it on. */
function emulatorOnlyOff(path: string[], isOn: (env: EnvironmentDraft) => boolean, why: string): CrossFieldRule {
  return {
    reads: ['emulator', path.join('.')],
    check: (env) => (!isOn(env) && env.emulator === undefined ? problem(path, `may be false only in an emulator environment: ${why}`) : none),
  };
}

const platformRules: CrossFieldRule[] = [
  {
    reads: ['region', 'drRegion'],
    check: (env) =>
      env.drRegion === env.region
        ? problem(['drRegion'], `must differ from region (${env.region}): a disaster-recovery copy in the same region survives nothing a region loses`)
        : none,
  },
  {
    reads: ['tier', 'network.natMode'],
    check: (env) =>
      env.tier === 'prod' && env.network.natMode !== 'per-az'
        ? problem(['network', 'natMode'], 'must be "per-az" for tier prod: a single NAT gateway makes one zone an outage for all')
        : none,
  },
  {
    reads: ['tier', 'network.azCount'],
    check: (env) =>
      env.network.azCount >= 2
        ? none
        : env.tier === 'prod'
          ? problem(['network', 'azCount'], 'must be at least 2 for tier prod')
          : problem(['network', 'azCount'], 'must be at least 2: RDS and ElastiCache subnet groups must span two zones'),
  },
  {
    reads: ['network.azCount', 'network.subnets.reservedAzCount'],
    check: (env) =>
      env.network.azCount > env.network.subnets.reservedAzCount
        ? problem(['network', 'azCount'], `is ${env.network.azCount}, more than network.subnets.reservedAzCount (${env.network.subnets.reservedAzCount}); raise the reservation (this renumbers subnets) or use fewer zones`)
        : none,
  },
  {
    reads: ['network.cidr', 'network.azCount', 'network.subnets'],
    check: (env) => {
      const { cidr, azCount, subnets } = env.network;
      if (azCount > subnets.reservedAzCount) return none; // the rule above reports it
      const plan = subnetPlanIn(cidr, env.network);
      return plan.fits
        ? none
        : problem(['network', 'subnets'], `need ${plan.needed} addresses (3 tiers x ${subnets.reservedAzCount} reserved zones) but ${cidr} has ${plan.available}; use longer subnet prefixes, fewer reserved zones or a larger CIDR`);
    },
  },
  {
    reads: ['network.availabilityZones', 'network.azCount'],
    check: (env) => {
      const zones = env.network.availabilityZones;
      return zones !== undefined && zones.length !== env.network.azCount
        ? problem(['network', 'availabilityZones'], `lists ${zones.length} zones but network.azCount is ${env.network.azCount}`)
        : none;
    },
  },
  {
    reads: ['network.availabilityZones', 'region'],
    check: (env) =>
      (env.network.availabilityZones ?? []).flatMap((zone, i, zones): Problem[] => {
        // Where the catalog lists the region's zones, catalog-rules.ts names the zones that exist instead.
        if (CATALOG.availabilityZones.values[env.region] === undefined && !new RegExp(`^${env.region}[a-z]$`).test(zone)) {
          return problem(['network', 'availabilityZones', i], `"${zone}" is not a zone of region ${env.region} (expected e.g. "${env.region}a")`);
        }
        return zones.indexOf(zone) !== i ? problem(['network', 'availabilityZones', i], `"${zone}" is listed twice`) : none;
      }),
  },
  // What only an emulator environment may turn off: each stands for an API the emulator lacks (README).
  emulatorOnlyOff(['buckets', 'tlsOnlyPolicy'], (env) => env.buckets.tlsOnlyPolicy, 'real buckets refuse plain HTTP'),
  emulatorOnlyOff(['observability', 'trail', 'logging'], (env) => env.observability.trail.logging, 'a trail that does not log audits nothing'),
  emulatorOnlyOff(['rotation', 'databasePasswordSchedule'], (env) => env.rotation.databasePasswordSchedule, 'the database password must rotate on the schedule set here'),
  emulatorOnlyOff(['backup', 'selectDatabase'], (env) => env.backup.selectDatabase, 'a plan that selects nothing backs up nothing'),
  emulatorOnlyOff(['observability', 'prometheus', 'customerKey'], (env) => env.observability.prometheus.customerKey, "the workspace's metrics must be encrypted with a key the environment controls"),
  emulatorOnlyOff(['observability', 'prometheus', 'alertManager'], (env) => env.observability.prometheus.alertManager, 'without it no GitOps alert reaches anyone'),
  emulatorOnlyOff(['graph', 'stableAddresses'], (env) => env.graph?.stableAddresses ?? true, 'a replaced node would come back at a new address, which its clients and members do not know'),
  emulatorOnlyOff(['graph', 'image', 'pipeline'], (env) => env.graph?.image.pipeline ?? true, 'without the pipeline the nodes never get a Neo4j image'),
  emulatorOnlyOff(['state', 'replica', 'enabled'], (env) => env.state.replica.enabled, 'without a replica the state is lost with the region, and nothing can be re-provisioned from it'),
  {
    reads: ['name', 'accountId', 'state.bucket', 'state.replica.bucket'],
    check: (env) => {
      const bucket = env.state.bucket ?? defaultStateBucket(env.name, env.accountId);
      const replica = env.state.replica.bucket;
      if (replica === undefined) {
        const fallback = defaultReplicaBucket(bucket);
        return fallback.length > 63 ? problem(['state', 'replica', 'bucket'], `must be set: the default "${fallback}" is ${fallback.length} characters, over S3's 63`) : none;
      }
      return replica === bucket ? problem(['state', 'replica', 'bucket'], 'must differ from state.bucket: a bucket cannot be its own replica') : none;
    },
  },
  {
    reads: ['tier', 'emulator'],
    check: (env) =>
      env.emulator !== undefined && env.tier !== 'dev'
        ? problem(['emulator'], `is only for tier dev; a ${env.tier} environment must deploy to real AWS`)
        : none,
  },
  {
    reads: ['database.engine', 'database.capacity'],
    check: (env) =>
      env.database.engine === 'aurora-postgresql' && env.database.capacity.minAcu > env.database.capacity.maxAcu
        ? problem(['database', 'capacity', 'minAcu'], `is ${env.database.capacity.minAcu}, more than database.capacity.maxAcu (${env.database.capacity.maxAcu})`)
        : none,
  },
  {
    reads: ['database.engine', 'tier', 'database.readers'],
    check: (env) =>
      env.tier === 'prod' && env.database.engine === 'aurora-postgresql' && env.database.readers < 1
        ? problem(['database', 'readers'], 'must be at least 1 for tier prod: without a reader in another zone the writer has nothing to fail over to')
        : none,
  },
  {
    reads: ['database.engine', 'tier', 'database.multiAz'],
    check: (env) =>
      env.tier === 'prod' && env.database.engine === 'postgres' && env.database.multiAz === false
        ? problem(['database', 'multiAz'], 'may not be false for tier prod: a single-zone database is down whenever its zone is')
        : none,
  },
  {
    reads: ['database.engine', 'database.allocatedStorageGiB', 'database.maxAllocatedStorageGiB'],
    check: (env) =>
      // RDS refuses a ceiling less than 10% above the allocation.
      env.database.engine === 'postgres' && env.database.maxAllocatedStorageGiB < minimumStorageCeiling(env.database.allocatedStorageGiB)
        ? problem(['database', 'maxAllocatedStorageGiB'], `is ${env.database.maxAllocatedStorageGiB}; RDS needs at least 10% above database.allocatedStorageGiB (${env.database.allocatedStorageGiB}), so ${minimumStorageCeiling(env.database.allocatedStorageGiB)} or more`)
        : none,
  },
  {
    reads: ['database.engine', 'database.restoreFromSnapshot'],
    check: (env) => {
      const arn = env.database.restoreFromSnapshot?.startsWith('arn:') ? env.database.restoreFromSnapshot : undefined;
      const kind = env.database.engine === 'aurora-postgresql' ? 'cluster-snapshot' : 'snapshot';
      return arn !== undefined && !arn.includes(`:${kind}:`)
        ? problem(['database', 'restoreFromSnapshot'], `must be a ${kind} ARN for engine ${env.database.engine}`)
        : none;
    },
  },
  {
    reads: ['database.engine', 'database.backup.window', 'database.maintenanceWindow'],
    check: (env) =>
      windowsOverlap(env.database.backup.window, env.database.maintenanceWindow)
        ? problem(['database', 'backup', 'window'], `overlaps database.maintenanceWindow (${env.database.maintenanceWindow}); RDS requires them apart`)
        : none,
  },
  {
    reads: ['cache.enabled', 'cache.snapshotWindow', 'cache.maintenanceWindow'],
    check: (env) =>
      env.cache.enabled && windowsOverlap(env.cache.snapshotWindow, env.cache.maintenanceWindow)
        ? problem(['cache', 'snapshotWindow'], `overlaps cache.maintenanceWindow (${env.cache.maintenanceWindow}); ElastiCache requires them apart`)
        : none,
  },
  {
    reads: ['tier', 'cache.enabled', 'cache.replicas'],
    check: (env) =>
      env.tier === 'prod' && env.cache.enabled && env.cache.replicas < 1
        ? problem(['cache', 'replicas'], 'must be at least 1 for tier prod: automatic failover and Multi-AZ need a replica')
        : none,
  },
];

/** The smallest storage autoscaling ceiling RDS accepts: 10% above the allocation, in whole GiB. */
function minimumStorageCeiling(allocatedGiB: number): number {
  return Math.ceil((allocatedGiB * 11) / 10);
}

/** The GitOps rules; each runs only for an environment with `gitops`. */
const gitopsRules: CrossFieldRule[] = [
  {
    reads: ['tier', 'gitops.automatedSync'],
    check: (env) =>
      env.tier === 'prod' && env.gitops?.automatedSync === true
        ? problem(['gitops', 'automatedSync'], 'may not be true for tier prod: prod syncs by hand, inside its change window')
        : none,
  },
  {
    reads: ['tier', 'gitops.cluster'],
    check: (env) =>
      env.tier === 'prod' && env.gitops?.cluster.kind === 'eks' && env.gitops.cluster.publicEndpoint
        ? problem(['gitops', 'cluster', 'publicEndpoint'], 'may not be true for tier prod: prod\'s API endpoint is private')
        : none,
  },
  {
    reads: ['gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return none;
      if (cluster.publicEndpoint && cluster.publicAccessCidrs.length === 0) {
        return problem(['gitops', 'cluster', 'publicAccessCidrs'], 'must list the address ranges allowed to the public endpoint');
      }
      if (!cluster.publicEndpoint && cluster.publicAccessCidrs.length > 0) {
        return problem(['gitops', 'cluster', 'publicAccessCidrs'], 'is set but gitops.cluster.publicEndpoint is false; turn the endpoint on or remove the ranges');
      }
      return cluster.publicAccessCidrs.includes('0.0.0.0/0')
        ? problem(['gitops', 'cluster', 'publicAccessCidrs'], 'may not include 0.0.0.0/0: the API endpoint is not for the whole internet')
        : none;
    },
  },
  {
    reads: ['gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return none;
      const { minSize, desiredSize, maxSize } = cluster.nodes;
      if (minSize > maxSize) return problem(['gitops', 'cluster', 'nodes', 'minSize'], `is ${minSize}, more than gitops.cluster.nodes.maxSize (${maxSize})`);
      return desiredSize < minSize || desiredSize > maxSize
        ? problem(['gitops', 'cluster', 'nodes', 'desiredSize'], `is ${desiredSize}, outside gitops.cluster.nodes' ${minSize} to ${maxSize}`)
        : none;
    },
  },
  {
    reads: ['tier', 'gitops.cluster', 'gitops.argocd'],
    check: (env) => {
      const gitops = env.gitops;
      const highAvailability = gitops?.argocd.highAvailability ?? env.tier === 'prod';
      return gitops?.cluster.kind === 'eks' && highAvailability && gitops.cluster.nodes.minSize < 3
        ? problem(['gitops', 'cluster', 'nodes', 'minSize'], `is ${gitops.cluster.nodes.minSize}; highly available ArgoCD needs 3 nodes (Redis HA spreads over three)`)
        : none;
    },
  },
  {
    reads: ['tier', 'gitops.syncWindows'],
    check: (env) =>
      env.tier === 'prod' && env.gitops?.syncWindows !== undefined && !env.gitops.syncWindows.some((w) => w.kind === 'allow')
        ? problem(['gitops', 'syncWindows'], 'must include an allow window for tier prod: its change window')
        : none,
  },
  {
    reads: ['tier', 'emulator', 'gitops'],
    check: (env) => (env.gitops && env.emulator ? problem(['gitops'], 'is not available with an emulator: no emulator runs Kubernetes') : none),
  },
];

const serviceRules: CrossFieldRule[] = [
  {
    reads: ['service.cpu', 'service.memoryMiB'],
    check: (env) => {
      const allowed = FARGATE_MEMORY_BY_CPU[env.service.cpu];
      return allowed.includes(env.service.memoryMiB)
        ? none
        : problem(['service', 'memoryMiB'], `is ${env.service.memoryMiB}; with service.cpu ${env.service.cpu} Fargate offers ${describeSizes(allowed)} MiB`);
    },
  },
  {
    reads: ['service.autoscaling.minTasks', 'service.autoscaling.maxTasks', 'service.desiredCount'],
    check: (env) => {
      const { minTasks, maxTasks } = env.service.autoscaling;
      const desired = env.service.desiredCount;
      if (minTasks > maxTasks) return problem(['service', 'autoscaling', 'minTasks'], `is ${minTasks}, more than service.autoscaling.maxTasks (${maxTasks})`);
      return desired !== undefined && (desired < minTasks || desired > maxTasks)
        ? problem(['service', 'desiredCount'], `is ${desired}, outside service.autoscaling's ${minTasks} to ${maxTasks} tasks`)
        : none;
    },
  },
  {
    reads: ['tier', 'service.autoscaling.minTasks'],
    check: (env) =>
      env.tier === 'prod' && env.service.autoscaling.minTasks < 2
        ? problem(['service', 'autoscaling', 'minTasks'], 'must be at least 2 for tier prod: one task is an outage whenever it or its zone fails')
        : none,
  },
  {
    reads: ['tier', 'service.loadBalancer.certificateArn'],
    check: (env) =>
      env.tier !== 'dev' && env.service.loadBalancer.certificateArn === undefined
        ? problem(['service', 'loadBalancer', 'certificateArn'], `is required for tier ${env.tier}: only tier dev may serve plain HTTP`)
        : none,
  },
  {
    reads: ['service.healthCheck'],
    check: (env) =>
      env.service.healthCheck.timeoutSeconds >= env.service.healthCheck.intervalSeconds
        ? problem(['service', 'healthCheck', 'timeoutSeconds'], `is ${env.service.healthCheck.timeoutSeconds}; it must be less than service.healthCheck.intervalSeconds (${env.service.healthCheck.intervalSeconds})`)
        : none,
  },
  {
    reads: ['service.deployment', 'service.autoscaling.minTasks', 'service.autoscaling.maxTasks'],
    check: (env) => {
      const { minimumHealthyPercent, maximumPercent } = env.service.deployment;
      const { minTasks, maxTasks } = env.service.autoscaling;
      const stalls = Array.from({ length: maxTasks - Math.max(1, minTasks) + 1 }, (_, i) => Math.max(1, minTasks) + i).find(
        (tasks) => !deploymentCanProgress(tasks, minimumHealthyPercent, maximumPercent),
      );
      return stalls === undefined
        ? none
        : problem(['service', 'deployment'], `cannot replace a task when the service runs ${stalls}: at most ${Math.floor((stalls * maximumPercent) / 100)} may run and at least ${Math.ceil((stalls * minimumHealthyPercent) / 100)} must stay healthy; lower minimumHealthyPercent or raise maximumPercent`);
    },
  },
];

/**
 * Whether ECS can roll `tasks` tasks: it may run up to floor(tasks x maximum%) and must keep
 * ceil(tasks x minimum healthy%), so it must be able to start one more or stop one first.
 */
function deploymentCanProgress(tasks: number, minimumHealthyPercent: number, maximumPercent: number): boolean {
  return Math.floor((tasks * maximumPercent) / 100) > tasks || Math.ceil((tasks * minimumHealthyPercent) / 100) < tasks;
}

/** "512, 1024 or 2048", or "2048 to 8192 in steps of 1024". */
function describeSizes(sizes: readonly number[]): string {
  return sizes.length <= 3 ? `${sizes.slice(0, -1).join(', ')} or ${sizes.at(-1)}` : `${sizes[0]} to ${sizes.at(-1)} in steps of ${sizes[1] - sizes[0]}`;
}

/** AWS Backup's own limits on a plan, and the vault lock's range. */
const backupRules: CrossFieldRule[] = [
  {
    reads: ['backup.rules'],
    check: (env) =>
      env.backup.rules.flatMap((rule, i, rules): Problem[] => {
        const first = rules.findIndex((other) => other.continuous);
        return rule.continuous && first < i ? problem(['backup', 'rules', i, 'continuous'], `is true in a second rule (as in rule ${first}); AWS Backup keeps one continuous backup of a database`) : none;
      }),
  },
  {
    reads: ['backup.rules'],
    check: (env) =>
      env.backup.rules.flatMap((rule, i, rules): Problem[] =>
        rules.findIndex((other) => other.name === rule.name) !== i ? problem(['backup', 'rules', i, 'name'], `"${rule.name}" names another rule too; rule names are unique in a plan`) : none,
      ),
  },
  {
    reads: ['backup.rules'],
    check: (env) =>
      env.backup.rules.flatMap((rule, i): Problem[] =>
        rule.completionWindowMinutes < rule.startWindowMinutes + 60
          ? problem(['backup', 'rules', i, 'completionWindowMinutes'], `is ${rule.completionWindowMinutes}; AWS Backup needs at least the start window plus 60 (${rule.startWindowMinutes + 60})`)
          : none,
      ),
  },
  {
    reads: ['backup.rules'],
    check: (env) =>
      env.backup.rules.flatMap((rule, i): Problem[] => {
        if (!rule.continuous) return none;
        if (rule.retentionDays > 35) return problem(['backup', 'rules', i, 'retentionDays'], `is ${rule.retentionDays}; continuous backups are kept at most 35 days`);
        return rule.coldStorageAfterDays !== undefined ? problem(['backup', 'rules', i, 'coldStorageAfterDays'], 'may not be set on a continuous backup: its recovery points never go to cold storage') : none;
      }),
  },
  {
    reads: ['backup.rules'],
    check: (env) =>
      env.backup.rules.flatMap((rule, i): Problem[] => {
        const cold = rule.coldStorageAfterDays;
        if (cold === undefined) return none;
        const tooShort = (['retentionDays', 'drRetentionDays'] as const).filter((field) => (rule[field] ?? rule.retentionDays) < cold + 90);
        return tooShort.map((field) => ({
          path: ['backup', 'rules', i, field],
          message: `is ${rule[field] ?? rule.retentionDays}; a recovery point in cold storage after ${cold} days must be kept at least 90 more, so ${cold + 90} or more`,
        }));
      }),
  },
  {
    reads: ['backup.rules', 'backup.vaultLock'],
    check: (env) => {
      const lock = env.backup.vaultLock;
      if (!lock) return none;
      if (lock.minRetentionDays > lock.maxRetentionDays) {
        return problem(['backup', 'vaultLock', 'minRetentionDays'], `is ${lock.minRetentionDays}, more than backup.vaultLock.maxRetentionDays (${lock.maxRetentionDays})`);
      }
      return env.backup.rules.flatMap((rule, i) =>
        (['retentionDays', 'drRetentionDays'] as const).flatMap((field): Problem[] => {
          const days = rule[field] ?? rule.retentionDays;
          return days < lock.minRetentionDays || days > lock.maxRetentionDays
            ? problem(['backup', 'rules', i, field], `is ${days}, outside the vault lock's ${lock.minRetentionDays} to ${lock.maxRetentionDays} days; the vault would refuse the recovery point`)
            : none;
        }),
      );
    },
  },
  {
    reads: ['backup.rules', 'database.engine', 'database.backup.retentionDays'],
    check: (env) =>
      env.backup.rules.flatMap((rule, i): Problem[] =>
        // Once AWS Backup manages a database's point-in-time recovery, RDS refuses any other retention on it.
        rule.continuous && rule.retentionDays !== env.database.backup.retentionDays
          ? problem(['backup', 'rules', i, 'retentionDays'], `is ${rule.retentionDays}; a continuous backup takes over the database's own point-in-time recovery, so it must equal database.backup.retentionDays (${env.database.backup.retentionDays}), or RDS refuses every later change of the database`)
          : none,
      ),
  },
];

const operationsRules: CrossFieldRule[] = [
  {
    reads: ['name', 'imports'],
    check: (env) =>
      env.imports.flatMap((entry, index) => {
        const stack = entry.resource.slice(0, entry.resource.indexOf('/'));
        if (!stack.endsWith(`-${env.name}`)) return problem(['imports', index, 'resource'], `names stack "${stack}", which is not a stack of ${env.name} ("<component>-${env.name}")`);
        return env.imports.findIndex((other) => other.resource === entry.resource) < index
          ? problem(['imports', index, 'resource'], `imports ${entry.resource} a second time: a resource adopts one existing object`)
          : none;
      }),
  },
  {
    reads: ['tier', 'observability.subscriptions'],
    check: (env) =>
      env.tier === 'prod' && env.observability.subscriptions.length === 0
        ? problem(['observability', 'subscriptions'], 'must name at least one subscriber for tier prod: an alarm nobody hears is no alarm')
        : none,
  },
  {
    reads: ['observability.evaluation'],
    check: (env) => {
      const { periods, datapointsToAlarm } = env.observability.evaluation;
      return datapointsToAlarm > periods
        ? problem(['observability', 'evaluation', 'datapointsToAlarm'], `is ${datapointsToAlarm}, more than observability.evaluation.periods (${periods}): an alarm cannot see more datapoints than it evaluates`)
        : none;
    },
  },
  {
    reads: ['tier', 'policy.waivers'],
    check: (env) =>
      env.tier === 'prod' && env.policy.waivers.length > 0
        ? problem(['policy', 'waivers'], 'must be empty for tier prod: prod passes every policy rule')
        : none,
  },
];

/** The subnets of a network laid out as `network` says, in `cidr` (the primary's, or the standby's). */
export function subnetPlanIn(cidr: string, network: EnvironmentDraft['network']): SubnetPlan {
  const { azCount, subnets } = network;
  return planSubnets({
    vpcCidr: cidr,
    azCount,
    reservedAzCount: subnets.reservedAzCount,
    prefixLengths: { public: subnets.publicPrefixLength, private: subnets.privatePrefixLength, isolated: subnets.isolatedPrefixLength },
  });
}

export const crossFieldRules: readonly CrossFieldRule[] = [
  ...platformRules,
  ...catalogRules,
  ...limitRules,
  ...identityRules,
  ...failoverRules,
  ...graphRules,
  ...tierRules,
  ...gitopsRules,
  ...serviceRules,
  ...backupRules,
  ...operationsRules,
];

/** True when a daily window, repeated every day of the week, meets a weekly window. */
function windowsOverlap(daily: string, weekly: string): boolean {
  const [start, end] = dailyWindow(daily)!;
  const [weekStart, weekEnd] = weeklyWindow(weekly)!;
  // The weekly window may wrap past Saturday into the next week, so check every day of two weeks (and the day before).
  for (let day = -1; day < 14; day++) {
    if (day * 24 * 60 + start < weekEnd && weekStart < day * 24 * 60 + end) return true;
  }
  return false;
}
