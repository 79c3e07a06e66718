import { CATALOG } from './catalog';
import { instanceMemoryGiB, NEO4J_CLUSTER_PORTS } from './graph-schema';
import { none, problem, type CrossFieldRule } from './rule';

/** Memory a node keeps for the OS and the CloudWatch agent, outside Neo4j's heap and page cache. */
export const GRAPH_OS_RESERVE_GiB = 1;

/** The largest `Nxlarge` of an instance family in the catalog: the vCPUs (÷4) of its `metal` size. */
function largestXlarge(family: string): number | undefined {
  const sizes = Object.keys(CATALOG.ec2InstanceArchitectures.values)
    .filter((type) => type.startsWith(`${family}.`))
    .map((type) => /^(\d*)xlarge$/.exec(type.split('.')[1]))
    .filter((match) => match !== null)
    .map((match) => Number(match[1] || 1));
  return sizes.length > 0 ? Math.max(...sizes) : undefined;
}

/** Rules that relate the graph database's fields to each other. */
export const graphRules: CrossFieldRule[] = [
  {
    reads: ['graph.edition', 'graph.nodes'],
    check: (env) =>
      env.graph && env.graph.edition === 'community' && env.graph.nodes > 1
        ? problem(['graph', 'nodes'], `is ${env.graph.nodes}, but Neo4j Community Edition runs one server: a cluster needs edition "enterprise"`)
        : none,
  },
  {
    reads: ['graph.stableAddresses', 'graph.nodes'],
    check: (env) =>
      env.graph && !env.graph.stableAddresses && env.graph.nodes > 1
        ? problem(['graph', 'stableAddresses'], `is false, but the ${env.graph.nodes} servers of a cluster find each other at their addresses: keep it true, or run one node`)
        : none,
  },
  {
    reads: ['graph.instanceType', 'graph.memory'],
    check: (env) => {
      if (!env.graph) return none;
      const { instanceType, memory } = env.graph;
      const total = instanceMemoryGiB(instanceType, largestXlarge(instanceType.split('.')[0]));
      // A type outside the catalog is the catalog rule's to report.
      if (!(instanceType in CATALOG.ec2InstanceArchitectures.values)) return none;
      if (total === undefined) {
        return problem(['graph', 'instanceType'], `"${instanceType}" is not a general purpose (m, t), compute optimized (c) or memory optimized (r) type, whose memory Groundwork sizes Neo4j from`);
      }
      const wanted = memory.heapGiB + memory.pageCacheGiB + GRAPH_OS_RESERVE_GiB;
      return wanted > total
        ? problem(
            ['graph', 'memory'],
            `heap (${memory.heapGiB} GiB) and page cache (${memory.pageCacheGiB} GiB) with ${GRAPH_OS_RESERVE_GiB} GiB for the OS come to ${wanted} GiB, more than ${instanceType}'s ${total} GiB: Neo4j would not start, or be killed`,
          )
        : none;
    },
  },
  {
    reads: ['graph.dataVolume'],
    check: (env) => {
      if (!env.graph) return none;
      const { sizeGiB, iops, throughputMiBps } = env.graph.dataVolume;
      // EBS User Guide, "General Purpose SSD volumes" (gp3): 500 IOPS per GiB, 0.25 MiB/s per IOPS.
      return [
        ...(iops > 3000 && iops > 500 * sizeGiB
          ? problem(['graph', 'dataVolume', 'iops'], `is ${iops}, but a gp3 volume of ${sizeGiB} GiB takes at most ${Math.max(3000, 500 * sizeGiB)} (500 per GiB above 3000)`)
          : none),
        ...(throughputMiBps > 125 && throughputMiBps > iops / 4
          ? problem(['graph', 'dataVolume', 'throughputMiBps'], `is ${throughputMiBps} MiB/s, but gp3 allows at most 0.25 MiB/s per provisioned IOPS: ${Math.floor(iops / 4)} MiB/s with ${iops} IOPS`)
          : none),
      ];
    },
  },
  {
    reads: ['graph.ports', 'graph.edition'],
    check: (env) => {
      if (!env.graph) return none;
      const { bolt, http } = env.graph.ports;
      if (bolt === http) return problem(['graph', 'ports', 'http'], `is ${http}, the Bolt port too: each protocol needs a port of its own`);
      if (env.graph.edition !== 'enterprise') return none;
      const taken = Object.entries(NEO4J_CLUSTER_PORTS);
      return (['bolt', 'http'] as const).flatMap((name) => {
        const clash = taken.find(([, value]) => value === env.graph!.ports[name]);
        return clash ? problem(['graph', 'ports', name], `is ${clash[1]}, the cluster's ${clash[0]} port: an enterprise cluster's servers talk to each other on ${taken.map(([, value]) => value).join(', ')}`) : none;
      });
    },
  },
];
