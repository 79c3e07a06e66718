import { distance } from 'fastest-levenshtein';
import { awsPartitions, GROUNDWORK_PARTITIONS, partitionOfRegion } from '../lib/aws-partitions';
import { CATALOG, type CatalogList } from './catalog';
import { none, problem, type CrossFieldRule, type Problem } from './rule';
import type { EnvironmentDraft } from './schema';

/**
 * Values must exist in AWS, not only look right: each catalog-checked field is compared with the catalog
 * (`catalog.ts`) or, for regions, with the AWS SDK's region data. A value outside it fails with the nearest
 * values that exist. A value AWS added after the catalog was read is allowed by a `catalogExceptions` entry
 * in the environment's own file, so the catalog never blocks anyone and every exception is seen in review.
 */

/** The fields whose values the catalog checks, as `catalogExceptions` names them. */
export const CATALOG_FIELDS = [
  'region',
  'drRegion',
  'failover.region',
  'network.availabilityZones',
  'database.engineVersion',
  'database.instanceClass',
  'cache.engineVersion',
  'cache.nodeType',
  'gitops.cluster.kubernetesVersion',
  'gitops.cluster.nodes.instanceTypes',
  'gitops.cluster.nodes.amiType',
  'graph.instanceType',
  'gitops.argocd.chartVersion',
  'gitops.argocd.appsChartVersion',
] as const;
type CatalogField = (typeof CATALOG_FIELDS)[number];

/** One configured value of a catalog-checked field, and what the catalog offers for it. */
interface CatalogLookup {
  readonly field: CatalogField;
  /** Where the value is reported: the field, an element of it, or the field that made a default. */
  readonly path: (string | number)[];
  readonly value: string;
  /** What the value should be, for the message: "an Aurora PostgreSQL version". */
  readonly what: string;
  /** The values that exist; undefined when the catalog has nothing to compare with (a new region's zones). */
  readonly offered: readonly string[] | undefined;
  /** Where `offered` comes from, for the message. */
  readonly source: string;
}

const catalogSource = (list: CatalogList<unknown>) => `catalog.ts, read ${list.readOn} from ${list.source}`;
const SDK_SOURCE = "the AWS SDK's region data (@aws-sdk/core)";

function supportedRegions(): string[] {
  return awsPartitions()
    .filter((partition) => (GROUNDWORK_PARTITIONS as readonly string[]).includes(partition.id))
    .flatMap((partition) => partition.regions);
}

/** The catalog-checked values of some fields, with what exists for each; `reads` as a rule's. */
interface LookupGroup {
  readonly reads: readonly string[];
  readonly find: (env: EnvironmentDraft) => CatalogLookup[];
}

