import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { partitionOf } from '../lib/arn';
import { EncryptionKey } from './encryption-key';

/** Someone told of every alarm change: an email address, an HTTPS webhook, an SQS queue or a Lambda function. */
export interface AlarmSubscriber {
  readonly protocol: 'email' | 'https' | 'sqs' | 'lambda';
  /** The address, URL or ARN. */
  readonly endpoint: string;
}

export interface AlarmTopicProps {
  /** The topic's name, e.g. `groundwork-prod-alarms`. */
  readonly topicName: string;
  /** Alias (without `alias/`) of the topic's own KMS key, e.g. `groundwork/prod/alarms`. */
  readonly keyAlias: string;
  /** The account whose alarms may publish, and which owns topic and key. */
  readonly accountId: string;
  /** The topic's region: only alarms of this region publish to it. */
  readonly region: string;
  /** Who is told. Email and HTTPS subscribers must confirm first; see docs/observability.md. @default - nobody */
  readonly subscriptions?: readonly AlarmSubscriber[];
  /** Days between rotations of the topic's key. @default 365 */
  readonly keyRotationPeriodDays?: number;
  /** Days a deleted key waits before it is gone. @default 30 */
  readonly keyDeletionWindowDays?: number;
  /** Terraform refuses any plan that destroys the key. @default false */
  readonly preventDestroy?: boolean;
  /** Managed Prometheus alert managers of the account, in the topic's region, may publish too. @default false */
  readonly prometheusAlerts?: boolean;
}

/**
 * An SNS topic for CloudWatch alarms: encrypted with a key of its own that CloudWatch may use to publish,
 * a topic policy that admits only the account's own alarms in the topic's region (and, when asked, its
 * Managed Prometheus alert managers there), and its subscribers.
 */
export class AlarmTopic extends Construct {
  readonly topicArn: string;
  readonly topicName: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const partition = partitionOf(props.region);
    // Built from the name, not taken from the topic: the key's policy needs it, and the topic needs the key.
    const topicArn = `arn:${partition}:sns:${props.region}:${props.accountId}:${props.topicName}`;
    const publishers = ['cloudwatch.amazonaws.com', ...(props.prometheusAlerts ? ['aps.amazonaws.com'] : [])];
    const key = new EncryptionKey(this, 'key', {
      description: `SNS topic ${props.topicName}`,
      alias: props.keyAlias,
      accountId: props.accountId,
      region: props.region,
      rotationPeriodDays: props.keyRotationPeriodDays,
      deletionWindowDays: props.keyDeletionWindowDays,
      // A publisher to an encrypted topic needs the topic's key, and AWS's own SNS key leaves CloudWatch out.
      // SNS names the topic in the encryption context of every data key: this key serves this topic only.
      serviceGrants: publishers.map((principal) => ({
        principal,
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        conditions: [{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: [topicArn] }],
      })),
      preventDestroy: props.preventDestroy,
    });
    const topic = new SnsTopic(this, 'topic', { name: props.topicName, kmsMasterKeyId: key.keyArn });

    const policy = new DataAwsIamPolicyDocument(this, 'policy', {
      statement: [
        {
          sid: 'AccountAlarmsPublish',
          principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }],
          actions: ['sns:Publish'],
          resources: [topic.arn],
          // Guards against the confused deputy: only alarms of this account, in this region.
          condition: [
            { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
            { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:${partition}:cloudwatch:${props.region}:${props.accountId}:alarm:*`] },
          ],
        },
        ...(props.prometheusAlerts
          ? [
              {
                sid: 'AccountPrometheusAlertsPublish',
                principals: [{ type: 'Service', identifiers: ['aps.amazonaws.com'] }],
                actions: ['sns:Publish', 'sns:GetTopicAttributes'],
                resources: [topic.arn],
                condition: [
                  { test: 'StringEquals', variable: 'aws:SourceAccount', values: [props.accountId] },
                  { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:${partition}:aps:${props.region}:${props.accountId}:workspace/*`] },
                ],
              },
            ]
          : []),
      ],
    });
    new SnsTopicPolicy(this, 'topic-policy', { arn: topic.arn, policy: policy.json });

    for (const subscription of props.subscriptions ?? []) {
      // Named by what it is, not its place in the list: reordering subscribers replaces none of them.
      new SnsTopicSubscription(this, `subscription-${subscription.protocol}-${digest(subscription.endpoint)}`, {
        topicArn: topic.arn,
        protocol: subscription.protocol,
        endpoint: subscription.endpoint,
      });
    }

    this.topicArn = topic.arn;
    this.topicName = topic.name;
    this.keyArn = key.keyArn;
  }
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
