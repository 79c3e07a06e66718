import { block, fail, isSet, pass, type Resource, type Rule, type RuleContext } from '../engine';

/** The secret a rotation's `secret_id` leads to: the secret, or a version of it, possibly in another stack. */
function secretOf(rotation: Resource, { graph }: RuleContext): Resource | undefined {
  const target = graph.resolve(rotation, rotation.body.secret_id)?.resource;
  if (target?.type === 'aws_secretsmanager_secret') return target;
  if (target?.type === 'aws_secretsmanager_secret_version') {
    const secret = graph.resolve(target, target.body.secret_id)?.resource;
    return secret?.type === 'aws_secretsmanager_secret' ? secret : undefined;
  }
  return undefined;
}

const RATE_DAYS = /^rate\((\d+) days?\)$/;

export const secretsRules: Rule[] = [
  {
    id: 'GW-SECRETS-01',
    title: 'Secrets Manager secret is encrypted with a customer-managed KMS key',
    checkov: ['CKV_AWS_149'],
    why: 'Reading the secret then needs kms:Decrypt on a key whose policy the platform controls, a second lock besides secretsmanager:GetSecretValue.',
    subjects: ['aws_secretsmanager_secret'],
    check(secret, { graph }) {
      const key = graph.key(secret, secret.body.kms_key_id);
      if (!key) return fail('kms_key_id', 'is not set: the AWS-managed key aws/secretsmanager is used');
      return key.kind === 'aws-managed' ? fail('kms_key_id', `is ${key.value}, an AWS-managed key`) : pass();
    },
  },
  {
    id: 'GW-SECRETS-02',
    title: 'Secrets Manager secret rotates automatically',
    checkov: ['CKV2_AWS_57'],
    checkovNote: 'Like CKV2_AWS_57, the gate looks for a rotation that refers to the secret; it also follows rotations in other stacks and those naming a version of the secret.',
    why: 'A credential that never changes stays valid for whoever copied it, long after they should have lost access.',
    subjects: ['aws_secretsmanager_secret'],
    check(secret, context) {
      const rotations = context.graph.all('aws_secretsmanager_secret_rotation').filter((rotation) => secretOf(rotation, context) === secret);
      return rotations.length > 0 ? pass() : fail('aws_secretsmanager_secret_rotation', 'no rotation refers to this secret');
    },
  },
  {
    id: 'GW-SECRETS-03',
    title: 'Secrets rotate at least every 90 days',
    checkov: ['CKV_AWS_304'],
    why: 'Rotation only limits exposure if it happens often enough; 90 days is the usual upper bound in audits.',
    subjects: ['aws_secretsmanager_secret_rotation'],
    check(rotation) {
      const rules = block(rotation.body.rotation_rules);
      const days = rules?.automatically_after_days;
      if (days !== undefined) return Number(days) <= 90 ? pass() : fail('rotation_rules.automatically_after_days', `is ${String(days)}; at most 90`);
      const rate = typeof rules?.schedule_expression === 'string' ? RATE_DAYS.exec(rules.schedule_expression) : null;
      if (rate) return Number(rate[1]) <= 90 ? pass() : fail('rotation_rules.schedule_expression', `rotates every ${rate[1]} days; at most 90`);
      return isSet(rules?.schedule_expression) ? pass() : fail('rotation_rules', 'sets no rotation interval');
    },
  },
];