const LOOKUP_GROUPS: readonly LookupGroup[] = [
  {
    reads: ['region', 'drRegion'],
    find: (env) =>
      (['region', 'drRegion'] as const).map((field) => ({ field, path: [field], value: env[field], what: 'a region of the aws, aws-cn or aws-us-gov partition', offered: supportedRegions(), source: SDK_SOURCE })),
  },
  {
    reads: ['failover.region'],
    find: (env) => {
      const region = env.failover?.region;
      return region === undefined ? [] : [{ field: 'failover.region', path: ['failover', 'region'], value: region, what: 'a region of the aws, aws-cn or aws-us-gov partition', offered: supportedRegions(), source: SDK_SOURCE }];
    },
  },
  {
    reads: ['region', 'network.availabilityZones'],
    find: (env) =>
      (env.network.availabilityZones ?? []).map((zone, i) => ({
        field: 'network.availabilityZones',
        path: ['network', 'availabilityZones', i],
        value: zone,
        what: `an availability zone of ${env.region}`,
        offered: CATALOG.availabilityZones.values[env.region],
        source: catalogSource(CATALOG.availabilityZones),
      })),
  },
  {
    reads: ['database.engine', 'database.engineVersion', 'database.instanceClass'],
    find: (env) => {
      const database = env.database;
      const aurora = database.engine === 'aurora-postgresql';
      const versions = aurora ? CATALOG.auroraPostgresqlVersions : CATALOG.rdsPostgresqlVersions;
      // A major version alone is valid whenever AWS offers a minor of it: AWS picks the newest.
      const majors = [...new Set(versions.values.map((version) => version.split('.')[0]))];
      const found: CatalogLookup[] = [
        { field: 'database.engineVersion', path: ['database', 'engineVersion'], value: database.engineVersion, what: `${aurora ? 'an Aurora PostgreSQL' : 'an RDS for PostgreSQL'} version`, offered: [...majors, ...versions.values], source: catalogSource(versions) },
      ];
      if (database.engine === 'postgres') {
        const classes = CATALOG.rdsPostgresqlInstanceClasses;
        found.push({ field: 'database.instanceClass', path: ['database', 'instanceClass'], value: database.instanceClass, what: 'a DB instance class RDS for PostgreSQL offers', offered: classes.values, source: catalogSource(classes) });
      }
      return found;
    },
  },
  {
    reads: ['cache.enabled', 'cache.engineVersion', 'cache.nodeType'],
    find: (env) => {
      if (!env.cache.enabled) return [];
      const { valkeyVersions, elasticacheNodeTypes } = CATALOG;
      return [
        { field: 'cache.engineVersion', path: ['cache', 'engineVersion'], value: env.cache.engineVersion, what: 'a Valkey version ElastiCache offers', offered: valkeyVersions.values, source: catalogSource(valkeyVersions) },
        { field: 'cache.nodeType', path: ['cache', 'nodeType'], value: env.cache.nodeType, what: 'an ElastiCache node type for Valkey', offered: elasticacheNodeTypes.values, source: catalogSource(elasticacheNodeTypes) },
      ];
    },
  },
  {
    reads: ['gitops.cluster'],
    find: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return [];
      const { eksKubernetesVersions, ec2InstanceArchitectures, eksAmiTypes } = CATALOG;
      return [
        { field: 'gitops.cluster.kubernetesVersion', path: ['gitops', 'cluster', 'kubernetesVersion'], value: cluster.kubernetesVersion, what: 'a Kubernetes version EKS offers', offered: eksKubernetesVersions.values, source: catalogSource(eksKubernetesVersions) },
        ...cluster.nodes.instanceTypes.map((type, i): CatalogLookup => ({
          field: 'gitops.cluster.nodes.instanceTypes',
          path: ['gitops', 'cluster', 'nodes', 'instanceTypes', i],
          value: type,
          what: 'an EC2 instance type for EKS nodes',
          offered: Object.keys(ec2InstanceArchitectures.values),
          source: catalogSource(ec2InstanceArchitectures),
        })),
        { field: 'gitops.cluster.nodes.amiType', path: ['gitops', 'cluster', 'nodes', 'amiType'], value: cluster.nodes.amiType, what: 'an EKS node AMI type', offered: Object.keys(eksAmiTypes.values), source: catalogSource(eksAmiTypes) },
      ];
    },
  },
  {
    reads: ['graph.instanceType'],
    find: (env) => {
      if (!env.graph) return [];
      const { ec2InstanceArchitectures } = CATALOG;
      return [
        { field: 'graph.instanceType', path: ['graph', 'instanceType'], value: env.graph.instanceType, what: 'an EC2 instance type', offered: Object.keys(ec2InstanceArchitectures.values), source: catalogSource(ec2InstanceArchitectures) },
      ];
    },
  },
  {
    reads: ['gitops.argocd'],
    find: (env) => {
      const argocd = env.gitops?.argocd;
      if (!argocd) return [];
      const { argoCdChartVersions, argoCdAppsChartVersions } = CATALOG;
      return [
        { field: 'gitops.argocd.chartVersion', path: ['gitops', 'argocd', 'chartVersion'], value: argocd.chartVersion, what: 'a version of the argo-cd Helm chart', offered: argoCdChartVersions.values, source: catalogSource(argoCdChartVersions) },
        { field: 'gitops.argocd.appsChartVersion', path: ['gitops', 'argocd', 'appsChartVersion'], value: argocd.appsChartVersion, what: 'a version of the argocd-apps Helm chart', offered: argoCdAppsChartVersions.values, source: catalogSource(argoCdAppsChartVersions) },
      ];
    },
  },
];

/** Whether the value of a catalog-checked field is one AWS offers, or one the environment allows. */
function offeredOrExcepted(env: EnvironmentDraft, field: CatalogField, value: string): boolean {
  const lookup = LOOKUP_GROUPS.flatMap((group) => group.find(env)).find((candidate) => candidate.field === field && candidate.value === value);
  return lookup === undefined || lookup.offered === undefined || lookup.offered.includes(value) || excepted(env, field, value);
}

/**
 * True when the environment's own file allows this value of this field. A region of a partition
 * Groundwork does not build for is never allowed: it is not missing from the data, it is unsupported.
 */
function excepted(env: EnvironmentDraft, field: CatalogField, value: string): boolean {
  if (unsupportedPartition(field, value)) return false;
  return env.catalogExceptions.some((exception) => exception.field === field && exception.value === value);
}

