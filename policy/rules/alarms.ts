import { fail, isFalse, pass, strings, type Rule } from '../engine';

export const alarmRules: Rule[] = [
  {
    id: 'GW-ALARM-01',
    title: 'CloudWatch alarm has its actions enabled and notifies someone when it fires',
    checkov: ['CKV_AWS_319'],
    checkovNote: 'CKV_AWS_319 checks actions_enabled only; the gate also asks for at least one alarm action.',
    why: 'An alarm without an action changes state on a dashboard nobody watches.',
    subjects: ['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm'],
    check(alarm) {
      if (isFalse(alarm.body.actions_enabled)) return fail('actions_enabled', 'is false');
      return strings(alarm.body.alarm_actions).length > 0 ? pass() : fail('alarm_actions', 'is empty: nobody is told');
    },
  },
];
