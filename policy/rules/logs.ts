import { fail, isSet, pass, type Resource, type Rule, type RuleContext, type Statement } from '../engine';
import { keyGrantsTo } from './common';

const LOGS_PRINCIPAL = /^logs(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/;
const LOG_GROUP_CONTEXT = 'kms:EncryptionContext:aws:logs:arn';

/** True when a grant's conditions (if any name the log group ARN) admit this log group. */
function grantCovers(statement: Statement, logGroup: Resource, { graph }: RuleContext): boolean {
  const scoped = statement.conditions.filter((c) => c.variable === LOG_GROUP_CONTEXT);
  if (scoped.length === 0) return true;
  const name = logGroup.body.name;
  return scoped.every((condition) =>
    condition.values.some((value) => {
      if (graph.referencesIn(logGroup.stack, value).some((reference) => reference.resource === logGroup)) return true;
      const pattern = /:log-group:(.*)$/.exec(value)?.[1];
      if (pattern === undefined || typeof name !== 'string') return false;
      const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      return regex.test(name) || regex.test(`${name}:*`);
    }),
  );
}

export const logsRules: Rule[] = [
  {
    id: 'GW-LOGS-01',
    title: 'CloudWatch log group is encrypted with a KMS key',
    checkov: ['CKV_AWS_158'],
    why: 'Logs carry request data, identifiers and error details; with a KMS key, reading them needs kms:Decrypt too, and the key can be revoked.',
    subjects: ['aws_cloudwatch_log_group'],
    check(logGroup) {
      return isSet(logGroup.body.kms_key_id) ? pass() : fail('kms_key_id', 'is not set');
    },
  },
  {
    id: 'GW-LOGS-02',
    title: 'CloudWatch log group has a retention period',
    checkov: ['CKV_AWS_66'],
    why: 'Without one, logs are kept (and billed) forever, and personal data in them outlives any deletion policy.',
    subjects: ['aws_cloudwatch_log_group'],
    check(logGroup) {
      return Number(logGroup.body.retention_in_days ?? 0) > 0 ? pass() : fail('retention_in_days', 'is not set: records never expire');
    },
  },
  {
    id: 'GW-LOGS-03',
    title: 'Production log groups keep records for at least a year',
    checkov: ['CKV_AWS_338'],
    checkovNote: 'checkov asks a year of every log group; the gate of prod only, where audits and incident reviews reach back that far.',
    why: 'Investigations and audits look back months; shorter retention loses the evidence.',
    subjects: ['aws_cloudwatch_log_group'],
    tiers: ['prod'],
    check(logGroup) {
      const days = Number(logGroup.body.retention_in_days ?? 0);
      return days === 0 || days >= 365 ? pass() : fail('retention_in_days', `is ${days}; prod keeps logs at least 365 days`);
    },
  },
  {
    id: 'GW-LOGS-04',
    title: "A log group's KMS key lets CloudWatch Logs use it for that log group",
    checkov: [],
    checkovNote: 'checkov does not follow a log group to its key policy.',
    why: 'CloudWatch Logs refuses to create or write a log group whose key it may not use: the apply fails, or logging stops when the policy changes.',
    subjects: ['aws_cloudwatch_log_group'],
    check(logGroup, context) {
      const key = context.graph.key(logGroup, logGroup.body.kms_key_id);
      if (!key) return undefined; // GW-LOGS-01 reports an unencrypted log group
      if (key.kind === 'aws-managed') return fail('kms_key_id', `is ${key.value}: CloudWatch Logs takes customer-managed keys only`);
      if (key.kind === 'external') return undefined; // a key outside the environment: its policy is not here to read
      const grants = keyGrantsTo(context.graph, key.key, LOGS_PRINCIPAL, ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']);
      if (!grants) return fail('kms_key_id', `the gate cannot read the policy of ${key.key.path}`);
      return grants.some((grant) => grantCovers(grant, logGroup, context))
        ? pass()
        : fail('kms_key_id', `the policy of ${key.key.path} does not let logs.<region>.amazonaws.com encrypt and decrypt for log group ${String(logGroup.body.name)}`);
    },
  },
];
