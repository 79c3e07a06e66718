import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { protectionFor } from '../environments/protection';
import { crossStackSource, ENVIRONMENT_NAMES, only, ownOutputs, policyOf, readStacks, referencedName, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

const config = (env: string) => loadEnvironments({ [env]: environments[env as keyof typeof environments] })[0];
/** Synthesizes one shipped environment with a change, and returns its observability stack. */
const observabilityStackWith = (env: string, change: (c: any) => void): StackJson => {
  const changed = structuredClone(environments[env as keyof typeof environments]) as EnvironmentConfig;
  change(changed);
  return readStacks(synthesizeInto({ [env]: changed })).get(`observability-${env}`)!;
};
const ref = (type: string, name: string, attribute: string) => `\${${type}.${name}.${attribute}}`;
const outputExpression = (stackName: string, output: string) => String(stack(stackName).output![output].value);
const alarmsOf = (json: StackJson) => resources(json, 'aws_cloudwatch_metric_alarm').map(([, alarm]) => alarm);
const alarmNamed = (json: StackJson, suffix: string) => alarmsOf(json).find((alarm) => alarm.alarm_name.endsWith(`-${suffix}`))!;
const keyOf = (json: StackJson, reference: string) => json.resource.aws_kms_key[referencedName(reference)];
const statement = (statements: Record<string, any>[], sid: string) => statements.find((s) => s.sid === sid)!;
const conditionsOf = (s: Record<string, any>) => Object.fromEntries((s.condition ?? []).map((c: any) => [c.variable, { test: c.test, values: c.values }]));

/** One metric as an alarm or a graph reads it. */
interface MetricRead {
  id?: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  stat: string;
  period: number;
}
interface Reads {
  metrics: MetricRead[];
  expression?: { id: string; expression: string; label: string };
}

function alarmReads(alarm: Record<string, any>): Reads {
  if (!alarm.metric_query) {
    return {
      metrics: [{ namespace: alarm.namespace, metricName: alarm.metric_name, dimensions: alarm.dimensions, stat: alarm.statistic ?? alarm.extended_statistic, period: alarm.period }],
    };
  }
  const queries: Record<string, any>[] = alarm.metric_query;
  const expression = queries.find((q) => q.expression)!;
  return {
    metrics: queries
      .filter((q) => q.metric)
      .map((q) => ({ id: q.id, namespace: q.metric.namespace, metricName: q.metric.metric_name, dimensions: q.metric.dimensions, stat: q.metric.stat, period: q.metric.period })),
    expression: { id: expression.id, expression: expression.expression, label: expression.label },
  };
}

function graphReads(properties: Record<string, any>): Reads {
  const reads: Reads = { metrics: [] };
  for (const row of properties.metrics as unknown[][]) {
    const last = row[row.length - 1];
    if (typeof row[0] === 'object') {
      const { id, expression, label } = row[0] as Record<string, string>;
      reads.expression = { id, expression, label };
      continue;
    }
    const options = (typeof last === 'object' ? last : {}) as Record<string, any>;
    const [namespace, metricName, ...pairs] = (typeof last === 'object' ? row.slice(0, -1) : row) as string[];
    const dimensions = Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i], pairs[2 * i + 1]]));
    reads.metrics.push({ ...(options.id && { id: options.id }), namespace, metricName, dimensions, stat: options.stat ?? properties.stat, period: options.period ?? properties.period });
  }
  return reads;
}

const dashboardOf = (json: StackJson) => JSON.parse(only(json, 'aws_cloudwatch_dashboard').dashboard_body) as { widgets: Record<string, any>[] };
const graphOf = (json: StackJson, alarmName: string) =>
  dashboardOf(json).widgets.filter((w) => w.type === 'metric').find((w) => w.properties.annotations.horizontal[0].label === alarmName)!;