/** The partition of a region the SDK knows outside the partitions Groundwork builds for. */
function unsupportedPartition(field: CatalogField, value: string): string | undefined {
  if (field !== 'region' && field !== 'drRegion' && field !== 'failover.region') return undefined;
  const partition = partitionOfRegion(value)?.id;
  return partition !== undefined && !(GROUNDWORK_PARTITIONS as readonly string[]).includes(partition) ? partition : undefined;
}

/** Up to three offered values nearest the given one: by number for versions, by spelling otherwise. */
export function nearest(value: string, offered: readonly string[], count = 3): string[] {
  const isVersion = (text: string) => /^\d+(\.\d+)*$/.test(text);
  const parts = (version: string) => version.split('.').map(Number);
  // A version's distance part by part (major first), then the newer of two equally near; a name's by spelling.
  const score = (candidate: string): number[] => {
    if (!isVersion(value) || !isVersion(candidate)) return [distance(value.toLowerCase(), candidate.toLowerCase())];
    const [wanted, offer] = [parts(value), parts(candidate)];
    const length = Math.max(wanted.length, offer.length);
    return [...Array.from({ length }, (_, i) => Math.abs((wanted[i] ?? 0) - (offer[i] ?? 0))), offer.length === wanted.length ? 0 : 1, ...offer.map((part) => -part)];
  };
  return [...offered]
    .map((candidate) => ({ candidate, score: score(candidate) }))
    .sort((x, y) => x.score.reduce((order, part, i) => order || part - (y.score[i] ?? 0), 0) || x.candidate.localeCompare(y.candidate))
    .slice(0, count)
    .map(({ candidate }) => candidate);
}

function notOffered(lookup: CatalogLookup): Problem {
  const { field, value, what, offered, source } = lookup;
  const partition = unsupportedPartition(field, value);
  if (partition) {
    return { path: lookup.path, message: `"${value}" is a region of the ${partition} partition; Groundwork builds ARNs and service principals for ${GROUNDWORK_PARTITIONS.join(', ')} only` };
  }
  return {
    path: lookup.path,
    message:
      `"${value}" is not ${what} (${source}); nearest: ${nearest(value, offered ?? []).join(', ')}. ` +
      `If AWS has added it since, allow it in this environment's file: catalogExceptions: [{ field: '${field}', value: '${value}' }]`,
  };
}

/**
 * The first version that has the feature, when `version` comes before it: the table names the first
 * "major.minor" of each major that has it; a major older than every one in the table has it in none.
 */
function belowMinimum(version: string, minimums: Readonly<Record<string, string>>): string | undefined {
  const [major, minor] = version.split('.');
  const first = minimums[major];
  if (first === undefined) {
    const oldest = Object.values(minimums).sort((a, b) => Number(a.split('.')[0]) - Number(b.split('.')[0]))[0];
    return Number(major) < Number(oldest.split('.')[0]) ? oldest : undefined;
  }
  return minor !== undefined && Number(minor) < Number(first.split('.')[1]) ? first : undefined;
}

