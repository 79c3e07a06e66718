import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { protectionFor } from '../environments/protection';
import { AlarmTopic } from '../constructs/alarm-topic';
import { AuditTrail } from '../constructs/audit-trail';
import { REPLICATION_RULE_ID } from '../constructs/bucket-replication';
import { MetricAlarms } from '../constructs/metric-alarms';
import { MetricDashboard } from '../constructs/metric-dashboard';
import type { DataStack } from './data-stack';
import { EnvironmentStack } from './environment-stack';
import { platformMetrics } from './platform-metrics';
import type { ServiceStack } from './service-stack';

export interface ObservabilityStackDependencies {
  /** The load balancer, ECS service and redeploy queue whose metrics are watched. */
  readonly service: ServiceStack;
  /** The database and cache whose metrics are watched. */
  readonly data: DataStack;
}

/**
 * `observability-<env>`: an alarm on every metric of `platform-metrics.ts`, each telling an encrypted topic
 * when it fires and clears; a dashboard graphing what the alarms read; and the account's audit trail.
 */
export class ObservabilityStack extends EnvironmentStack {
  constructor(scope: Construct, env: Environment, { service, data }: ObservabilityStackDependencies) {
    super(scope, 'observability', env);
    const protection = protectionFor(env);
    const name = `groundwork-${env.name}`;
    const keys = { accountId: env.accountId, region: env.region, keyRotationPeriodDays: env.kms.rotationPeriodDays, keyDeletionWindowDays: env.kms.deletionWindowDays };

    const topic = new AlarmTopic(this, 'alarm-topic', {
      topicName: `${name}-alarms`,
      keyAlias: `groundwork/${env.name}/alarms`,
      subscriptions: env.observability.subscriptions,
      preventDestroy: protection.preventDestroy,
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
      stateReplication: env.state.replica.enabled
        ? { sourceBucket: env.state.bucket, destinationBucket: env.state.replica.bucket, ruleId: REPLICATION_RULE_ID }
        : undefined,
    });
    const alarms = new MetricAlarms(this, 'alarms', { alarmNamePrefix: name, definitions, topicArn: topic.topicArn });
    const dashboard = new MetricDashboard(this, 'dashboard', { dashboardName: name, region: env.region, alarms: alarms.alarms });

    const trail = new AuditTrail(this, 'audit-trail', {
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
    output('trail_name', trail.trailName, 'CloudTrail trail of the account, every region');
    output('trail_arn', trail.trailArn, 'ARN of the trail');
    output('trail_bucket_name', trail.bucketName, 'Bucket of the trail\'s log files');
  }
}