describe.each(ENVIRONMENT_NAMES)('observability-%s', (env) => {
  const json = () => stack(`observability-${env}`);
  const environment = () => config(env);
  const topicRef = () => ref('aws_sns_topic', resources(json(), 'aws_sns_topic')[0][0], 'arn');
  const aurora = () => environment().database.engine === 'aurora-postgresql';
  const hasCache = () => environment().cache.enabled;
  /** Three alarms per graph node (status check, memory, disk), whose JSON test/graph-nodes.test.ts checks. */
  const graphAlarms = () => 3 * (environment().graph?.nodes ?? 0);

  it('uses the hashicorp/aws provider and nothing else', () => {
    expect(Object.keys(json().terraform.required_providers)).toEqual(['aws']);
    expect(Object.keys(json().provider)).toEqual(['aws']);
  });

  describe('alarms', () => {
    it('alarm on every watched metric, each telling the topic when it fires and when it clears', () => {
      const alarms = alarmsOf(json());
      expect(alarms.length).toBeGreaterThanOrEqual(8);
      for (const alarm of alarms) {
        expect(alarm.alarm_name).toMatch(new RegExp(`^groundwork-${env}-[a-z0-9-]+$`));
        expect(alarm.alarm_actions).toEqual([topicRef()]);
        expect(alarm.ok_actions).toEqual([topicRef()]);
        expect(alarm.actions_enabled).toBe(true);
        expect(['missing', 'notBreaching', 'breaching', 'ignore']).toContain(alarm.treat_missing_data);
        expect(alarm.alarm_description.length).toBeGreaterThan(20);
      }
      expect(new Set(alarms.map((a) => a.alarm_name)).size).toBe(alarms.length);
    });

    it('watches the load balancer, the service, the database, the cache where there is one, failed redeployments and the state\'s replication', () => {
      const names = alarmsOf(json()).map((a) => a.alarm_name.replace(`groundwork-${env}-`, '')).sort();
      expect(names).toEqual(
        [
          'load-balancer-5xx-rate', 'target-latency-p95', 'target-latency-p99', 'unhealthy-targets',
          'service-cpu', 'service-memory',
          'database-cpu', aurora() ? 'database-capacity' : 'database-free-storage', 'database-connections', 'database-freeable-memory',
          ...(hasCache() ? ['cache-cpu', 'cache-memory', 'cache-evictions'] : []),
          'redeploy-failures',
          'state-replication-failures', 'state-replication-latency',
          ...Array.from({ length: graphAlarms() / 3 }, (_, i) => ['status-check', 'memory', 'disk'].map((what) => `graph-${i + 1}-${what}`)).flat(),
        ].sort(),
      );
      expect(names).toHaveLength((hasCache() ? 16 : 13) + graphAlarms());
    });

    it('count a missing datapoint as trouble only where AWS publishes all the time', () => {
      const missing = (suffix: string) => alarmNamed(json(), suffix).treat_missing_data;
      for (const eventDriven of ['load-balancer-5xx-rate', 'target-latency-p95', 'target-latency-p99', 'redeploy-failures']) expect(missing(eventDriven)).toBe('notBreaching');
      for (const continuous of ['unhealthy-targets', 'service-cpu', 'database-cpu', ...(hasCache() ? ['cache-memory'] : [])]) expect(missing(continuous)).toBe('missing');
    });

    it('take thresholds and evaluation from config', () => {
      const t = environment().observability.thresholds;
      const expected: Record<string, [string, number]> = {
        'load-balancer-5xx-rate': ['GreaterThanThreshold', t.loadBalancer5xxPercent],
        'target-latency-p95': ['GreaterThanThreshold', t.targetLatencyP95Seconds],
        'target-latency-p99': ['GreaterThanThreshold', t.targetLatencyP99Seconds],
        'unhealthy-targets': ['GreaterThanOrEqualToThreshold', t.unhealthyTargets],
        'service-cpu': ['GreaterThanThreshold', t.serviceCpuPercent],
        'service-memory': ['GreaterThanThreshold', t.serviceMemoryPercent],
        'database-cpu': ['GreaterThanThreshold', t.databaseCpuPercent],
        'database-connections': ['GreaterThanThreshold', t.databaseConnections],
        'database-freeable-memory': ['LessThanThreshold', t.databaseFreeableMemoryMiB * 1024 ** 2],
        ...(hasCache() && {
          'cache-cpu': ['GreaterThanThreshold', t.cacheCpuPercent],
          'cache-memory': ['GreaterThanThreshold', t.cacheMemoryPercent],
          'cache-evictions': ['GreaterThanThreshold', t.cacheEvictions],
        }),
        'redeploy-failures': ['GreaterThanOrEqualToThreshold', t.redeployFailures],
        'state-replication-failures': ['GreaterThanThreshold', 0],
        'state-replication-latency': ['GreaterThanThreshold', t.stateReplicationLatencySeconds],
        ...(aurora() ? { 'database-capacity': ['GreaterThanThreshold', t.databaseAcuPercent] } : { 'database-free-storage': ['LessThanThreshold', t.databaseFreeStorageGiB * 1024 ** 3] }),
      };
      for (const [suffix, [comparison, threshold]] of Object.entries(expected)) {
        expect([suffix, alarmNamed(json(), suffix).comparison_operator, alarmNamed(json(), suffix).threshold]).toEqual([suffix, comparison, threshold]);
      }
      const { periods, datapointsToAlarm } = environment().observability.evaluation;
      // One failed redeployment, or one state object not replicated, is worth knowing at once.
      const atOnce = ['redeploy-failures', 'state-replication-failures'];
      for (const alarm of alarmsOf(json()).filter((a) => !atOnce.some((suffix) => a.alarm_name.endsWith(suffix)))) {
        expect(alarm).toMatchObject({ evaluation_periods: periods, datapoints_to_alarm: datapointsToAlarm });
      }
      for (const suffix of atOnce) expect(alarmNamed(json(), suffix)).toMatchObject({ evaluation_periods: 1, datapoints_to_alarm: 1 });
    });

    it('read their dimensions from the service and data stacks', () => {
      const service = `service-${env}`;
      const data = `data-${env}`;
      const database = aurora()
        ? ref('aws_rds_cluster', resources(stack(data), 'aws_rds_cluster')[0][0], 'cluster_identifier')
        : ref('aws_db_instance', resources(stack(data), 'aws_db_instance')[0][0], 'identifier');
      const cacheGroups = resources(stack(data), 'aws_elasticache_replication_group');
      expect(cacheGroups).toHaveLength(hasCache() ? 1 : 0);
      const expected: Record<string, { stack: string; expression: string }> = {
        LoadBalancer: { stack: service, expression: outputExpression(service, 'load_balancer_arn_suffix') },
        TargetGroup: { stack: service, expression: outputExpression(service, 'target_group_arn_suffix') },
        ClusterName: { stack: service, expression: outputExpression(service, 'cluster_name') },
        ServiceName: { stack: service, expression: outputExpression(service, 'service_name') },
        QueueName: { stack: service, expression: outputExpression(service, 'redeploy_failed_queue_name') },
        [aurora() ? 'DBClusterIdentifier' : 'DBInstanceIdentifier']: { stack: data, expression: database },
        ...(hasCache() && { CacheClusterId: { stack: data, expression: ref('aws_elasticache_replication_group', cacheGroups[0][0], 'id') } }),
      };
      const seen = new Set<string>();
      // The state replication's are names from the config, known at synth time (test below); the graph nodes'
      // are test/graph-nodes.test.ts's.
      for (const alarm of alarmsOf(json()).filter((a) => !a.alarm_name.includes('-state-replication-') && !a.alarm_name.includes('-graph-'))) {
        for (const read of alarmReads(alarm).metrics) {
          for (const [dimension, value] of Object.entries(read.dimensions)) {
            seen.add(dimension);
            const reference = dimension === 'CacheClusterId' ? value.replace(/-\d{3}$/, '') : value;
            expect([alarm.alarm_name, dimension, crossStackSource(reference)]).toEqual([alarm.alarm_name, dimension, expected[dimension]]);
          }
        }
      }
      expect([...seen].sort()).toEqual(Object.keys(expected).sort());
    });

    it('watch the state bucket\'s replication by its buckets and rule, each failure at once, the latency against the config', () => {
      const config = environment();
      for (const suffix of ['state-replication-failures', 'state-replication-latency']) {
        const alarm = alarmNamed(json(), suffix);
        expect(alarmReads(alarm).metrics).toEqual([
          expect.objectContaining({
            namespace: 'AWS/S3',
            dimensions: { SourceBucket: config.state.bucket, DestinationBucket: config.state.replica.bucket, RuleId: 'replicate-everything' },
          }),
        ]);
        expect(alarm.treat_missing_data).toBe('notBreaching');
      }
      expect(alarmReads(alarmNamed(json(), 'state-replication-failures')).metrics[0].metricName).toBe('OperationsFailedReplication');
      expect(alarmReads(alarmNamed(json(), 'state-replication-latency')).metrics[0].metricName).toBe('ReplicationLatency');
    });

    it('read the database by its engine: the Aurora cluster and its ACUs, or the RDS instance and its free storage', () => {
      const rdsReads = alarmsOf(json()).flatMap((a) => alarmReads(a).metrics).filter((m) => m.namespace === 'AWS/RDS');
      expect(rdsReads.map((m) => Object.keys(m.dimensions))).toEqual(rdsReads.map(() => [aurora() ? 'DBClusterIdentifier' : 'DBInstanceIdentifier']));
      const names = rdsReads.map((m) => m.metricName);
      expect(names.includes('ACUUtilization')).toBe(aurora());
      expect(names.includes('FreeStorageSpace')).toBe(!aurora());
    });

    it('compute the 5xx rate from the load balancer\'s and the targets\' 5xx over its requests, as a percentage', () => {
      const reads = alarmReads(alarmNamed(json(), 'load-balancer-5xx-rate'));
      expect(reads.metrics.map((m) => [m.id, m.namespace, m.metricName, m.stat, m.period])).toEqual([
        ['elb5xx', 'AWS/ApplicationELB', 'HTTPCode_ELB_5XX_Count', 'Sum', 60],
        ['target5xx', 'AWS/ApplicationELB', 'HTTPCode_Target_5XX_Count', 'Sum', 60],
        ['requests', 'AWS/ApplicationELB', 'RequestCount', 'Sum', 60],
      ]);
      expect(reads.expression!.expression).toContain('100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / FILL(requests, 0)');
      const queries = alarmNamed(json(), 'load-balancer-5xx-rate').metric_query;
      expect(queries.filter((q: any) => q.return_data).map((q: any) => q.id)).toEqual(['e1']);
    });

    it('read target latency at p95 and p99 as extended statistics, ignoring periods with too few requests', () => {
      for (const [suffix, percentile] of [['target-latency-p95', 'p95'], ['target-latency-p99', 'p99']]) {
        const alarm = alarmNamed(json(), suffix);
        expect(alarm).toMatchObject({ namespace: 'AWS/ApplicationELB', metric_name: 'TargetResponseTime', extended_statistic: percentile, evaluate_low_sample_count_percentiles: 'ignore' });
        expect(alarm.statistic).toBeUndefined();
      }
    });

    it('read no Valkey metric where there is no cache, in an alarm or on the dashboard', () => {
      const reads = [...alarmsOf(json()).map(alarmReads), ...dashboardOf(json()).widgets.filter((w) => w.type === 'metric').map((w) => graphReads(w.properties))];
      const cacheReads = reads.flatMap((r) => r.metrics).filter((m) => m.namespace === 'AWS/ElastiCache');
      const headings = dashboardOf(json()).widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown);
      if (hasCache()) {
        expect(cacheReads.length).toBeGreaterThan(0);
        expect(headings).toContain('## Cache');
      } else {
        expect(cacheReads).toEqual([]);
        expect(headings).not.toContain('## Cache');
      }
    });

    it('read the busiest Valkey node: the maximum over every member cluster', () => {
      if (!hasCache()) {
        expect(alarmsOf(json()).filter((a) => /-cache-/.test(a.alarm_name))).toEqual([]);
        return;
      }
      const nodes = 1 + environment().cache.replicas;
      for (const [suffix, metricName, stat, period] of [
        ['cache-cpu', 'EngineCPUUtilization', 'Average', 60],
        ['cache-memory', 'DatabaseMemoryUsagePercentage', 'Average', 60],
        ['cache-evictions', 'Evictions', 'Sum', 300],
      ] as const) {
        const alarm = alarmNamed(json(), suffix);
        const reads = alarmReads(alarm);
        expect(reads.metrics).toHaveLength(nodes);
        const ids = reads.metrics.map((m) => m.id!);
        expect(reads.expression!.expression).toBe(`MAX([${ids.join(', ')}])`);
        reads.metrics.forEach((m, i) => {
          expect(m).toMatchObject({ namespace: 'AWS/ElastiCache', metricName, stat, period });
          expect(m.dimensions.CacheClusterId).toMatch(new RegExp(`-${String(i + 1).padStart(3, '0')}$`));
        });
        expect(alarm.metric_query.filter((q: any) => q.return_data).map((q: any) => q.id)).toEqual([reads.expression!.id]);
      }
    });
  });

  describe('dashboard', () => {
    it('graphs each alarm reading exactly what the alarm reads, with its threshold as a line', () => {
      const alarms = alarmsOf(json());
      const graphs = dashboardOf(json()).widgets.filter((w) => w.type === 'metric');
      expect(graphs).toHaveLength(alarms.length);
      for (const alarm of alarms) {
        const graph = graphOf(json(), alarm.alarm_name);
        expect(graph).toBeDefined();
        expect(graphReads(graph.properties)).toEqual(alarmReads(alarm));
        expect(graph.properties.annotations.horizontal).toEqual([
          { label: alarm.alarm_name, value: alarm.threshold, fill: alarm.comparison_operator.startsWith('Greater') ? 'above' : 'below' },
        ]);
        expect(graph.properties.region).toBe(environment().region);
        // Inputs of an expression are read, not drawn.
        if (alarm.metric_query) expect(graph.properties.metrics.slice(0, -1).every((row: any[]) => row[row.length - 1].visible === false)).toBe(true);
      }
    });

    it('shows the state of every alarm', () => {
      const [status] = dashboardOf(json()).widgets.filter((w) => w.type === 'alarm');
      const arns = resources(json(), 'aws_cloudwatch_metric_alarm').map(([name]) => ref('aws_cloudwatch_metric_alarm', name, 'arn'));
      expect([...status.properties.alarms].sort()).toEqual(arns.sort());
      expect(status.x).toBe(0);
      expect(status.width).toBe(24);
    });

    it('lays its widgets out on the 24-column grid without overlapping', () => {
      const widgets = dashboardOf(json()).widgets;
      for (const w of widgets) {
        expect(Number.isInteger(w.x) && Number.isInteger(w.y) && w.width >= 1 && w.height >= 1).toBe(true);
        expect(w.x).toBeGreaterThanOrEqual(0);
        expect(w.x + w.width).toBeLessThanOrEqual(24);
      }
      const overlap = (a: any, b: any) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      const clashes = widgets.flatMap((a, i) => widgets.slice(i + 1).filter((b) => overlap(a, b)).map((b) => [a, b]));
      expect(clashes).toEqual([]);
    });

    it('is written as JSON with sorted keys', () => {
      const body = only(json(), 'aws_cloudwatch_dashboard').dashboard_body;
      const sortedKeys = (value: unknown): boolean =>
        Array.isArray(value)
          ? value.every(sortedKeys)
          : value && typeof value === 'object'
            ? Object.keys(value).join() === Object.keys(value).sort().join() && Object.values(value).every(sortedKeys)
            : true;
      expect(sortedKeys(JSON.parse(body))).toBe(true);
      expect(only(json(), 'aws_cloudwatch_dashboard').dashboard_name).toBe(`groundwork-${env}`);
    });
  });

  describe('alarm topic', () => {
    it('is encrypted with its own rotating key, which CloudWatch may use to publish', () => {
      const topic = only(json(), 'aws_sns_topic');
      expect(topic.name).toBe(`groundwork-${env}-alarms`);
      const key = keyOf(json(), topic.kms_master_key_id);
      expect(key).toMatchObject({ enable_key_rotation: true, rotation_period_in_days: environment().kms.rotationPeriodDays });
      expect(key.lifecycle?.prevent_destroy ?? false).toBe(protectionFor(environment()).preventDestroy);
      const cloudwatch = policyOf(json(), key.policy).find((s) => s.principals[0].type === 'Service')!;
      expect(cloudwatch.principals).toEqual([{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }]);
      expect(cloudwatch.actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      // For this topic only: SNS puts the topic's ARN in the encryption context of its data keys.
      const { accountId, region } = environment();
      expect(conditionsOf(cloudwatch)).toEqual({ 'kms:EncryptionContext:aws:sns:topicArn': { test: 'StringEquals', values: [`arn:aws:sns:${region}:${accountId}:groundwork-${env}-alarms`] } });
    });

    it('admits only this account\'s CloudWatch alarms of this region to publish', () => {
      const policy = only(json(), 'aws_sns_topic_policy');
      expect(policy.arn).toBe(topicRef());
      const statements = policyOf(json(), policy.policy);
      // With a Managed Prometheus alert manager, its statement too (test/gitops-monitoring.test.ts).
      expect(statements).toHaveLength(environment().observability.prometheus.enabled && environment().observability.prometheus.alertManager ? 2 : 1);
      const [publish] = statements;
      expect(publish.effect ?? 'Allow').toBe('Allow');
      expect(publish).toMatchObject({ principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }], actions: ['sns:Publish'], resources: [topicRef()] });
      const { accountId, region } = environment();
      expect(conditionsOf(publish)).toEqual({
        'aws:SourceAccount': { test: 'StringEquals', values: [accountId] },
        'aws:SourceArn': { test: 'ArnLike', values: [`arn:aws:cloudwatch:${region}:${accountId}:alarm:*`] },
      });
    });

    it('subscribes everyone in config', () => {
      const subscriptions = resources(json(), 'aws_sns_topic_subscription').map(([, s]) => s);
      expect(subscriptions.map((s) => ({ protocol: s.protocol, endpoint: s.endpoint }))).toEqual(environment().observability.subscriptions);
      for (const s of subscriptions) expect(s.topic_arn).toBe(topicRef());
    });
  });

  describe('audit trail', () => {
    const trailArn = () => `arn:aws:cloudtrail:${environment().region}:${environment().accountId}:trail/groundwork-${env}`;
    const bucketName = () => resources(json(), 'aws_s3_bucket')[0][0];

    it('records every region, global service events included, with log file validation, under its own key, logging unless configured off', () => {
      const trail = only(json(), 'aws_cloudtrail');
      expect(trail).toMatchObject({ name: `groundwork-${env}`, is_multi_region_trail: true, include_global_service_events: true, enable_log_file_validation: true });
      // Off only where the config says (an emulator environment; environments.test.ts proves no other may).
      expect(trail.enable_logging).toBe(environment().observability.trail.logging);
      expect(trail.s3_bucket_name).toBe(ref('aws_s3_bucket', bucketName(), 'bucket'));
      const key = keyOf(json(), trail.kms_key_id);
      expect(key).not.toBe(keyOf(json(), only(json(), 'aws_sns_topic').kms_master_key_id));
      expect(key).toMatchObject({ enable_key_rotation: true });
      expect(key.lifecycle?.prevent_destroy ?? false).toBe(protectionFor(environment()).preventDestroy);
    });

    it('lets CloudTrail encrypt with its key only for this trail', () => {
      const key = keyOf(json(), only(json(), 'aws_cloudtrail').kms_key_id);
      const services = policyOf(json(), key.policy).filter((s) => s.principals[0].type === 'Service');
      expect(services.every((s) => s.principals[0].identifiers.join() === 'cloudtrail.amazonaws.com')).toBe(true);
      const encrypt = services.find((s) => s.actions.includes('kms:GenerateDataKey*'))!;
      expect(encrypt.actions).toEqual(['kms:GenerateDataKey*']);
      expect(conditionsOf(encrypt)).toEqual({
        'aws:SourceArn': { test: 'StringEquals', values: [trailArn()] },
        'kms:EncryptionContext:aws:cloudtrail:arn': { test: 'StringLike', values: [`arn:aws:cloudtrail:*:${environment().accountId}:trail/*`] },
      });
      const describeKey = services.find((s) => s.actions.includes('kms:DescribeKey'))!;
      expect(conditionsOf(describeKey)).toEqual({ 'aws:SourceArn': { test: 'StringEquals', values: [trailArn()] } });
      expect(services).toHaveLength(2);
    });

    it('writes to a private, encrypted bucket that only this trail may write to, and is created after its policy', () => {
      const policy = only(json(), 'aws_s3_bucket_policy');
      expect(only(json(), 'aws_cloudtrail').depends_on).toEqual([`aws_s3_bucket_policy.${resources(json(), 'aws_s3_bucket_policy')[0][0]}`]);
      const statements = policyOf(json(), policy.policy);
      const bucketArn = ref('aws_s3_bucket', bucketName(), 'arn');
      const { accountId } = environment();
      const acl = statement(statements, 'TrailChecksBucketAcl');
      expect(acl).toMatchObject({ principals: [{ type: 'Service', identifiers: ['cloudtrail.amazonaws.com'] }], actions: ['s3:GetBucketAcl'], resources: [bucketArn] });
      expect(conditionsOf(acl)).toEqual({ 'aws:SourceArn': { test: 'StringEquals', values: [trailArn()] } });
      const write = statement(statements, 'TrailWritesLogFiles');
      expect(write).toMatchObject({ principals: [{ type: 'Service', identifiers: ['cloudtrail.amazonaws.com'] }], actions: ['s3:PutObject'], resources: [`${bucketArn}/AWSLogs/${accountId}/*`] });
      expect(conditionsOf(write)).toEqual({
        'aws:SourceArn': { test: 'StringEquals', values: [trailArn()] },
        's3:x-amz-acl': { test: 'StringEquals', values: ['bucket-owner-full-control'] },
      });
      expect(statements.filter((s) => (s.effect ?? 'Allow') === 'Allow')).toHaveLength(2);
      expect(statements.some((s) => s.sid === 'DenyInsecureTransport')).toBe(environment().buckets.tlsOnlyPolicy);

      expect(only(json(), 'aws_s3_bucket_public_access_block')).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      expect(only(json(), 'aws_s3_bucket_ownership_controls').rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
      expect(only(json(), 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default.sse_algorithm).toMatch(/^(AES256|aws:kms)$/);
    });

    it('versions the bucket, expires log files after the configured days and guards the bucket as the tier demands', () => {
      const bucket = only(json(), 'aws_s3_bucket');
      expect(only(json(), 'aws_s3_bucket_versioning')).toMatchObject({ bucket: ref('aws_s3_bucket', bucketName(), 'id'), versioning_configuration: { status: 'Enabled' } });
      expect(bucket.bucket).toBe(`groundwork-${env}-audit-trail-${environment().accountId}`);
      const preventDestroy = protectionFor(environment()).preventDestroy;
      expect(bucket.force_destroy).toBe(!preventDestroy);
      expect(bucket.lifecycle?.prevent_destroy ?? false).toBe(preventDestroy);
      const expire = only(json(), 'aws_s3_bucket_lifecycle_configuration').rule.find((r: any) => r.id === 'expire-objects');
      expect(expire).toMatchObject({ status: 'Enabled', expiration: [{ days: environment().observability.trail.retentionDays }] });
    });
  });

  it('outputs the topic, the dashboard, the trail and its bucket, each described', () => {
    const prometheus = environment().observability.prometheus.enabled ? ['prometheus_endpoint', 'prometheus_workspace_arn'] : [];
    expect(ownOutputs(json()).sort()).toEqual(['alarm_topic_arn', 'dashboard_name', ...prometheus, 'trail_arn', 'trail_bucket_name', 'trail_name']);
    for (const name of ownOutputs(json())) expect(json().output![name].description).toBeTruthy();
    expect(json().output!.alarm_topic_arn.value).toBe(topicRef());
  });
});

