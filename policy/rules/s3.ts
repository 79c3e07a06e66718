import { fail, isTrue, pass, valuesAt, type Resource, type Rule, type RuleContext } from '../engine';
import { hasAnyPrincipal } from './common';

/**
 * S3 settings live in companion resources (`aws_s3_bucket_versioning`, ...) whose `bucket` names the
 * bucket: `${aws_s3_bucket.<name>.id}` (or `.bucket`), possibly from another stack, or its literal name.
 */
function companions(bucket: Resource, { graph }: RuleContext, type: string): Resource[] {
  return graph.referrers(bucket, type, 'bucket', (name) => name === bucket.body.bucket);
}

const ALGORITHMS = ['aws:kms', 'aws:kms:dsse', 'AES256'];

export const s3Rules: Rule[] = [
  {
    id: 'GW-S3-01',
    title: 'S3 bucket has default server-side encryption (SSE-KMS or SSE-S3)',
    checkov: ['CKV_AWS_19', 'CKV_AWS_145'],
    checkovNote: 'CKV_AWS_145 asks for SSE-KMS on every bucket; the gate accepts SSE-S3 too, because ALB access logs can only be delivered to SSE-S3 buckets.',
    why: 'Objects at rest are encrypted, by a choice written down (SSE-KMS with a customer key where possible, SSE-S3 where a delivering service needs it) rather than left to AWS defaults.',
    subjects: ['aws_s3_bucket'],
    check(bucket, context) {
      const inline = valuesAt(bucket.body, 'server_side_encryption_configuration.rule.apply_server_side_encryption_by_default.sse_algorithm');
      const configured = companions(bucket, context, 'aws_s3_bucket_server_side_encryption_configuration').flatMap((c) =>
        valuesAt(c.body, 'rule.apply_server_side_encryption_by_default.sse_algorithm'),
      );
      const algorithms = [...inline, ...configured];
      if (algorithms.length === 0) {
        return fail('aws_s3_bucket_server_side_encryption_configuration', 'no server-side encryption configuration refers to this bucket');
      }
      const unknown = algorithms.filter((a) => !ALGORITHMS.includes(String(a)));
      return unknown.length > 0
        ? fail('rule.apply_server_side_encryption_by_default.sse_algorithm', `is ${unknown.join(', ')}; expected one of ${ALGORITHMS.join(', ')}`)
        : pass();
    },
  },
  {
    id: 'GW-S3-02',
    title: 'S3 bucket blocks every kind of public access',
    checkov: ['CKV2_AWS_6', 'CKV_AWS_53', 'CKV_AWS_54', 'CKV_AWS_55', 'CKV_AWS_56'],
    why: 'A public-access block is the one switch that keeps a mistaken ACL or bucket policy from publishing the objects.',
    subjects: ['aws_s3_bucket'],
    check(bucket, context) {
      const blocks = companions(bucket, context, 'aws_s3_bucket_public_access_block');
      if (blocks.length === 0) return fail('aws_s3_bucket_public_access_block', 'no public access block refers to this bucket');
      for (const flag of ['block_public_acls', 'block_public_policy', 'ignore_public_acls', 'restrict_public_buckets']) {
        if (!blocks.some((b) => isTrue(b.body[flag]))) return fail(flag, `is not true in the bucket's public access block (${blocks[0].path})`);
      }
      return pass();
    },
  },
  {
    id: 'GW-S3-03',
    title: 'S3 bucket has versioning enabled',
    checkov: ['CKV_AWS_21'],
    why: 'An overwritten or deleted object (a state file, a log someone wanted gone) can be recovered while its old version is kept.',
    subjects: ['aws_s3_bucket'],
    check(bucket, context) {
      if (valuesAt(bucket.body, 'versioning.enabled').some(isTrue)) return pass();
      const versioning = companions(bucket, context, 'aws_s3_bucket_versioning');
      if (versioning.length === 0) return fail('aws_s3_bucket_versioning', 'no versioning configuration refers to this bucket');
      return versioning.some((v) => valuesAt(v.body, 'versioning_configuration.status').includes('Enabled'))
        ? pass()
        : fail('versioning_configuration.status', `is not "Enabled" in ${versioning[0].path}`);
    },
  },
  {
    id: 'GW-S3-04',
    title: 'S3 bucket policy denies every request not made over TLS',
    checkov: ['CKV_AWS_379'],
    checkovNote: 'checkov asks this only of buckets with a public ACL (CKV_AWS_379); the gate asks it of every bucket.',
    why: 'Without it, a client can read or write objects over plain HTTP, where credentials-signed requests and data cross the network in the clear.',
    subjects: ['aws_s3_bucket'],
    check(bucket, context) {
      const policies = companions(bucket, context, 'aws_s3_bucket_policy');
      const inline = bucket.body.policy !== undefined ? [bucket] : [];
      if (policies.length === 0 && inline.length === 0) return fail('aws_s3_bucket_policy', 'no bucket policy refers to this bucket');
      const name = typeof bucket.body.bucket === 'string' ? bucket.body.bucket : undefined;
      const isBucket = (from: Resource, arn: string) => arn === '*' || context.graph.refersTo(from, arn, bucket) || (name !== undefined && arn === `arn:aws:s3:::${name}`);
      const isObjects = (from: Resource, arn: string) =>
        arn === '*' || (arn.endsWith('/*') && (context.graph.refersTo(from, arn.slice(0, -2), bucket) || (name !== undefined && arn === `arn:aws:s3:::${name}/*`)));
      for (const policy of [...policies, ...inline]) {
        const statements = context.graph.policy(policy, policy.body.policy);
        if (!statements) continue;
        const denies = statements.some(
          (s) =>
            s.effect === 'Deny' &&
            hasAnyPrincipal(s) &&
            s.actions.some((a) => a === 's3:*' || a === '*') &&
            s.conditions.some((c) => c.test === 'Bool' && c.variable === 'aws:SecureTransport' && c.values.includes('false')) &&
            s.resources.some((r) => isBucket(policy, r)) &&
            s.resources.some((r) => isObjects(policy, r)),
        );
        if (denies) return pass();
      }
      return fail('policy', 'no statement denies s3:* to everyone on the bucket and its objects when aws:SecureTransport is false');
    },
  },
  {
    id: 'GW-S3-05',
    title: 'S3 bucket has ACLs disabled (object ownership BucketOwnerEnforced)',
    checkov: ['CKV2_AWS_65'],
    why: 'With ACLs off, the bucket owner owns every object and only policies decide access: no object can be made public or foreign-owned by an ACL.',
    subjects: ['aws_s3_bucket'],
    check(bucket, context) {
      const controls = companions(bucket, context, 'aws_s3_bucket_ownership_controls');
      if (controls.length === 0) return fail('aws_s3_bucket_ownership_controls', 'no ownership controls refer to this bucket');
      return controls.some((c) => valuesAt(c.body, 'rule.object_ownership').includes('BucketOwnerEnforced'))
        ? pass()
        : fail('rule.object_ownership', `is not BucketOwnerEnforced in ${controls[0].path}`);
    },
  },
  {
    id: 'GW-S3-06',
    title: 'S3 bucket policy allows nothing to every principal',
    checkov: ['CKV_AWS_70'],
    why: 'An Allow to `*` makes the bucket (or part of it) public, whatever the intention of its condition.',
    subjects: ['aws_s3_bucket_policy'],
    check(policy, { graph }) {
      const statements = graph.policy(policy, policy.body.policy);
      if (!statements) return fail('policy', 'the gate cannot read this policy (use an aws_iam_policy_document or policy JSON)');
      const open = statements.find((s) => s.effect === 'Allow' && hasAnyPrincipal(s));
      return open ? fail('policy', `statement ${open.sid ?? '(no sid)'} allows ${open.actions.join(', ')} to every principal`) : pass();
    },
  },
  {
    id: 'GW-S3-07',
    title: 'S3 replication copies SSE-KMS objects and encrypts each replica with a customer key',
    checkov: [],
    checkovNote: 'checkov has no check on a replication rule\'s encryption; CKV_AWS_144 asks only that a bucket be replicated.',
    why: 'Without the source selection S3 silently skips every SSE-KMS object (all of the state), and without a replica key the copies lose the encryption the source had.',
    subjects: ['aws_s3_bucket_replication_configuration'],
    check(replication) {
      const rules = valuesAt(replication.body, 'rule').flatMap((rule) => (Array.isArray(rule) ? rule : [rule])) as Record<string, unknown>[];
      for (const rule of rules) {
        if (!valuesAt(rule, 'source_selection_criteria.sse_kms_encrypted_objects.status').includes('Enabled')) {
          return fail('rule.source_selection_criteria.sse_kms_encrypted_objects.status', `is not "Enabled" in rule ${String(rule.id ?? '(no id)')}: S3 would replicate no SSE-KMS object`);
        }
        if (valuesAt(rule, 'destination.encryption_configuration.replica_kms_key_id').length === 0) {
          return fail('rule.destination.encryption_configuration.replica_kms_key_id', `is not set in rule ${String(rule.id ?? '(no id)')}`);
        }
      }
      return rules.length > 0 ? pass() : fail('rule', 'the configuration has no rule');
    },
  },
];
