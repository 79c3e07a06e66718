import { fail, isSet, pass, type Rule } from '../engine';
import { keyGrantsTo } from './common';

const ALARM_TYPES = ['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm'];
const ALARM_ACTIONS = ['alarm_actions', 'ok_actions', 'insufficient_data_actions'];

export const snsRules: Rule[] = [
  {
    id: 'GW-SNS-01',
    title: 'SNS topic is encrypted with KMS',
    checkov: ['CKV_AWS_26'],
    why: 'Messages (alarm details, event payloads) are stored encrypted until delivered.',
    subjects: ['aws_sns_topic'],
    check(topic) {
      return isSet(topic.body.kms_master_key_id) ? pass() : fail('kms_master_key_id', 'is not set');
    },
  },
  {
    id: 'GW-SNS-02',
    title: "An encrypted topic that alarms notify lets CloudWatch use its key",
    checkov: [],
    checkovNote: 'checkov does not follow alarms to their topic and its key.',
    why: 'CloudWatch must call kms:GenerateDataKey and kms:Decrypt to publish to an encrypted topic; with the AWS-managed alias/aws/sns key, or a key policy that leaves CloudWatch out, every notification is silently dropped.',
    subjects: ['aws_sns_topic'],
    check(topic, { graph }) {
      const alarms = ALARM_TYPES.flatMap((type) => ALARM_ACTIONS.flatMap((field) => graph.referrers(topic, type, field)));
      if (alarms.length === 0) return undefined; // no alarm publishes to it
      const key = graph.key(topic, topic.body.kms_master_key_id);
      if (!key || key.kind === 'external') return undefined; // unencrypted (GW-SNS-01), or a key not in the environment
      if (key.kind === 'aws-managed') return fail('kms_master_key_id', `is ${key.value}, which CloudWatch may not use: alarm notifications are dropped`);
      const grants = keyGrantsTo(graph, key.key, /^cloudwatch\.amazonaws\.com(\.cn)?$/, ['kms:Decrypt', 'kms:GenerateDataKey']);
      if (!grants) return fail('kms_master_key_id', `the gate cannot read the policy of ${key.key.path}`);
      return grants.length > 0
        ? pass()
        : fail('kms_master_key_id', `the policy of ${key.key.path} does not let cloudwatch.amazonaws.com call kms:Decrypt and kms:GenerateDataKey*, so alarms ${alarms[0].path} cannot publish`);
    },
  },
  {
    id: 'GW-SNS-03',
    title: 'SNS subscriptions are not delivered over plain HTTP',
    checkov: [],
    checkovNote: 'checkov has no check on the protocol of an SNS subscription.',
    why: 'An http subscription sends every message in the clear across the internet.',
    subjects: ['aws_sns_topic_subscription'],
    check(subscription) {
      return subscription.body.protocol === 'http' ? fail('protocol', 'is http; use https') : pass();
    },
  },
];