describe('observability config', () => {
  it('moves every threshold, the evaluation, the alarms and their graphs together', () => {
    const json = observabilityStackWith('prod', (c) => {
      c.observability.thresholds = {
        loadBalancer5xxPercent: 7, targetLatencyP95Seconds: 0.8, targetLatencyP99Seconds: 3, unhealthyTargets: 2, serviceCpuPercent: 70, serviceMemoryPercent: 71,
        databaseCpuPercent: 72, databaseAcuPercent: 73, databaseConnections: 500, databaseFreeableMemoryMiB: 512, cacheCpuPercent: 60, cacheMemoryPercent: 61,
        cacheEvictions: 10, redeployFailures: 2,
      };
      c.observability.evaluation = { periods: 10, datapointsToAlarm: 4 };
    });
    const expected: Record<string, number> = {
      'load-balancer-5xx-rate': 7, 'target-latency-p95': 0.8, 'target-latency-p99': 3, 'unhealthy-targets': 2, 'service-cpu': 70, 'service-memory': 71,
      'database-cpu': 72, 'database-capacity': 73, 'database-connections': 500, 'database-freeable-memory': 512 * 1024 ** 2, 'cache-cpu': 60, 'cache-memory': 61,
      'cache-evictions': 10, 'redeploy-failures': 2,
    };
    for (const [suffix, threshold] of Object.entries(expected)) {
      const alarm = alarmNamed(json, suffix);
      expect([suffix, alarm.threshold, graphOf(json, alarm.alarm_name).properties.annotations.horizontal[0].value]).toEqual([suffix, threshold, threshold]);
      if (suffix !== 'redeploy-failures') expect(alarm).toMatchObject({ evaluation_periods: 10, datapoints_to_alarm: 4 });
    }
  });

  it('alarms on free storage in GiB for a plain RDS instance', () => {
    const json = observabilityStackWith('dev', (c) => (c.observability = { thresholds: { databaseFreeStorageGiB: 12 } }));
    expect(alarmNamed(json, 'database-free-storage')).toMatchObject({ metric_name: 'FreeStorageSpace', statistic: 'Minimum', comparison_operator: 'LessThanThreshold', threshold: 12 * 1024 ** 3 });
  });

  it('subscribes every configured endpoint, named by what it is so reordering replaces none', () => {
    const subscriptions = [
      { protocol: 'email', endpoint: 'ops@example.com' },
      { protocol: 'sqs', endpoint: 'arn:aws:sqs:eu-west-1:111111111111:alarms' },
    ];
    const names = (list: typeof subscriptions) => {
      const json = observabilityStackWith('dev', (c) => (c.observability = { subscriptions: list }));
      return Object.fromEntries(resources(json, 'aws_sns_topic_subscription').map(([name, s]) => [s.endpoint, name]));
    };
    const forward = names(subscriptions);
    expect(Object.keys(forward).sort()).toEqual(subscriptions.map((s) => s.endpoint).sort());
    expect(names([...subscriptions].reverse())).toEqual(forward);
  });

  it('keeps the trail\'s log files for the configured days', () => {
    const json = observabilityStackWith('dev', (c) => (c.observability = { trail: { retentionDays: 30 } }));
    expect(only(json, 'aws_s3_bucket_lifecycle_configuration').rule.find((r: any) => r.id === 'expire-objects').expiration).toEqual([{ days: 30 }]);
  });

  it('drops the Cache alarms and graphs, and nothing else, when a real environment has no cache', () => {
    const json = observabilityStackWith('prod', (c) => (c.cache = { enabled: false }));
    const names = (j: StackJson) => alarmsOf(j).map((a) => a.alarm_name).sort();
    expect(names(json)).toEqual(names(stack('observability-prod')).filter((name) => !name.startsWith('groundwork-prod-cache-')));
    // 13, and 3 for each of prod's graph nodes.
    const graphNodes = config('prod').graph?.nodes ?? 0;
    expect(names(json)).toHaveLength(13 + 3 * graphNodes);
    expect(dashboardOf(json).widgets.filter((w) => w.type === 'metric')).toHaveLength(13 + 3 * graphNodes);
    expect(dashboardOf(json).widgets.some((w) => w.type === 'text' && w.properties.markdown === '## Cache')).toBe(false);
  });

  it('writes the same dashboard twice from the same config', () => {
    const again = readStacks(synthesizeInto({ prod: environments.prod })).get('observability-prod')!;
    expect(only(again, 'aws_cloudwatch_dashboard').dashboard_body).toBe(only(stack('observability-prod'), 'aws_cloudwatch_dashboard').dashboard_body);
  });
});
