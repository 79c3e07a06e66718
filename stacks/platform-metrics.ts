import type { Environment } from '../environments';
import {
  metricExpression,
  singleMetric,
  type MetricComparison,
  type MetricDefinition,
  type MetricSource,
  type MissingData,
} from '../constructs/metric-definition';

/**
 * Every metric of an environment that has an alarm and a graph, each defined once: what CloudWatch reads,
 * with which statistic over which period, and what value is bad (from `observability.thresholds`).
 */

/** The names other stacks give their resources, which are the metrics' dimensions. */
export interface PlatformMetricSources {
  /** `app/<name>/<id>` of the service's load balancer (`LoadBalancer` dimension). */
  readonly loadBalancerArnSuffix: string;
  /** `targetgroup/<name>/<id>` of the service's target group (`TargetGroup` dimension). */
  readonly targetGroupArnSuffix: string;
  /** The ECS cluster's name. */
  readonly clusterName: string;
  /** The ECS service's name. */
  readonly serviceName: string;
  /** The queue of secret rotations whose redeployment failed. */
  readonly redeployFailedQueueName: string;
  /** The Aurora cluster's or RDS instance's identifier. */
  readonly databaseIdentifier: string;
  /** The Valkey replication group's id; none without a cache, and so no cache metrics. */
  readonly cacheReplicationGroupId?: string;
  /** The state bucket's replication: its buckets and rule; none without a replica, and so no replication metrics. */
  readonly stateReplication?: { readonly sourceBucket: string; readonly destinationBucket: string; readonly ruleId: string };
  /** Tasks a standby's service runs while it waits (`failover.standbyTasks`); none for the primary, and so no standby metrics. */
  readonly standbyTasks?: number;
}

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/**
 * The member clusters of a replication group without cluster mode: ElastiCache names them
 * `<group>-001`, `-002`, ..., one per node (the primary and each replica). Its engine metrics are per node
 * (`CacheClusterId`), so the busiest node is the maximum over these.
 */
export function cacheNodeIds(replicationGroupId: string, replicas: number): string[] {
  return Array.from({ length: 1 + replicas }, (_, i) => `${replicationGroupId}-${String(i + 1).padStart(3, '0')}`);
}

