import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { PrometheusAlertManagerDefinition } from '@cdktf/provider-aws/lib/prometheus-alert-manager-definition';
import { PrometheusRuleGroupNamespace } from '@cdktf/provider-aws/lib/prometheus-rule-group-namespace';
import { PrometheusWorkspace } from '@cdktf/provider-aws/lib/prometheus-workspace';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { logGroupArn as logGroupArnOf } from '../lib/arn';
import { EncryptionKey, logGroupKeyGrant } from './encryption-key';

/** One alerting rule as a Prometheus rules file holds it. */
export interface PrometheusRule {
  readonly alert: string;
  readonly expr: string;
  /** How long the expression must hold, e.g. `15m`. */
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A rule group: its rules are evaluated together, every `interval`. */
export interface PrometheusRuleGroup {
  readonly name: string;
  /** @default - the workspace's, one minute */
  readonly interval?: string;
  readonly rules: readonly PrometheusRule[];
}

export interface ManagedPrometheusWorkspaceProps {
  /** The workspace's alias, e.g. `groundwork-prod`. */
  readonly alias: string;
  /** Alias (without `alias/`) of the key that encrypts the workspace and its log group, e.g. `groundwork/prod/prometheus`. */
  readonly keyAlias: string;
  /** The account that owns the workspace and the key. */
  readonly accountId: string;
  /** The workspace's region. */
  readonly region: string;
  /**
   * Whether the workspace's metrics are encrypted with the key (else with a key AWS owns). The key always
   * encrypts the log group. @default true
   */
  readonly customerKey?: boolean;
  /** Name of the log group of rule evaluation and alert manager errors, e.g. `/groundwork/prod/prometheus`. */
  readonly logGroupName: string;
  /** Days that log group keeps its events. */
  readonly logRetentionDays: number;
  /** Rules files by namespace name; each becomes a rule groups namespace of the workspace. @default - none */
  readonly ruleNamespaces?: Readonly<Record<string, readonly PrometheusRuleGroup[]>>;
  /**
   * The SNS topic the alert manager sends every alert to, in the workspace's region. The topic must let
   * `aps.amazonaws.com` publish (`AlarmTopic`'s `prometheusAlerts`). @default - no alert manager
   */
  readonly alertTopicArn?: string;
  /** Days between rotations of the key. @default 365 */
  readonly keyRotationPeriodDays?: number;
  /** Days a deleted key waits before it is gone. @default 30 */
  readonly keyDeletionWindowDays?: number;
  /** Terraform refuses any plan that destroys the key or the workspace. @default false */
  readonly preventDestroy?: boolean;
}

/**
 * An Amazon Managed Service for Prometheus workspace: metrics encrypted with a key of its own, its errors
 * logged to an encrypted log group, alerting rules from typed data, and an alert manager that sends every
 * alert to an SNS topic.
 */
export class ManagedPrometheusWorkspace extends Construct {
  readonly workspaceArn: string;
  readonly workspaceId: string;
  /** The workspace's Prometheus-compatible endpoint; remote write goes to `<endpoint>api/v1/remote_write`. */
  readonly endpoint: string;
  readonly keyArn: string;
  /** Each namespace's rules file, as YAML. */
  readonly ruleFiles: Readonly<Record<string, string>>;
  /** The alert manager's configuration, as YAML, when there is one. */
  readonly alertManagerDefinition?: string;

  constructor(scope: Construct, id: string, props: ManagedPrometheusWorkspaceProps) {
    super(scope, id);
    const logGroupArn = logGroupArnOf(props.region, props.accountId, props.logGroupName);
    const key = new EncryptionKey(this, 'key', {
      description: `Managed Prometheus workspace ${props.alias} and its log group`,
      alias: props.keyAlias,
      accountId: props.accountId,
      region: props.region,
      rotationPeriodDays: props.keyRotationPeriodDays,
      deletionWindowDays: props.keyDeletionWindowDays,
      // The workspace uses the key through grants its creator's permissions make; Logs needs a grant here.
      serviceGrants: [logGroupKeyGrant(props.region, logGroupArn)],
      preventDestroy: props.preventDestroy,
    });
    const logGroup = new CloudwatchLogGroup(this, 'log-group', { name: props.logGroupName, retentionInDays: props.logRetentionDays, kmsKeyId: key.keyArn });
    const workspace = new PrometheusWorkspace(this, 'workspace', {
      alias: props.alias,
      ...((props.customerKey ?? true) && { kmsKeyArn: key.keyArn }),
      loggingConfiguration: { logGroupArn: `${logGroup.arn}:*` },
      // Its metrics are the only record of what the GitOps loop did.
      lifecycle: { preventDestroy: props.preventDestroy ?? false },
    });

    const ruleFiles: Record<string, string> = {};
    for (const [name, groups] of Object.entries(props.ruleNamespaces ?? {})) {
      ruleFiles[name] = stringify({ groups: groups.map((group) => ({ name: group.name, ...(group.interval && { interval: group.interval }), rules: group.rules.map(ruleAsYaml) })) }, YAML_OPTIONS);
      new PrometheusRuleGroupNamespace(this, `rules-${name}`, { name, workspaceId: workspace.id, data: ruleFiles[name] });
    }
    this.ruleFiles = ruleFiles;

    if (props.alertTopicArn !== undefined) {
      this.alertManagerDefinition = stringify({
        alertmanager_config: stringify({
          route: { receiver: 'alarm-topic', group_by: ['alertname', 'name'] },
          receivers: [{ name: 'alarm-topic', sns_configs: [{ topic_arn: props.alertTopicArn, sigv4: { region: props.region }, subject: '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}' }] }],
        }, YAML_OPTIONS),
      }, YAML_OPTIONS);
      new PrometheusAlertManagerDefinition(this, 'alert-manager', { workspaceId: workspace.id, definition: this.alertManagerDefinition });
    }

    this.workspaceArn = workspace.arn;
    this.workspaceId = workspace.id;
    this.endpoint = workspace.prometheusEndpoint;
    this.keyArn = key.keyArn;
  }
}

/** Long expressions stay on one line: the rules file reads as the PromQL a person would write. */
const YAML_OPTIONS = { lineWidth: 0 };

/** The rule in the field order of Prometheus' own documentation. */
function ruleAsYaml(rule: PrometheusRule) {
  return { alert: rule.alert, expr: rule.expr, for: rule.for, labels: rule.labels, annotations: rule.annotations };
}
