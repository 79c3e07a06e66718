import { blocks, fail, pass, strings, type Outcome, type Resource, type Rule, type RuleContext, type Statement } from '../engine';
import { hasAnyPrincipal } from './common';

/**
 * Identity policies: the policies attached to a role, user or group (inline, or a managed policy).
 * Resource policies (a KMS key's, a bucket's, a queue's) are not identity policies: a key policy's
 * `kms:*` on `*` for the account root only delegates the key to IAM.
 */
const IDENTITY_POLICIES = ['aws_iam_role_policy', 'aws_iam_user_policy', 'aws_iam_group_policy', 'aws_iam_policy', 'aws_iam_role'];

/** The documents an identity-policy resource holds; undefined when it holds none (a role without inline policies). */
function identityDocuments(resource: Resource, { graph }: RuleContext): { field: string; statements: Statement[] | undefined }[] | undefined {
  if (resource.type === 'aws_iam_role') {
    const inline = blocks(resource.body.inline_policy).filter((p) => p.policy !== undefined);
    return inline.length > 0 ? inline.map((p, i) => ({ field: `inline_policy[${i}].policy`, statements: graph.policy(resource, p.policy) })) : undefined;
  }
  return [{ field: 'policy', statements: graph.policy(resource, resource.body.policy) }];
}

function judgeIdentityPolicy(resource: Resource, context: RuleContext, judge: (statement: Statement) => string | undefined): Outcome | undefined {
  const documents = identityDocuments(resource, context);
  if (!documents) return undefined;
  for (const { field, statements } of documents) {
    if (!statements) return fail(field, 'the gate cannot read this policy (use an aws_iam_policy_document or policy JSON)');
    for (const statement of statements.filter((s) => s.effect === 'Allow')) {
      const problem = judge(statement);
      if (problem) return fail(field, `statement ${statement.sid ?? '(no sid)'} ${problem}`);
    }
  }
  return pass();
}

const ADMIN_POLICIES = /:policy\/(AdministratorAccess|IAMFullAccess)$/;

export const iamRules: Rule[] = [
  {
    id: 'GW-IAM-01',
    title: 'No identity policy allows every action on every resource',
    checkov: ['CKV_AWS_62', 'CKV_AWS_1'],
    checkovNote: "CKV_AWS_1 judges every aws_iam_policy_document, key policies included; the gate follows each role's, user's and group's policy to its document and judges only those.",
    why: '`*` on `*` is administrator access: whoever holds the role can do anything in the account, including granting themselves more.',
    subjects: IDENTITY_POLICIES,
    check(resource, context) {
      return judgeIdentityPolicy(resource, context, (s) => {
        const everyAction = s.actions.includes('*') || s.actions.includes('*:*') || s.notActions.length > 0;
        return everyAction && s.resources.includes('*') ? `allows ${s.notActions.length > 0 ? 'everything but ' + s.notActions.join(', ') : s.actions.join(', ')} on *` : undefined;
      });
    },
  },
  {
    id: 'GW-IAM-02',
    title: 'No identity policy allows a wildcard action (`*` or `<service>:*`)',
    checkov: ['CKV_AWS_63', 'CKV_AWS_49'],
    checkovNote: 'checkov flags `*` only; the gate flags a whole service (`s3:*`) too.',
    why: 'A service wildcard grants actions nobody reviewed, including those AWS adds later (deletion, policy changes).',
    subjects: IDENTITY_POLICIES,
    check(resource, context) {
      return judgeIdentityPolicy(resource, context, (s) => {
        const wildcard = s.actions.find((action) => action === '*' || /^[a-z0-9-]+:\*$/i.test(action));
        return wildcard ? `allows ${wildcard}` : undefined;
      });
    },
  },
  {
    id: 'GW-IAM-03',
    title: "A role's trust policy names specific principals and only lets them assume the role",
    checkov: ['CKV_AWS_60', 'CKV_AWS_61'],
    why: 'A trust policy with `*` (or a whole account as `AWS: *`) lets anyone who finds the role assume it.',
    subjects: ['aws_iam_role'],
    check(role, { graph }) {
      const statements = graph.policy(role, role.body.assume_role_policy);
      if (!statements) return fail('assume_role_policy', 'the gate cannot read the trust policy (use an aws_iam_policy_document or policy JSON)');
      for (const statement of statements.filter((s) => s.effect === 'Allow')) {
        const name = statement.sid ?? '(no sid)';
        if (statement.principals.length === 0) return fail('assume_role_policy', `statement ${name} names no principal`);
        if (hasAnyPrincipal(statement)) return fail('assume_role_policy', `statement ${name} lets every principal assume the role`);
        const other = statement.actions.find((action) => !/^sts:(AssumeRole|AssumeRoleWithWebIdentity|AssumeRoleWithSAML|TagSession|SetSourceIdentity)$/.test(action));
        if (other) return fail('assume_role_policy', `statement ${name} allows ${other}; a trust policy allows sts:AssumeRole* only`);
      }
      return pass();
    },
  },
  {
    id: 'GW-IAM-04',
    title: 'No role, user or group gets the AdministratorAccess or IAMFullAccess managed policy',
    checkov: ['CKV_AWS_274', 'CKV2_AWS_56'],
    why: 'These AWS-managed policies grant everything (or every IAM action, which amounts to the same); nothing in the platform needs them.',
    subjects: ['aws_iam_role_policy_attachment', 'aws_iam_policy_attachment', 'aws_iam_user_policy_attachment', 'aws_iam_group_policy_attachment', 'aws_iam_role'],
    check(resource) {
      const arns = resource.type === 'aws_iam_role' ? strings(resource.body.managed_policy_arns) : strings(resource.body.policy_arn);
      if (resource.type === 'aws_iam_role' && arns.length === 0) return undefined;
      const admin = arns.find((arn) => ADMIN_POLICIES.test(arn));
      return admin ? fail(resource.type === 'aws_iam_role' ? 'managed_policy_arns' : 'policy_arn', `is ${admin}`) : pass();
    },
  },
];
