import { blocks, fail, isSet, pass, type Rule } from '../engine';

export const prometheusRules: Rule[] = [
  {
    id: 'GW-AMP-01',
    title: 'Managed Prometheus workspace is encrypted with a customer managed KMS key',
    checkov: [],
    checkovNote: 'Not mapped to a checkov check.',
    why: 'The workspace holds what every application did and when; with the environment\'s own key, reading it needs kms:Decrypt too, and the key can be revoked or audited.',
    subjects: ['aws_prometheus_workspace'],
    check(workspace) {
      return isSet(workspace.body.kms_key_arn) ? pass() : fail('kms_key_arn', 'is not set');
    },
  },
  {
    id: 'GW-AMP-02',
    title: 'Managed Prometheus workspace logs its rule evaluation and alert manager errors',
    checkov: [],
    checkovNote: 'Not mapped to a checkov check.',
    why: 'A rule that fails to evaluate, or an alert the alert manager cannot deliver, fails silently without the workspace\'s log: the alert that should have paged never comes.',
    subjects: ['aws_prometheus_workspace'],
    check(workspace) {
      const [logging] = blocks(workspace.body.logging_configuration);
      return logging && isSet(logging.log_group_arn) ? pass() : fail('logging_configuration.log_group_arn', 'is not set');
    },
  },
];
