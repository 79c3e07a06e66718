import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { environments, loadEnvironments } from '../environments';
import { protectionFor } from '../environments/protection';
import { ARGOCD_COMPONENTS, GITOPS_QUERIES, gitopsAlertRules } from '../stacks/gitops-metrics';
import { promqlErrors } from './support/promql';
import { changed, expectRejected } from './support/rejected';
import { only, policyOf, readStacks, referencedName, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

// The GitOps loop's alerts (issue 19): typed rules rendered into the Managed Prometheus workspace's rule
// groups, every PromQL expression parsed by the Prometheus project's own grammar, the workspace encrypted and
// logging, and its alert manager sending to the alarm topic.

const loaded = (name: keyof typeof environments) => loadEnvironments({ [name]: environments[name] })[0];
const WITH_WORKSPACE = ['staging', 'prod', 'local'] as const;
const rulesOf = (json: StackJson) => parse(only(json, 'aws_prometheus_rule_group_namespace').data).groups[0].rules as Record<string, any>[];
const ref = (type: string, json: StackJson, attribute: string) => `\${${type}.${resources(json, type)[0][0]}.${attribute}}`;

describe('the PromQL check', () => {
  it.each(['sum by (job (up', 'rate(argocd_app_sync_total[5m]', 'up{job="a"', 'argocd_app_info >= '])('finds the error in %s', (expr) => {
    expect(promqlErrors(expr).length).toBeGreaterThan(0);
  });
});

describe('every PromQL expression parses with the Prometheus grammar', () => {
  it.each(Object.values(GITOPS_QUERIES).map((query) => [query.id, query.expr]))('dashboard query %s', (_, expr) => {
    expect(promqlErrors(expr)).toEqual([]);
  });

  it.each(WITH_WORKSPACE)('every alert of %s, as synthesized into its rules file', (env) => {
    const rules = rulesOf(stack(`observability-${env}`));
    expect(rules.map((rule) => rule.alert)).toEqual(['ArgoCdSyncFailing', 'ArgoCdAppDegraded', 'ArgoCdAppOutOfSync', 'ArgoCdManualSyncWaiting', 'ArgoCdComponentDown']);
    for (const rule of rules) expect({ alert: rule.alert, errors: promqlErrors(rule.expr) }).toEqual({ alert: rule.alert, errors: [] });
  });

  it('ArgoCdComponentDown can name the component: absent() of a plain selector per job (absent() copies labels from nothing else)', () => {
    const rule = gitopsAlertRules(loaded('prod')).find((r) => r.alert === 'ArgoCdComponentDown')!;
    const absent = [...rule.expr.matchAll(/absent\(([^()]*)\)/g)].map((match) => match[1]);
    expect(absent).toEqual(ARGOCD_COMPONENTS.map((component) => `up{job="${component.job}"}`));
    expect(rule.expr).toMatch(/^sum by \(job\) \(up\{job=~"[^"]+"\}\) == 0 or /);
  });

  it('each alert reads the expression of the dashboard panel it names', () => {
    const queries = new Set<string>(Object.values(GITOPS_QUERIES).map((query) => query.expr));
    for (const rule of gitopsAlertRules(loaded('prod'))) {
      expect(queries.has(rule.query!.expr)).toBe(true);
      // The panel and the alert look at the same metric.
      const metric = /argocd_app_\w+|up\{/.exec(rule.expr)![0].replace(/_(total|bucket)$/, '');
      expect(rule.query!.expr).toContain(metric);
    }
  });
});

describe.each(WITH_WORKSPACE)('observability-%s: the GitOps alerts', (env) => {
  const json = () => stack(`observability-${env}`);
  const config = () => loaded(env);

  it('fire after the tier\'s thresholds, with severity and environment labels', () => {
    const t = config().observability.prometheus.gitopsAlerts;
    const byName = Object.fromEntries(rulesOf(json()).map((rule) => [rule.alert, rule]));
    expect(t).toMatchObject({ prod: { outOfSyncMinutes: 15, degradedMinutes: 5 }, staging: { outOfSyncMinutes: 30, degradedMinutes: 10 }, dev: { outOfSyncMinutes: 60, degradedMinutes: 15 }, local: { outOfSyncMinutes: 60, degradedMinutes: 15 } }[env]);
    expect(byName.ArgoCdAppOutOfSync.for).toBe(`${t.outOfSyncMinutes}m`);
    expect(byName.ArgoCdAppDegraded.for).toBe(`${t.degradedMinutes}m`);
    expect(byName.ArgoCdManualSyncWaiting.for).toBe('60m');
    expect(byName.ArgoCdComponentDown.for).toBe('5m');
    expect(byName.ArgoCdSyncFailing.expr).toContain('>= 3 unless on (name, project)');
    expect(byName.ArgoCdAppDegraded.labels).toEqual({ severity: env === 'prod' ? 'critical' : 'warning', environment: env });
    expect(byName.ArgoCdComponentDown.labels.severity).toBe('critical');
  });

  it('each link a section of the GitOps alerts runbook that exists', () => {
    const runbook = fs.readFileSync(path.join(__dirname, '..', 'docs', 'runbooks', 'gitops-alerts.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^## (\w+)$/gm)].map((match) => match[1].toLowerCase()));
    for (const rule of rulesOf(json())) {
      expect(rule.annotations.runbook_url).toBe(`docs/runbooks/gitops-alerts.md#${rule.alert.toLowerCase()}`);
      expect(anchors.has(rule.alert.toLowerCase())).toBe(true);
      expect(rule.annotations.summary).toBeTruthy();
    }
  });

  it('live in a workspace that logs to its own encrypted log group', () => {
    const workspace = only(json(), 'aws_prometheus_workspace');
    expect(workspace.alias).toBe(`groundwork-${env}`);
    expect(workspace.logging_configuration.log_group_arn).toBe(`${ref('aws_cloudwatch_log_group', json(), 'arn')}:*`);
    const logGroup = resources(json(), 'aws_cloudwatch_log_group').map(([, group]) => group).find((group) => group.name === `/groundwork/${env}/prometheus`)!;
    expect(logGroup).toMatchObject({ retention_in_days: env === 'prod' ? 365 : 90, kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.prometheus_key_/) });
    expect(only(json(), 'aws_prometheus_rule_group_namespace')).toMatchObject({ name: 'gitops', workspace_id: `\${aws_prometheus_workspace.${resources(json(), 'aws_prometheus_workspace')[0][0]}.id}` });
    expect(workspace.lifecycle.prevent_destroy).toBe(protectionFor(config()).preventDestroy);
  });

  if (env === 'local') {
    it('has no customer key on the workspace and no alert manager: moto lacks both (emulator gaps)', () => {
      expect(only(json(), 'aws_prometheus_workspace').kms_key_arn).toBeUndefined();
      expect(resources(json(), 'aws_prometheus_alert_manager_definition')).toEqual([]);
    });
    return;
  }

  it('encrypts the workspace with its own rotating key', () => {
    const workspace = only(json(), 'aws_prometheus_workspace');
    const keyName = referencedName(workspace.kms_key_arn);
    expect(keyName).toMatch(/^prometheus_key_/);
    const key = json().resource.aws_kms_key[keyName];
    expect(key).toMatchObject({ enable_key_rotation: true, rotation_period_in_days: config().kms.rotationPeriodDays });
  });

  it('sends every alert to the alarm topic, signed for the topic\'s region', () => {
    const outer = parse(only(json(), 'aws_prometheus_alert_manager_definition').definition);
    const alertmanager = parse(outer.alertmanager_config);
    expect(alertmanager.route).toEqual({ receiver: 'alarm-topic', group_by: ['alertname', 'name'] });
    expect(alertmanager.receivers).toEqual([
      { name: 'alarm-topic', sns_configs: [expect.objectContaining({ topic_arn: ref('aws_sns_topic', json(), 'arn'), sigv4: { region: config().region } })] },
    ]);
  });

  it('the alarm topic admits this account\'s workspaces of this region, and its key lets them publish to it only', () => {
    const statements = policyOf(json(), only(json(), 'aws_sns_topic_policy').policy);
    const aps = statements.find((statement) => statement.principals[0].identifiers[0] === 'aps.amazonaws.com')!;
    const { accountId, region } = config();
    expect(aps).toMatchObject({ actions: ['sns:Publish', 'sns:GetTopicAttributes'], resources: [ref('aws_sns_topic', json(), 'arn')] });
    expect(aps.condition).toEqual([
      { test: 'StringEquals', variable: 'aws:SourceAccount', values: [accountId] },
      { test: 'ArnLike', variable: 'aws:SourceArn', values: [`arn:aws:aps:${region}:${accountId}:workspace/*`] },
    ]);
    const topicKey = json().resource.aws_kms_key[referencedName(only(json(), 'aws_sns_topic').kms_master_key_id)];
    const grant = policyOf(json(), topicKey.policy).find((statement) => statement.principals[0].identifiers[0] === 'aps.amazonaws.com')!;
    expect(grant.condition).toEqual([{ test: 'StringEquals', variable: 'kms:EncryptionContext:aws:sns:topicArn', values: [`arn:aws:sns:${region}:${accountId}:groundwork-${env}-alarms`] }]);
  });
});

describe('the workspace in config', () => {
  it('is left out where there is no ArgoCD on an EKS cluster of the environment\'s, unless asked for, and from the standby', () => {
    expect(resources(stack('observability-dev'), 'aws_prometheus_workspace')).toEqual([]);
    const withoutGitops = readStacks(synthesizeInto({ dev: changed(environments.dev, (c) => delete c.gitops) })).get('observability-dev')!;
    expect(resources(withoutGitops, 'aws_prometheus_workspace')).toEqual([]);
    expect(policyOf(withoutGitops, only(withoutGitops, 'aws_sns_topic_policy').policy)).toHaveLength(1);
    expect(resources(stack('standby_observability-prod'), 'aws_prometheus_workspace')).toEqual([]);
  });

  it('moves the thresholds and the runbook links', () => {
    const json = readStacks(
      synthesizeInto({
        prod: changed(environments.prod, (c) => (c.observability.prometheus = { runbookBaseUrl: 'https://github.com/example/platform/blob/main/docs/runbooks/', gitopsAlerts: { syncFailures: 5, outOfSyncMinutes: 45, manualSyncMinutes: 120 } })),
      }),
    ).get('observability-prod')!;
    const byName = Object.fromEntries(rulesOf(json).map((rule) => [rule.alert, rule]));
    expect(byName.ArgoCdSyncFailing.expr).toContain('>= 5 unless');
    expect(byName.ArgoCdSyncFailing.annotations.summary).toBe('{{ $labels.name }} failed to sync 5 times in a row');
    expect(byName.ArgoCdAppOutOfSync.for).toBe('45m');
    expect(byName.ArgoCdManualSyncWaiting.for).toBe('120m');
    expect(byName.ArgoCdAppDegraded.for).toBe('5m');
    expect(byName.ArgoCdComponentDown.annotations.runbook_url).toBe('https://github.com/example/platform/blob/main/docs/runbooks/gitops-alerts.md#argocdcomponentdown');
  });

  it.each([
    ['a workspace without the customer key outside an emulator', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { customerKey: false } })), 'dev.observability.prometheus.customerKey', 'may be false only in an emulator environment'],
    ['no alert manager outside an emulator', 'prod', changed(environments.prod, (c) => (c.observability.prometheus = { alertManager: false })), 'prod.observability.prometheus.alertManager', 'may be false only in an emulator environment'],
    ['a prod workspace log kept less than a year', 'prod', changed(environments.prod, (c) => (c.observability.prometheus = { logRetentionDays: 90 })), 'prod.observability.prometheus.logRetentionDays', 'tier prod keeps logs at least 365 days'],
    ['a retention CloudWatch does not offer', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { logRetentionDays: 100 } })), 'dev.observability.prometheus.logRetentionDays', 'must be one of the retention periods CloudWatch Logs accepts'],
    ['a runbook URL over plain HTTP', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { runbookBaseUrl: 'http://wiki.example.com/runbooks/' } })), 'dev.observability.prometheus.runbookBaseUrl', 'must be an https URL'],
    ['a runbook URL that is not a folder', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { runbookBaseUrl: 'https://wiki.example.com/runbooks' } })), 'dev.observability.prometheus.runbookBaseUrl', 'must end in "/"'],
    ['no failed sync as the threshold', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { gitopsAlerts: { syncFailures: 0 } } })), 'dev.observability.prometheus.gitopsAlerts.syncFailures', 'expected number to be >=1'],
    ['an out-of-sync time of more than a day', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { gitopsAlerts: { outOfSyncMinutes: 1441 } } })), 'dev.observability.prometheus.gitopsAlerts.outOfSyncMinutes', 'must be at most 1440 minutes'],
    ['a degraded time of no minutes', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { gitopsAlerts: { degradedMinutes: 0 } } })), 'dev.observability.prometheus.gitopsAlerts.degradedMinutes', 'expected number to be >=1'],
    ['a collector chart version range', 'prod', changed(environments.prod, (c) => (c.observability.prometheus = { collector: { chartVersion: '^29.0.0' } })), 'prod.observability.prometheus.collector.chartVersion', 'must be an exact chart version'],
    ['a scrape every five seconds', 'prod', changed(environments.prod, (c) => (c.observability.prometheus = { collector: { scrapeIntervalSeconds: 5 } })), 'prod.observability.prometheus.collector.scrapeIntervalSeconds', 'expected number to be >=10'],
    ['an unknown alert setting', 'dev', changed(environments.dev, (c) => (c.observability = { prometheus: { gitopsAlerts: { syncFailure: 3 } } })), 'dev.observability.prometheus.gitopsAlerts.syncFailure', 'is not a known field'],
  ])('refuses %s, naming the field', (what, env, config, field, fragment) => {
    expectRejected([what, env, config, field, fragment]);
  });
});
