// Every rule of the policy gate, in the order it reports them. docs/policy.md lists them all.
import type { Rule } from './engine';
import { albRules } from './rules/alb';
import { alarmRules } from './rules/alarms';
import { backupRules } from './rules/backup';
import { cloudtrailRules } from './rules/cloudtrail';
import { ec2Rules } from './rules/ec2';
import { ecrRules } from './rules/ecr';
import { ecsRules } from './rules/ecs';
import { eksRules } from './rules/eks';
import { elasticacheRules } from './rules/elasticache';
import { iamRules } from './rules/iam';
import { kmsRules } from './rules/kms';
import { lambdaRules } from './rules/lambda';
import { logsRules } from './rules/logs';
import { networkRules } from './rules/network';
import { rdsRules } from './rules/rds';
import { prometheusRules } from './rules/prometheus';
import { routingRules } from './rules/routing';
import { s3Rules } from './rules/s3';
import { secretsRules } from './rules/secrets';
import { snsRules } from './rules/sns';
import { sqsRules } from './rules/sqs';

export const RULES: readonly Rule[] = [
  ...s3Rules,
  ...kmsRules,
  ...rdsRules,
  ...elasticacheRules,
  ...albRules,
  ...ecsRules,
  ...ecrRules,
  ...logsRules,
  ...alarmRules,
  ...snsRules,
  ...secretsRules,
  ...cloudtrailRules,
  ...networkRules,
  ...ec2Rules,
  ...iamRules,
  ...eksRules,
  ...lambdaRules,
  ...backupRules,
  ...sqsRules,
  ...routingRules,
  ...prometheusRules,
];

export * from './engine';
export { formatReport } from './report';
