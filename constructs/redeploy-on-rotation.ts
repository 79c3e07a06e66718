import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Construct } from 'constructs';
import { partitionOf } from '../lib/arn';
import { replicaSecretArn } from './generated-secret';
import { NodejsFunction } from './nodejs-function';

export interface RedeployOnRotationProps {
  /** Name of the function, the rule and (with `-failed`) the queue of failed redeployments. */
  readonly name: string;
  /** Name of the function's role, unique in the account. @default - `name` */
  readonly roleName?: string;
  /** The cluster whose services are redeployed. */
  readonly clusterArn: string;
  readonly clusterName: string;
  /** The secrets whose rotation triggers a redeployment. */
  readonly secretArns: readonly string[];
  /**
   * A cluster in another region whose services inject the secrets' replicas there: Secrets Manager reports
   * a rotation in the secret's own region only, so this function redeploys those services too.
   * @default - none
   */
  readonly standby?: { readonly clusterName: string; readonly region: string };
  /** The account and region of the cluster. */
  readonly accountId: string;
  readonly region: string;
  /** The KMS key that encrypts the function's log group; see NodejsFunctionProps.logEncryptionKeyArn. */
  readonly logEncryptionKeyArn: string;
}

/**
 * Redeploys the services that use a secret when the secret rotates. ECS injects secrets only when a task
 * starts, so without this, running tasks keep a rotated-away value (a database password that no longer
 * works) until something else replaces them. An EventBridge rule on Secrets Manager's RotationSucceeded
 * event for `secretArns` invokes a function that forces a new deployment of exactly the cluster's
 * services whose task definitions inject the rotated secret. Events that cannot be delivered and
 * invocations that fail after their retries land in an encrypted queue, for an alarm to watch.
 */
export class RedeployOnRotation extends Construct {
  readonly functionArn: string;
  readonly ruleArn: string;
  /** Events and invocations that failed for good. */
  readonly failedQueueArn: string;
  readonly failedQueueName: string;

  constructor(scope: Construct, id: string, props: RedeployOnRotationProps) {
    super(scope, id);
    const clusters = [{ region: props.region, clusterName: props.clusterName, clusterArn: props.clusterArn }];
    const standby = props.standby && { ...props.standby, clusterArn: `arn:${partitionOf(props.standby.region)}:ecs:${props.standby.region}:${props.accountId}:cluster/${props.standby.clusterName}` };
    if (standby) clusters.push(standby);
    const servicesOf = ({ region, clusterName }: { region: string; clusterName: string }) => `arn:${partitionOf(region)}:ecs:${region}:${props.accountId}:service/${clusterName}/*`;
    const failed = new SqsQueue(this, 'failed', {
      name: `${props.name}-failed`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    const rule = new CloudwatchEventRule(this, 'rule', {
      name: props.name,
      description: 'A secret the services inject was rotated',
      eventPattern: JSON.stringify({
        source: ['aws.secretsmanager'],
        'detail-type': ['AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['secretsmanager.amazonaws.com'],
          eventName: ['RotationSucceeded'],
          additionalEventData: { SecretId: [...props.secretArns] },
        },
      }),
    });

    const fn = new NodejsFunction(this, 'redeploy', {
      functionName: props.name,
      roleName: props.roleName,
      description: `Redeploys the services of ${props.clusterName} that use a rotated secret`,
      code: 'redeploy-on-rotation',
      accountId: props.accountId,
      region: props.region,
      logEncryptionKeyArn: props.logEncryptionKeyArn,
      timeoutSeconds: 60,
      environment: { CLUSTER_ARN: props.clusterArn, ...(standby && { STANDBY_CLUSTER_ARN: standby.clusterArn }) },
      statements: [
        {
          sid: 'ListTheClustersServices',
          actions: ['ecs:ListServices'],
          resources: ['*'],
          condition: [{ test: 'ArnEquals', variable: 'ecs:cluster', values: clusters.map((cluster) => cluster.clusterArn) }],
        },
        { sid: 'RedeployTheClustersServices', actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: clusters.map(servicesOf) },
        // Task definitions have no resource-level permissions for Describe.
        { sid: 'ReadWhichSecretsTheyInject', actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] },
        { sid: 'ReportFailures', actions: ['sqs:SendMessage'], resources: [failed.arn] },
        // Which version each replica holds (no value): the standby is redeployed once its replica has the new one.
        ...(standby
          ? [{ sid: 'SeeTheReplicasCatchUp', actions: ['secretsmanager:DescribeSecret'], resources: props.secretArns.flatMap((arn) => [arn, replicaSecretArn(arn, props.region, standby.region)]) }]
          : []),
      ],
    });
    new LambdaFunctionEventInvokeConfig(this, 'on-failure', {
      functionName: fn.functionName,
      maximumRetryAttempts: 2,
      destinationConfig: { onFailure: { destination: failed.arn } },
    });
    const invoke = new LambdaPermission(this, 'rule-invokes', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    });
    const queuePolicy = new DataAwsIamPolicyDocument(this, 'failed-policy-document', {
      statement: [
        {
          sid: 'RuleReportsUndeliverableEvents',
          principals: [{ type: 'Service', identifiers: ['events.amazonaws.com'] }],
          actions: ['sqs:SendMessage'],
          resources: [failed.arn],
          condition: [{ test: 'ArnEquals', variable: 'aws:SourceArn', values: [rule.arn] }],
        },
      ],
    });
    new SqsQueuePolicy(this, 'failed-policy', { queueUrl: failed.url, policy: queuePolicy.json });
    new CloudwatchEventTarget(this, 'target', {
      rule: rule.name,
      arn: fn.functionArn,
      retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 10 },
      deadLetterConfig: { arn: failed.arn },
      dependsOn: [invoke],
    });
    this.functionArn = fn.functionArn;
    this.ruleArn = rule.arn;
    this.failedQueueArn = failed.arn;
    this.failedQueueName = failed.name;
  }
}
