import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { accountWideName } from '../environments/standby';
import { AlarmTopic } from '../constructs/alarm-topic';
import { AuditTrail } from '../constructs/audit-trail';
import { REPLICATION_RULE_ID } from '../constructs/bucket-replication';
import { MetricAlarms } from '../constructs/metric-alarms';
import { ManagedPrometheusWorkspace } from '../constructs/managed-prometheus-workspace';
import { MetricDashboard } from '../constructs/metric-dashboard';
import type { DataStack } from './data-stack';
import { EnvironmentStack } from './environment-stack';
import { gitopsAlertRules, runbookUrl } from './gitops-metrics';
import { graphMetrics } from './graph-metrics';
import { platformMetrics } from './platform-metrics';
import type { ServiceStack } from './service-stack';

export interface ObservabilityStackDependencies {
  /** The load balancer, ECS service and redeploy queue whose metrics are watched. */
  readonly service: ServiceStack;
  /** The database, cache and graph nodes whose metrics are watched. */
  readonly data: DataStack;
}

/**
 * `observability-<env>`: an alarm on every metric of `platform-metrics.ts`, each telling an encrypted topic
 * when it fires and clears; a dashboard graphing what the alarms read; the account's audit trail; and, with
 * `observability.prometheus`, the Managed Prometheus workspace holding the GitOps alerts of `gitops-metrics.ts`,
 * whose alert manager tells the same topic.
 *
 * `standby_observability-<env>` is this class again for the standby: its alarms, topic and dashboard in
 * the failover region (an alarm notifies a topic of its own region), with the replication lag and the
 * standby's health added, and no second trail (the primary's records every region).
 */
export class ObservabilityStack extends EnvironmentStack {
  /** The Managed Prometheus workspace, when `observability.prometheus` is enabled (the primary's only). */
  readonly prometheusWorkspace?: { readonly arn: string; readonly endpoint: string };

  constructor(scope: Construct, env: Environment, { service, data }: ObservabilityStackDependencies) {
    super(scope, 'observability', env);
    const protection = protectionFor(env);
    const name = `groundwork-${env.name}`;
    const standby = env.site === 'standby';
    const keys = { accountId: env.accountId, region: env.region, keyRotationPeriodDays: env.kms.rotationPeriodDays, keyDeletionWindowDays: env.kms.deletionWindowDays };

    // The standby's observability watches the standby's AWS resources; ArgoCD runs in the primary's region.
    const prometheus = env.observability.prometheus.enabled && !standby ? env.observability.prometheus : undefined;
    const topic = new AlarmTopic(this, 'alarm-topic', {
      topicName: `${name}-alarms`,
      keyAlias: `groundwork/${env.name}/alarms`,
      subscriptions: env.observability.subscriptions,
      preventDestroy: protection.preventDestroy,
      prometheusAlerts: prometheus?.alertManager,
      ...keys,
    });
    const definitions = platformMetrics(env, {
      loadBalancerArnSuffix: service.loadBalancerArnSuffix,
      targetGroupArnSuffix: service.targetGroupArnSuffix,
      clusterName: service.clusterName,
      serviceName: service.serviceName,
      redeployFailedQueueName: service.redeployFailedQueueName,
      databaseIdentifier: data.database.identifier,
      cacheReplicationGroupId: data.cache?.replicationGroupId,
      // S3 publishes the state's replication in the state bucket's region: the primary's alarms watch it.
      stateReplication:
        env.state.replica.enabled && !standby
          ? { sourceBucket: env.state.bucket, destinationBucket: env.state.replica.bucket, ruleId: REPLICATION_RULE_ID }
          : undefined,
      standbyTasks: standby ? env.failover!.standbyTasks : undefined,
    });
    if (data.graph) definitions.push(...graphMetrics(env, data.graph.nodes));
    const alarms = new MetricAlarms(this, 'alarms', { alarmNamePrefix: name, definitions, topicArn: topic.topicArn });
    // Dashboard names are the account's, across regions.
    const dashboard = new MetricDashboard(this, 'dashboard', { dashboardName: accountWideName(env), region: env.region, alarms: alarms.alarms });

    const workspace = prometheus && new ManagedPrometheusWorkspace(this, 'prometheus', {
      alias: name,
      keyAlias: `groundwork/${env.name}/prometheus`,
      customerKey: prometheus.customerKey,
      logGroupName: `/groundwork/${env.name}/prometheus`,
      logRetentionDays: prometheus.logRetentionDays,
      ruleNamespaces: {
        gitops: [
          {
            name: 'gitops',
            rules: gitopsAlertRules(env).map((rule) => ({
              alert: rule.alert,
              expr: rule.expr,
              for: rule.for,
              labels: { severity: rule.severity, environment: env.name },
              annotations: { summary: rule.summary, description: rule.description, runbook_url: runbookUrl(env, rule.alert) },
            })),
          },
        ],
      },
      alertTopicArn: prometheus.alertManager ? topic.topicArn : undefined,
      preventDestroy: protection.preventDestroy,
      keyRotationPeriodDays: keys.keyRotationPeriodDays,
      keyDeletionWindowDays: keys.keyDeletionWindowDays,
      accountId: env.accountId,
      region: env.region,
    });

    const trail = standby ? undefined : new AuditTrail(this, 'audit-trail', {
      trailName: name,
      bucketName: `${name}-audit-trail-${env.accountId}`,
      keyAlias: `groundwork/${env.name}/audit-trail`,
      retentionDays: env.observability.trail.retentionDays,
      logging: env.observability.trail.logging,
      tlsOnly: env.buckets.tlsOnlyPolicy,
      preventDestroy: protection.preventDestroy,
      forceDestroy: !protection.preventDestroy,
      ...keys,
    });

    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output('alarm_topic_arn', topic.topicArn, 'SNS topic every alarm notifies; subscribe through observability.subscriptions');
    output('dashboard_name', dashboard.dashboardName, 'CloudWatch dashboard of the alarmed metrics');
    if (workspace) {
      this.prometheusWorkspace = { arn: workspace.workspaceArn, endpoint: workspace.endpoint };
      output('prometheus_workspace_arn', workspace.workspaceArn, 'Managed Prometheus workspace of the GitOps metrics and alerts');
      output('prometheus_endpoint', workspace.endpoint, 'Prometheus-compatible endpoint of the workspace (remote write: <endpoint>api/v1/remote_write)');
    }
    if (!trail) return;
    output('trail_name', trail.trailName, 'CloudTrail trail of the account, every region');
    output('trail_arn', trail.trailArn, 'ARN of the trail');
    output('trail_bucket_name', trail.bucketName, 'Bucket of the trail\'s log files');
  }
}
