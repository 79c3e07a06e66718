import type { Environment } from '../environments';
import { singleMetric, type MetricDefinition } from '../constructs/metric-definition';
import { GRAPH_METRICS_NAMESPACE, NEO4J_DATA_DIRECTORY } from '../constructs/neo4j-configuration';

/** A graph node as its metrics name it: by its name (the agent's `Node` dimension) and its current instance. */
export interface GraphNodeSource {
  readonly name: string;
  readonly instanceId: string;
}

/**
 * The graph nodes' alarms: EC2's status checks per instance, and memory and the data volume's space from
 * the CloudWatch agent on each node (`neo4j-configuration.ts`), by node name, so that a replaced instance
 * keeps its history.
 */
export function graphMetrics(env: Environment, nodes: readonly GraphNodeSource[]): MetricDefinition[] {
  const t = env.observability.thresholds;
  const evaluation = { evaluationPeriods: env.observability.evaluation.periods, datapointsToAlarm: env.observability.evaluation.datapointsToAlarm };
  // EC2 and the agent report every minute: a gap means the node is down, which the status check reports too.
  const continuous = { treatMissingData: 'missing' as const };
  return nodes.flatMap((node, i): MetricDefinition[] => {
    const n = i + 1;
    return [
      {
        id: `graph-${n}-status-check`,
        group: 'Graph',
        title: `${node.name}: failed status checks`,
        description: `EC2's status checks of ${node.name} fail: the instance or its host is impaired. EC2 recovers it on another host when the host is at fault; otherwise see docs/runbooks/graph-node.md.`,
        measure: singleMetric({ namespace: 'AWS/EC2', metricName: 'StatusCheckFailed', dimensions: { InstanceId: node.instanceId } }, 'Maximum'),
        periodSeconds: 60,
        unit: 'Count',
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: 1,
        ...evaluation,
        ...continuous,
      },
      {
        id: `graph-${n}-memory`,
        group: 'Graph',
        title: `${node.name}: memory used`,
        description: `${node.name} uses more than ${t.graphMemoryPercent}% of its memory: the kernel may kill Neo4j. Lower graph.memory or use a larger graph.instanceType (docs/runbooks/graph-node.md).`,
        measure: singleMetric({ namespace: GRAPH_METRICS_NAMESPACE, metricName: 'mem_used_percent', dimensions: { Node: node.name } }, 'Maximum'),
        periodSeconds: 60,
        unit: 'Percent',
        comparison: 'GreaterThanThreshold',
        threshold: t.graphMemoryPercent,
        ...evaluation,
        ...continuous,
      },
      {
        id: `graph-${n}-disk`,
        group: 'Graph',
        title: `${node.name}: data volume space used`,
        description: `${node.name}'s data volume is more than ${t.graphDiskPercent}% full: Neo4j stops writing when it is full. Raise graph.dataVolume.sizeGiB (EBS grows the volume in place), then grow the file system (docs/runbooks/graph-node.md).`,
        measure: singleMetric({ namespace: GRAPH_METRICS_NAMESPACE, metricName: 'disk_used_percent', dimensions: { Node: node.name, path: NEO4J_DATA_DIRECTORY, fstype: 'xfs' } }, 'Maximum'),
        periodSeconds: 60,
        unit: 'Percent',
        comparison: 'GreaterThanThreshold',
        threshold: t.graphDiskPercent,
        ...evaluation,
        ...continuous,
      },
    ];
  });
}