export const catalogRules: CrossFieldRule[] = [
  ...LOOKUP_GROUPS.map(
    (group): CrossFieldRule => ({
      reads: [...group.reads, 'catalogExceptions'],
      check: (env) =>
        group
          .find(env)
          .filter((lookup) => lookup.offered !== undefined && !lookup.offered.includes(lookup.value) && !excepted(env, lookup.field, lookup.value))
          .map(notOffered),
    }),
  ),
  {
    // The default zones are the region's first `azCount` letters: each must exist there.
    reads: ['region', 'network.azCount', 'network.availabilityZones'],
    check: (env) => {
      const zones = CATALOG.availabilityZones.values[env.region];
      if (env.network.availabilityZones !== undefined || zones === undefined || env.network.azCount <= zones.length) return none;
      return problem(['network', 'azCount'], `is ${env.network.azCount}, but ${env.region} has ${zones.length} availability zones (${zones.join(', ')}; ${catalogSource(CATALOG.availabilityZones)})`);
    },
  },
  {
    // The standby's zones are its region's first `azCount`: the region must have that many.
    reads: ['failover.region', 'drRegion', 'network.azCount'],
    check: (env) => {
      if (!env.failover) return none;
      const region = env.failover.region ?? env.drRegion;
      const zones = CATALOG.availabilityZones.values[region];
      if (zones === undefined || env.network.azCount <= zones.length) return none;
      return problem(['failover', 'region'], `is ${region}, which has ${zones.length} availability zones (${zones.join(', ')}; ${catalogSource(CATALOG.availabilityZones)}), fewer than network.azCount (${env.network.azCount}), which the standby spans too`);
    },
  },
  {
    reads: ['database.engine', 'database.engineVersion', 'catalogExceptions'],
    check: (env) => {
      // A version AWS does not offer at all is the lookup's to report, once.
      if (env.database.engine !== 'aurora-postgresql' || !offeredOrExcepted(env, 'database.engineVersion', env.database.engineVersion)) return none;
      const first = belowMinimum(env.database.engineVersion, CATALOG.auroraServerlessV2MinimumVersions.values);
      return first
        ? problem(['database', 'engineVersion'], `is ${env.database.engineVersion}, which Aurora Serverless v2 does not run: it needs ${first} or a later minor of its major, or a later major (${catalogSource(CATALOG.auroraServerlessV2MinimumVersions)})`)
        : none;
    },
  },
  {
    reads: ['database.engine', 'database.capacity', 'database.engineVersion'],
    check: (env) =>
      env.database.engine === 'aurora-postgresql' && env.database.capacity.minAcu === 0 && !pausesWhenIdle(env.database.engineVersion)
        ? problem(
            ['database', 'capacity', 'minAcu'],
            `may be 0 only on Aurora PostgreSQL that can pause (${Object.values(CATALOG.auroraPauseMinimumVersions.values).join(', ')} or later; a major version alone means the latest); ${env.database.engineVersion} cannot`,
          )
        : none,
  },
  {
    reads: ['gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return none;
      const last = CATALOG.eksAmiTypesLastKubernetesVersion.values[cluster.nodes.amiType];
      const minor = (version: string) => Number(version.split('.')[1]);
      return last !== undefined && minor(cluster.kubernetesVersion) > minor(last)
        ? problem(['gitops', 'cluster', 'nodes', 'amiType'], `is ${cluster.nodes.amiType}, which EKS builds only up to Kubernetes ${last}; gitops.cluster.kubernetesVersion is ${cluster.kubernetesVersion}: use an AL2023 or Bottlerocket type (${catalogSource(CATALOG.eksAmiTypesLastKubernetesVersion)})`)
        : none;
    },
  },
  {
    reads: ['gitops.cluster'],
    check: (env) => {
      const cluster = env.gitops?.cluster;
      if (cluster?.kind !== 'eks') return none;
      const architectures: Readonly<Record<string, string>> = CATALOG.ec2InstanceArchitectures.values;
      const amiArchitecture = (CATALOG.eksAmiTypes.values as Readonly<Record<string, string>>)[cluster.nodes.amiType];
      if (amiArchitecture === undefined) return none; // an excepted AMI type: nothing to compare with
      return cluster.nodes.instanceTypes.flatMap((type, i): Problem[] => {
        const architecture = architectures[type];
        return architecture !== undefined && architecture !== amiArchitecture
          ? problem(['gitops', 'cluster', 'nodes', 'instanceTypes', i], `is an ${architecture} instance type, but gitops.cluster.nodes.amiType ${cluster.nodes.amiType} runs ${amiArchitecture}; nodes of one group share the image's architecture`)
          : none;
      });
    },
  },
  {
    reads: ['catalogExceptions', ...LOOKUP_GROUPS.flatMap((group) => group.reads)],
    check: (env) => {
      const used = LOOKUP_GROUPS.flatMap((group) => group.find(env));
      return env.catalogExceptions.flatMap((exception, i): Problem[] => {
        const path = ['catalogExceptions', i];
        if (env.catalogExceptions.findIndex((other) => other.field === exception.field && other.value === exception.value) < i) {
          return problem(path, `allows "${exception.value}" for ${exception.field} a second time`);
        }
        const uses = used.filter((lookup) => lookup.field === exception.field && lookup.value === exception.value);
        if (uses.length === 0) return problem([...path, 'value'], `"${exception.value}" is not what ${exception.field} holds; remove this exception`);
        return uses.some((lookup) => lookup.offered?.includes(exception.value))
          ? problem([...path, 'value'], `"${exception.value}" is in the catalog now; remove this exception`)
          : none;
      });
    },
  },
];

/** Whether an Aurora PostgreSQL version can scale to 0 ACU and pause when idle. */
function pausesWhenIdle(engineVersion: string): boolean {
  const minimums = CATALOG.auroraPauseMinimumVersions.values as Readonly<Record<string, string>>;
  const [major, minor] = engineVersion.split('.').map(Number);
  const first = minimums[String(major)];
  if (first === undefined) return major > Math.max(...Object.keys(minimums).map(Number));
  return minor === undefined || minor >= Number(first.split('.')[1]);
}