export function platformMetrics(env: Environment, sources: PlatformMetricSources): MetricDefinition[] {
  const t = env.observability.thresholds;
  const evaluation = { evaluationPeriods: env.observability.evaluation.periods, datapointsToAlarm: env.observability.evaluation.datapointsToAlarm };
  const aurora = env.database.engine === 'aurora-postgresql';
  const above = (threshold: number): { comparison: MetricComparison; threshold: number } => ({ comparison: 'GreaterThanThreshold', threshold });
  const atLeast = (threshold: number): { comparison: MetricComparison; threshold: number } => ({ comparison: 'GreaterThanOrEqualToThreshold', threshold });
  const below = (threshold: number): { comparison: MetricComparison; threshold: number } => ({ comparison: 'LessThanThreshold', threshold });
  /** AWS publishes these every minute: a gap is news, not health. */
  const continuous: { treatMissingData: MissingData } = { treatMissingData: 'missing' };
  /** Published only when something happens (a request, an error): no data is no trouble. */
  const eventDriven: { treatMissingData: MissingData } = { treatMissingData: 'notBreaching' };

  const alb = (metricName: string, withTargetGroup = false): MetricSource => ({
    namespace: 'AWS/ApplicationELB',
    metricName,
    dimensions: { LoadBalancer: sources.loadBalancerArnSuffix, ...(withTargetGroup && { TargetGroup: sources.targetGroupArnSuffix }) },
  });
  const ecs = (metricName: string): MetricSource => ({
    namespace: 'AWS/ECS',
    metricName,
    dimensions: { ClusterName: sources.clusterName, ServiceName: sources.serviceName },
  });
  // Aurora aggregates its instances' metrics under the cluster; the maximum (minimum for what runs out) is the busiest instance.
  const rds = (metricName: string): MetricSource => ({
    namespace: 'AWS/RDS',
    metricName,
    dimensions: aurora ? { DBClusterIdentifier: sources.databaseIdentifier } : { DBInstanceIdentifier: sources.databaseIdentifier },
  });
  const busiestNode = (nodes: string[], metricName: string, statistic: 'Average' | 'Sum', label: string) =>
    metricExpression({
      expression: `MAX([${nodes.map((_, i) => `n${i + 1}`).join(', ')}])`,
      label,
      inputs: nodes.map((node, i) => ({ id: `n${i + 1}`, metric: { namespace: 'AWS/ElastiCache', metricName, dimensions: { CacheClusterId: node } }, statistic })),
    });
  const database = aurora ? `Aurora cluster` : `RDS instance`;

  // S3 publishes these in the source bucket's region only while objects are replicated: no data is no trouble.
  const stateReplicationDefinitions = (replication: NonNullable<PlatformMetricSources['stateReplication']>): MetricDefinition[] => {
    const s3 = (metricName: string): MetricSource => ({
      namespace: 'AWS/S3',
      metricName,
      dimensions: { SourceBucket: replication.sourceBucket, DestinationBucket: replication.destinationBucket, RuleId: replication.ruleId },
    });
    return [
      {
        id: 'state-replication-failures',
        group: 'State',
        title: 'State objects that failed to replicate',
        description: `S3 failed to copy a state object to ${replication.destinationBucket}: while it fails, a region outage would lose that state. Look at the replication role's permissions and both keys.`,
        measure: singleMetric(s3('OperationsFailedReplication'), 'Sum'),
        periodSeconds: 300,
        unit: 'Count',
        ...above(0),
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        ...eventDriven,
      },
      {
        id: 'state-replication-latency',
        group: 'State',
        title: 'State replication latency, slowest object',
        description: `A state object took more than ${t.stateReplicationLatencySeconds} s to reach ${replication.destinationBucket}: the replica lags the state a region outage would leave.`,
        measure: singleMetric(s3('ReplicationLatency'), 'Maximum'),
        periodSeconds: 300,
        unit: 'Seconds',
        ...above(t.stateReplicationLatencySeconds),
        ...evaluation,
        ...eventDriven,
      },
    ];
  };

  // A standby's database follows its primary: how far behind is the data a failover would lose. The
  // secondary cluster (or the replica) publishes it in the standby's region, every minute.
  const standbyDefinitions = (standbyTasks: number): MetricDefinition[] => [
    {
      id: 'database-replication-lag',
      group: 'Standby',
      title: aurora ? 'Global database replication lag' : 'Replica lag',
      description: `The standby's database is more than ${t.replicationLagSeconds} s behind its primary: a failover now would lose that much data. Look at the primary's write load and the replication's health (docs/runbooks/region-outage.md).`,
      measure: aurora
        ? singleMetric({ namespace: 'AWS/RDS', metricName: 'AuroraGlobalDBReplicationLag', dimensions: { DBClusterIdentifier: sources.databaseIdentifier } }, 'Maximum')
        : singleMetric({ namespace: 'AWS/RDS', metricName: 'ReplicaLag', dimensions: { DBInstanceIdentifier: sources.databaseIdentifier } }, 'Maximum'),
      periodSeconds: 60,
      // Aurora reports the lag in milliseconds, RDS in seconds.
      unit: aurora ? 'Milliseconds' : 'Seconds',
      ...above(aurora ? t.replicationLagSeconds * 1000 : t.replicationLagSeconds),
      ...evaluation,
      ...continuous,
    },
    // A pilot light runs no task, so it has none to be healthy.
    ...(standbyTasks === 0
      ? []
      : [
          {
            id: 'standby-healthy-targets',
            group: 'Standby',
            title: 'Healthy standby tasks',
            description: `Fewer than ${standbyTasks} of the warm standby's tasks pass the load balancer's health check: a failover would start from less than it expects. Look at the standby's tasks and their logs.`,
            measure: singleMetric(alb('HealthyHostCount', true), 'Minimum'),
            periodSeconds: 60,
            unit: 'Count',
            ...below(standbyTasks),
            ...evaluation,
            ...continuous,
          },
        ]),
  ];

  const cacheDefinitions = (nodes: string[]): MetricDefinition[] => [
    {
      id: 'cache-cpu',
      group: 'Cache',
      title: 'Valkey engine CPU, busiest node',
      description: `The busiest Valkey node's engine thread uses more than ${t.cacheCpuPercent}% of its core. Look for slow or large commands; a larger cache.nodeType helps.`,
      measure: busiestNode(nodes, 'EngineCPUUtilization', 'Average', 'Engine CPU, busiest node'),
      periodSeconds: 60,
      unit: 'Percent',
      ...above(t.cacheCpuPercent),
      ...evaluation,
      ...continuous,
    },
    {
      id: 'cache-memory',
      group: 'Cache',
      title: 'Valkey memory used, busiest node',
      description: `The fullest Valkey node uses more than ${t.cacheMemoryPercent}% of its memory; beyond it, keys are evicted. Set TTLs or use a larger cache.nodeType.`,
      measure: busiestNode(nodes, 'DatabaseMemoryUsagePercentage', 'Average', 'Memory used, busiest node'),
      periodSeconds: 60,
      unit: 'Percent',
      ...above(t.cacheMemoryPercent),
      ...evaluation,
      ...continuous,
    },
    {
      id: 'cache-evictions',
      group: 'Cache',
      title: 'Valkey evictions per 5 minutes, busiest node',
      description: `A Valkey node evicted more than ${t.cacheEvictions} keys in 5 minutes to make room. Set TTLs or use a larger cache.nodeType.`,
      measure: busiestNode(nodes, 'Evictions', 'Sum', 'Evictions, busiest node'),
      periodSeconds: 300,
      unit: 'Count',
      ...above(t.cacheEvictions),
      ...evaluation,
      ...continuous,
    },
  ];

  const definitions: MetricDefinition[] = [
    {
      id: 'load-balancer-5xx-rate',
      group: 'Load balancer',
      title: '5xx responses, % of requests',
      description: `More than ${t.loadBalancer5xxPercent}% of requests answered with a 5xx, by the load balancer or the service's tasks. Look at the target health, the tasks' logs and recent deployments.`,
      // Missing counts are zeros. Requests the load balancer rejected before choosing a target (no healthy
      // target) are not in RequestCount: 5xx with no counted request is 100%.
      measure: metricExpression({
        expression: 'IF(FILL(requests, 0) > 0, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / FILL(requests, 0), IF(FILL(elb5xx, 0) > 0, 100, 0))',
        label: '5xx, % of requests',
        inputs: [
          { id: 'elb5xx', metric: alb('HTTPCode_ELB_5XX_Count'), statistic: 'Sum' },
          { id: 'target5xx', metric: alb('HTTPCode_Target_5XX_Count'), statistic: 'Sum' },
          { id: 'requests', metric: alb('RequestCount'), statistic: 'Sum' },
        ],
      }),
      periodSeconds: 60,
      unit: 'Percent',
      ...above(t.loadBalancer5xxPercent),
      ...evaluation,
      ...eventDriven,
    },
    {
      id: 'target-latency-p95',
      group: 'Load balancer',
      title: 'Target response time, p95',
      description: `The slowest 5% of requests took more than ${t.targetLatencyP95Seconds} s in the service's tasks. Look at the tasks' CPU, the database and the cache.`,
      measure: singleMetric(alb('TargetResponseTime', true), 'p95'),
      periodSeconds: 60,
      unit: 'Seconds',
      ...above(t.targetLatencyP95Seconds),
      ...evaluation,
      ...eventDriven,
    },
    {
      id: 'target-latency-p99',
      group: 'Load balancer',
      title: 'Target response time, p99',
      description: `The slowest 1% of requests took more than ${t.targetLatencyP99Seconds} s in the service's tasks. Look at the tasks' CPU, the database and the cache.`,
      measure: singleMetric(alb('TargetResponseTime', true), 'p99'),
      periodSeconds: 60,
      unit: 'Seconds',
      ...above(t.targetLatencyP99Seconds),
      ...evaluation,
      ...eventDriven,
    },
    {
      id: 'unhealthy-targets',
      group: 'Load balancer',
      title: 'Unhealthy targets',
      description: `${t.unhealthyTargets} or more of the service's tasks fail the load balancer's health check. Look at the tasks' logs and stopped tasks' reasons.`,
      measure: singleMetric(alb('UnHealthyHostCount', true), 'Maximum'),
      periodSeconds: 60,
      unit: 'Count',
      ...atLeast(t.unhealthyTargets),
      ...evaluation,
      ...continuous,
    },
    {
      id: 'service-cpu',
      group: 'Service',
      title: 'Service CPU, % of reserved',
      description: `The service's tasks use more than ${t.serviceCpuPercent}% of their CPU on average. Autoscaling should be adding tasks; if it is at service.autoscaling.maxTasks, raise it or the task's CPU.`,
      measure: singleMetric(ecs('CPUUtilization'), 'Average'),
      periodSeconds: 60,
      unit: 'Percent',
      ...above(t.serviceCpuPercent),
      ...evaluation,
      ...continuous,
    },
    {
      id: 'service-memory',
      group: 'Service',
      title: 'Service memory, % of reserved',
      description: `The service's tasks use more than ${t.serviceMemoryPercent}% of their memory on average; a task at its limit is killed. Raise service.memoryMiB or look for a leak.`,
      measure: singleMetric(ecs('MemoryUtilization'), 'Average'),
      periodSeconds: 60,
      unit: 'Percent',
      ...above(t.serviceMemoryPercent),
      ...evaluation,
      ...continuous,
    },
    {
      id: 'database-cpu',
      group: 'Database',
      title: `Database CPU, busiest instance`,
      description: `The busiest instance of the ${database} uses more than ${t.databaseCpuPercent}% of its CPU. Look at Performance Insights for the queries.`,
      measure: singleMetric(rds('CPUUtilization'), 'Maximum'),
      periodSeconds: 60,
      unit: 'Percent',
      ...above(t.databaseCpuPercent),
      ...evaluation,
      ...continuous,
    },
    aurora
      ? {
          id: 'database-capacity',
          group: 'Database',
          title: 'Aurora capacity, % of maximum ACU',
          description: `An instance of the Aurora cluster runs at more than ${t.databaseAcuPercent}% of database.capacity.maxAcu; at 100% it cannot grow. Raise maxAcu or look at Performance Insights.`,
          measure: singleMetric(rds('ACUUtilization'), 'Maximum'),
          periodSeconds: 60,
          unit: 'Percent',
          ...above(t.databaseAcuPercent),
          ...evaluation,
          ...continuous,
        }
      : {
          id: 'database-free-storage',
          group: 'Database',
          title: 'Database free storage',
          description: `The RDS instance has less than ${t.databaseFreeStorageGiB} GiB of storage free. Storage autoscaling stops at database.maxAllocatedStorageGiB; raise it.`,
          measure: singleMetric(rds('FreeStorageSpace'), 'Minimum'),
          periodSeconds: 60,
          unit: 'Bytes',
          ...below(t.databaseFreeStorageGiB * GIB),
          ...evaluation,
          ...continuous,
        },
    {
      id: 'database-connections',
      group: 'Database',
      title: 'Database connections, busiest instance',
      description: `An instance of the ${database} holds more than ${t.databaseConnections} connections. Look for a connection leak or a pool that is too large for the task count.`,
      measure: singleMetric(rds('DatabaseConnections'), 'Maximum'),
      periodSeconds: 60,
      unit: 'Count',
      ...above(t.databaseConnections),
      ...evaluation,
      ...continuous,
    },
    {
      id: 'database-freeable-memory',
      group: 'Database',
      title: 'Database freeable memory, lowest instance',
      description: `An instance of the ${database} has less than ${t.databaseFreeableMemoryMiB} MiB of memory free. ${aurora ? 'Raise database.capacity.minAcu' : 'Use a larger database.instanceClass'} or look at Performance Insights.`,
      measure: singleMetric(rds('FreeableMemory'), 'Minimum'),
      periodSeconds: 60,
      unit: 'Bytes',
      ...below(t.databaseFreeableMemoryMiB * MIB),
      ...evaluation,
      ...continuous,
    },
    // Without a cache (cache.enabled false) there is nothing to watch in the Cache group.
    ...(sources.cacheReplicationGroupId === undefined ? [] : cacheDefinitions(cacheNodeIds(sources.cacheReplicationGroupId, env.cache.replicas))),
    ...(sources.stateReplication === undefined ? [] : stateReplicationDefinitions(sources.stateReplication)),
    ...(sources.standbyTasks === undefined ? [] : standbyDefinitions(sources.standbyTasks)),
    {
      id: 'redeploy-failures',
      group: 'Secret rotation',
      title: 'Failed redeployments after a rotation',
      description: `A secret rotated but redeploying the service failed ${t.redeployFailures} or more times: tasks may run with a secret that no longer works. Read the messages in the queue, then force a new deployment.`,
      measure: singleMetric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: sources.redeployFailedQueueName } }, 'Maximum'),
      periodSeconds: 300,
      unit: 'Count',
      ...atLeast(t.redeployFailures),
      // One failure is worth knowing at once; SQS stops publishing for a queue idle for hours.
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      ...eventDriven,
    },
  ];
  return definitions;
}
