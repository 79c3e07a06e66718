import { fail, isSet, isTrue, pass, type Rule } from '../engine';

export const cloudtrailRules: Rule[] = [
  {
    id: 'GW-TRAIL-01',
    title: 'CloudTrail trail records every region',
    checkov: ['CKV_AWS_67'],
    why: 'Activity in a region nobody uses (often an attacker\'s first choice) would otherwise go unrecorded.',
    subjects: ['aws_cloudtrail'],
    check(trail) {
      return isTrue(trail.body.is_multi_region_trail) ? pass() : fail('is_multi_region_trail', 'is not true');
    },
  },
  {
    id: 'GW-TRAIL-02',
    title: 'CloudTrail trail validates its log files',
    checkov: ['CKV_AWS_36'],
    why: 'Digest files prove that no log file was changed or deleted after delivery.',
    subjects: ['aws_cloudtrail'],
    check(trail) {
      return isTrue(trail.body.enable_log_file_validation) ? pass() : fail('enable_log_file_validation', 'is not true');
    },
  },
  {
    id: 'GW-TRAIL-03',
    title: 'CloudTrail trail encrypts its log files with a KMS key',
    checkov: ['CKV_AWS_35'],
    why: 'The account\'s activity record is then readable only by those the key policy admits, not by everyone who can read the bucket.',
    subjects: ['aws_cloudtrail'],
    check(trail) {
      return isSet(trail.body.kms_key_id) ? pass() : fail('kms_key_id', 'is not set');
    },
  },
];
