import { fail, isSet, isTrue, pass, type Rule } from '../engine';

export const sqsRules: Rule[] = [
  {
    id: 'GW-SQS-01',
    title: 'SQS queue is encrypted (SQS-managed or KMS)',
    checkov: ['CKV_AWS_27'],
    why: 'Queued messages (failed events carrying resource names and ARNs) are stored encrypted.',
    subjects: ['aws_sqs_queue'],
    check(queue) {
      return isTrue(queue.body.sqs_managed_sse_enabled) || isSet(queue.body.kms_master_key_id) ? pass() : fail('sqs_managed_sse_enabled', 'is not true and no kms_master_key_id is set');
    },
  },
];
