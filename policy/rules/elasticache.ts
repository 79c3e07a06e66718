import { fail, isSet, isTrue, pass, strings, type Rule } from '../engine';

export const elasticacheRules: Rule[] = [
  {
    id: 'GW-CACHE-01',
    title: 'ElastiCache replication group is encrypted at rest with a customer-managed KMS key',
    checkov: ['CKV_AWS_29', 'CKV_AWS_191'],
    why: 'Snapshots and swapped data are encrypted under a key the platform controls; at-rest encryption cannot be turned on for a live group.',
    subjects: ['aws_elasticache_replication_group'],
    check(group) {
      if (!isTrue(group.body.at_rest_encryption_enabled)) return fail('at_rest_encryption_enabled', 'is not true');
      return isSet(group.body.kms_key_id) ? pass() : fail('kms_key_id', 'is not set: the data uses the AWS-managed key');
    },
  },
  {
    id: 'GW-CACHE-02',
    title: 'ElastiCache replication group requires TLS in transit',
    checkov: ['CKV_AWS_30'],
    checkovNote: 'CKV_AWS_30 accepts transit_encryption_mode "preferred"; the gate does not, since it still accepts plain-text clients.',
    why: 'Cache traffic (session data, tokens) would otherwise cross the VPC in the clear, and the AUTH token with it.',
    subjects: ['aws_elasticache_replication_group'],
    check(group) {
      if (!isTrue(group.body.transit_encryption_enabled)) return fail('transit_encryption_enabled', 'is not true');
      return group.body.transit_encryption_mode === 'preferred' ? fail('transit_encryption_mode', 'is "preferred": plain-text connections are still accepted') : pass();
    },
  },
  {
    id: 'GW-CACHE-03',
    title: 'ElastiCache replication group requires authentication (AUTH token or RBAC user group)',
    checkov: ['CKV_AWS_31'],
    why: 'Without AUTH, anything that reaches the port can read and write every key.',
    subjects: ['aws_elasticache_replication_group'],
    check(group) {
      return isSet(group.body.auth_token) || strings(group.body.user_group_ids).length > 0 ? pass() : fail('auth_token', 'is not set and no user group is attached');
    },
  },
  {
    id: 'GW-CACHE-04',
    title: 'Production cache fails over automatically across zones',
    checkov: ['CKV2_AWS_50'],
    why: 'Without automatic failover and Multi-AZ, losing the primary node or its zone leaves the service without a writable cache until someone acts.',
    subjects: ['aws_elasticache_replication_group'],
    tiers: ['prod'],
    check(group) {
      if (!isTrue(group.body.automatic_failover_enabled)) return fail('automatic_failover_enabled', 'is not true');
      return isTrue(group.body.multi_az_enabled) ? pass() : fail('multi_az_enabled', 'is not true');
    },
  },
];
