import { fail, isSet, pass, type PlatformGraph, type Resource, type Rule } from '../engine';
import { allowsActions, keyGrantsTo, servicePrincipals } from './common';

const ALARM_TYPES = ['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm'];
const ALARM_ACTIONS = ['alarm_actions', 'ok_actions', 'insufficient_data_actions'];
const CLOUDWATCH = /^cloudwatch\.amazonaws\.com(\.cn)?$/;
/** What CloudWatch does with a topic's key: any of these makes a statement a use of the key. */
const KEY_USE = ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'];
/** SNS names the topic in the encryption context of every data key it asks for. */
const TOPIC_CONTEXT = 'kms:EncryptionContext:aws:sns:topicArn';
/**
 * The condition operators that narrow a value to what they list: not the negated ones, nor `...IfExists` or
 * `ForAllValues:`, which also hold when the request carries no such context.
 */
const BINDING_TESTS = ['StringEquals', 'StringLike', 'ArnEquals', 'ArnLike'];
/** An SNS topic's ARN, written out: groups 1 to 3 are its region, account and name. */
const TOPIC_ARN = /^arn:[a-z-]+:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/;

/**
 * True when a condition value names `topic` and nothing else: a reference to the topic's `arn` (or `id`,
 * which is its ARN), or its ARN written out, with the topic's literal name and, where the gate can read
 * them from the topic's provider, its region and one of its allowed accounts. A wildcard names more.
 */
function namesTopic(graph: PlatformGraph, from: Resource, value: string, topic: Resource): boolean {
  const reference = graph.resolve(from, value);
  if (reference) return reference.resource === topic && ['arn', 'id'].includes(reference.attribute);
  const arn = TOPIC_ARN.exec(value);
  if (!arn || typeof topic.body.name !== 'string' || topic.body.name.includes('${')) return false;
  const [, region, account, name] = arn;
  if (name !== topic.body.name) return false;
  const provider = graph.providerRegion(topic);
  if (provider.region !== undefined && provider.region !== region) return false;
  const accounts = provider.config?.allowed_account_ids;
  return !Array.isArray(accounts) || accounts.length === 0 || accounts.map(String).includes(account);
}

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
    title: 'An encrypted topic that alarms notify lets CloudWatch use its key, and only for that topic',
    checkov: [],
    checkovNote: 'checkov does not follow alarms to their topic and its key.',
    why: 'CloudWatch must call kms:GenerateDataKey and kms:Decrypt to publish to an encrypted topic; with the AWS-managed alias/aws/sns key, or a key policy that leaves CloudWatch out, every notification is silently dropped. A grant not bound to the topic (kms:EncryptionContext:aws:sns:topicArn) lets CloudWatch use the key for any topic, of any account: the confused deputy.',
    subjects: ['aws_sns_topic'],
    check(topic, { graph }) {
      const alarms = ALARM_TYPES.flatMap((type) => ALARM_ACTIONS.flatMap((field) => graph.referrers(topic, type, field)));
      if (alarms.length === 0) return undefined; // no alarm publishes to it
      const key = graph.key(topic, topic.body.kms_master_key_id);
      if (!key || key.kind === 'external') return undefined; // unencrypted (GW-SNS-01), or a key not in the environment
      if (key.kind === 'aws-managed') return fail('kms_master_key_id', `is ${key.value}, which CloudWatch may not use: alarm notifications are dropped`);
      const grants = keyGrantsTo(graph, key.key, CLOUDWATCH, ['kms:Decrypt', 'kms:GenerateDataKey']);
      if (!grants) return fail('kms_master_key_id', `the gate cannot read the policy of ${key.key.path}`);
      if (grants.length === 0) {
        return fail('kms_master_key_id', `the policy of ${key.key.path} does not let cloudwatch.amazonaws.com call kms:Decrypt and kms:GenerateDataKey*, so alarms ${alarms[0].path} cannot publish`);
      }
      // Every statement that lets CloudWatch use the key at all must bind it to this topic.
      const uses = (graph.policy(key.key, key.key.body.policy) ?? []).filter(
        (s) => s.effect === 'Allow' && servicePrincipals(s).some((p) => CLOUDWATCH.test(p)) && KEY_USE.some((action) => allowsActions(s, [action])),
      );
      for (const statement of uses) {
        const name = statement.sid ? `statement ${statement.sid}` : 'a statement';
        const conditions = statement.conditions.filter((c) => c.variable.toLowerCase() === TOPIC_CONTEXT.toLowerCase());
        const binding = conditions.filter((c) => BINDING_TESTS.includes(c.test));
        if (binding.length === 0) {
          return fail(
            'kms_master_key_id',
            `${name} of the policy of ${key.key.path} lets cloudwatch.amazonaws.com use the key without ${conditions.length > 0 ? 'a StringEquals, StringLike, ArnEquals or ArnLike condition' : 'a condition'} on ${TOPIC_CONTEXT}, so for any topic, not only ${topic.path}`,
          );
        }
        for (const condition of binding) {
          const other = condition.values.length === 0 ? '(no value)' : condition.values.find((value) => !namesTopic(graph, key.key, value, topic));
          if (other !== undefined) {
            return fail('kms_master_key_id', `${name} of the policy of ${key.key.path} binds ${TOPIC_CONTEXT} to ${other}, not to ${topic.path} alone`);
          }
        }
      }
      return pass();
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
