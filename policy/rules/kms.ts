import { fail, isTrue, pass, type Rule } from '../engine';
import { hasAnyPrincipal, servicePrincipals } from './common';

const isSymmetric = (spec: unknown) => spec === undefined || spec === 'SYMMETRIC_DEFAULT';

export const kmsRules: Rule[] = [
  {
    id: 'GW-KMS-01',
    title: 'KMS key rotates its key material automatically',
    checkov: ['CKV_AWS_7'],
    why: 'Rotation limits how much data one key version protects and is a control most audits ask for; AWS rotates symmetric keys only when asked.',
    subjects: ['aws_kms_key'],
    check(key) {
      if (!isSymmetric(key.body.customer_master_key_spec)) return undefined; // AWS rotates only symmetric keys
      return isTrue(key.body.enable_key_rotation) ? pass() : fail('enable_key_rotation', 'is not true');
    },
  },
  {
    id: 'GW-KMS-02',
    title: 'KMS key has an explicit key policy that names no wildcard principal',
    checkov: ['CKV2_AWS_64', 'CKV_AWS_33'],
    why: "Without a policy a key gets AWS's default; a `*` principal in a key policy lets any AWS account use the key.",
    subjects: ['aws_kms_key'],
    check(key, { graph }) {
      if (key.body.policy === undefined) return fail('policy', 'the key has no key policy of its own');
      const statements = graph.policy(key, key.body.policy);
      if (!statements) return fail('policy', 'the gate cannot read the key policy (use an aws_iam_policy_document or policy JSON)');
      const open = statements.find((s) => s.effect === 'Allow' && hasAnyPrincipal(s));
      return open ? fail('policy', `statement ${open.sid ?? '(no sid)'} allows every principal`) : pass();
    },
  },
  {
    id: 'GW-KMS-03',
    title: 'KMS key policy lets an AWS service use the key only under a condition',
    checkov: [],
    checkovNote: 'checkov has no check on service principals in key policies.',
    why: 'A service principal without a condition (an encryption context, a source ARN or account) may use the key on behalf of any customer of that service: the confused deputy.',
    subjects: ['aws_kms_key'],
    check(key, { graph }) {
      const statements = graph.policy(key, key.body.policy);
      if (!statements) return undefined; // GW-KMS-02 reports an unreadable policy
      const open = statements.find((s) => s.effect === 'Allow' && servicePrincipals(s).length > 0 && s.conditions.length === 0);
      return open ? fail('policy', `statement ${open.sid ?? '(no sid)'} lets ${servicePrincipals(open).join(', ')} use the key without a condition`) : pass();
    },
  },
];
