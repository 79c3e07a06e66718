import { parse } from 'yaml';
import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { ARGOCD_COMPONENTS, GITOPS_QUERIES, gitopsAlertRules } from '../stacks/gitops-metrics';
import { promqlErrors } from './support/promql';
import { changed, expectRejected } from './support/rejected';
import { crossStackSource, only, policyOf, readStacks, resources, stack, synthesizeInto, type StackJson } from './support/synthesized';

// What runs in the cluster for the GitOps metrics (issue 19): ArgoCD's metrics Services, the collector that
// writes them to the Managed Prometheus workspace, Grafana reading the workspace, and the GitOps dashboard,
// whose every panel is parsed by the Prometheus project's own PromQL grammar as synthesized. The Kubernetes
// and Helm providers cannot be installed here, so this is proved on the synthesized JSON.

const GITOPS_ENVIRONMENTS = ['dev', 'staging', 'prod'];
const WITH_WORKSPACE = ['staging', 'prod'];
const releaseOf = (json: StackJson, chart: string) => resources(json, 'helm_release').map(([, release]) => release).find((release) => release.chart === chart);
const valuesOf = (json: StackJson, chart: string) => parse(releaseOf(json, chart)!.values[0]);
const loaded = (name: 'dev' | 'staging' | 'prod') => loadEnvironments({ [name]: environments[name] })[0];

/** The dashboard as Grafana's sidecar would load it: the JSON file of the labelled ConfigMap. */
function dashboardOf(json: StackJson): { configMap: Record<string, any>; dashboard: Record<string, any> } {
  const configMap = only(json, 'kubernetes_config_map_v1');
  // Terraform turns `$${` back into `${` (and would read a bare `${` as a reference).
  return { configMap, dashboard: JSON.parse(configMap.data['gitops.json'].replaceAll('$${', () => '${')) };
}

/** The role of a service account in cluster-<env>: its trust statement and the statements of its one inline policy. */
function serviceAccountRole(env: string, name: string) {
  const json = stack(`cluster-${env}`);
  const [[id, role]] = resources(json, 'aws_iam_role').filter(([, r]) => r.name === `groundwork-${env}-${name}`);
  const inline = resources(json, 'aws_iam_role_policy').map(([, policy]) => policy).filter((policy) => policy.role === `\${aws_iam_role.${id}.name}`);
  const attached = resources(json, 'aws_iam_role_policy_attachment').filter(([, attachment]) => attachment.role === `\${aws_iam_role.${id}.name}`);
  expect({ inline: inline.length, attached }).toEqual({ inline: 1, attached: [] });
  const oidc = resources(json, 'aws_iam_openid_connect_provider')[0][0];
  return { trust: policyOf(json, role.assume_role_policy), statements: policyOf(json, inline[0].policy), oidc };
}

/** The trust an IRSA role must have: the cluster's OIDC provider, for this service account's tokens issued for STS only. */
function expectedTrust(oidc: string, serviceAccount: string) {
  const issuer = `\${replace(aws_iam_openid_connect_provider.${oidc}.url, "https://", "")}`;
  return [
    {
      actions: ['sts:AssumeRoleWithWebIdentity'],
      principals: [{ type: 'Federated', identifiers: [`\${aws_iam_openid_connect_provider.${oidc}.arn}`] }],
      condition: [
        { test: 'StringEquals', variable: `${issuer}:sub`, values: [`system:serviceaccount:monitoring:${serviceAccount}`] },
        { test: 'StringEquals', variable: `${issuer}:aud`, values: ['sts.amazonaws.com'] },
      ],
    },
  ];
}

/** The workspace ARN a statement's single resource stands for, in observability-<env>. */
const workspaceArnOf = (env: string) => ({ stack: `observability-${env}`, expression: expect.stringMatching(/^\$\{aws_prometheus_workspace\.[\w-]+\.arn\}$/) });

describe('the metrics collector', () => {
  const collector = (json: StackJson) => releaseOf(json, 'prometheus');
  const collectorValues = (json: StackJson) => valuesOf(json, 'prometheus');

  it.each(GITOPS_ENVIRONMENTS)('every ArgoCD component of gitops-%s serves its metrics Service', (env) => {
    const values = valuesOf(stack(`gitops-${env}`), 'argo-cd');
    for (const component of ['controller', 'server', 'repoServer', 'applicationSet', 'notifications']) expect(values[component].metrics).toEqual({ enabled: true });
  });

  it.each(WITH_WORKSPACE)('in gitops-%s scrapes ArgoCD\'s metrics Services and writes them to the workspace under the cluster\'s service-account role', (env) => {
    const json = stack(`gitops-${env}`);
    expect(collector(json)).toMatchObject({ repository: 'https://prometheus-community.github.io/helm-charts', chart: 'prometheus', version: '29.27.0', namespace: 'monitoring', create_namespace: true });
    const values = collectorValues(json);
    expect(values.serviceAccounts.server.name).toBe('metrics-collector');
    expect(crossStackSource(values.serviceAccounts.server.annotations['eks.amazonaws.com/role-arn'])).toEqual({ stack: `cluster-${env}`, expression: expect.stringMatching(/^\$\{aws_iam_role\.prometheus-roles_metrics-collector_role_\w+\.arn\}$/) });
    const [remoteWrite] = values.server.remoteWrite;
    const { region } = loaded(env as 'staging' | 'prod');
    expect(remoteWrite.sigv4).toEqual({ region });
    expect(remoteWrite.url).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-observability-\w+\.outputs\.[\w-]+prometheus_endpoint\}api\/v1\/remote_write$/);
    expect(crossStackSource(remoteWrite.url.replace(/api\/v1\/remote_write$/, '')).stack).toBe(`observability-${env}`);
    // The history is the workspace's: no volume, no rules, none of the chart's extras.
    expect(values.server.persistentVolume).toEqual({ enabled: false });
    for (const extra of ['alertmanager', 'kube-state-metrics', 'prometheus-node-exporter', 'prometheus-pushgateway']) expect(values[extra]).toEqual({ enabled: false });
  });

  it('scrapes only ArgoCD\'s namespace, each metrics Service as the job the alerts name', () => {
    const { scrapeConfigs } = collectorValues(stack('gitops-prod'));
    // The chart runs every job whose `enabled` is not false.
    const enabled = Object.entries(scrapeConfigs as Record<string, any>).filter(([, job]) => job.enabled !== false);
    expect(enabled.map(([name]) => name)).toEqual(['argocd-metrics']);
    const [[, job]] = enabled;
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'endpointslice', namespaces: { names: ['argocd'] } }]);
    // The relabelling the alerts' `job` labels depend on: `argocd-server-metrics` is scraped as `argocd-server`.
    const jobName = (service: string) => {
      const [keep, rename] = job.relabel_configs;
      if (!new RegExp(`^(?:${keep.regex})$`).test(service)) return undefined;
      return service.replace(new RegExp(`^(?:${rename.regex})$`), rename.replacement);
    };
    for (const component of ARGOCD_COMPONENTS) expect(jobName(`${component.job}-metrics`)).toBe(component.job);
    expect(jobName('argocd-redis')).toBeUndefined();
  });

  it.each(WITH_WORKSPACE)('writes as a role in cluster-%s that only its service account may assume, and that may only write to the workspace', (env) => {
    const { trust, statements, oidc } = serviceAccountRole(env, 'metrics-collector');
    expect(trust).toEqual(expectedTrust(oidc, 'metrics-collector'));
    expect(statements).toHaveLength(1);
    expect(statements[0].actions).toEqual(['aps:RemoteWrite']);
    expect(statements[0].resources).toHaveLength(1);
    expect(crossStackSource(statements[0].resources[0])).toEqual(workspaceArnOf(env));
  });

  it('is not installed where there is no workspace (dev\'s existing cluster, as shipped); on an existing cluster with one, it writes with the nodes\' credentials', () => {
    expect(collector(stack('gitops-dev'))).toBeUndefined();
    const dev = structuredClone(environments.dev) as EnvironmentConfig;
    dev.observability = { ...dev.observability, prometheus: { enabled: true } };
    const json = readStacks(synthesizeInto({ dev })).get('gitops-dev')!;
    expect(collectorValues(json).serviceAccounts.server.annotations).toEqual({});
  });
});

describe.each(WITH_WORKSPACE)('gitops-%s: the GitOps dashboard', (env) => {
  const json = () => stack(`gitops-${env}`);

  it('has a panel for every query, in order, each as the Prometheus grammar parses it', () => {
    const { dashboard } = dashboardOf(json());
    const exprs = dashboard.panels.map((panel: any) => panel.targets[0].expr);
    expect(exprs).toEqual(Object.values(GITOPS_QUERIES).map((query) => query.expr));
    for (const expr of exprs) expect({ expr, errors: promqlErrors(expr) }).toEqual({ expr, errors: [] });
    expect(dashboard.panels.map((panel: any) => panel.title)).toEqual(Object.values(GITOPS_QUERIES).map((query) => query.title));
  });

  it('shows each alert\'s expression on the panel that links the alert\'s runbook, as the synthesized rules file says', () => {
    const { dashboard } = dashboardOf(json());
    const rules = parse(only(stack(`observability-${env}`), 'aws_prometheus_rule_group_namespace').data).groups[0].rules as any[];
    for (const rule of gitopsAlertRules(loaded(env as 'staging' | 'prod'))) {
      const panel = dashboard.panels.find((p: any) => p.targets[0].expr === rule.query!.expr);
      const synthesized = rules.find((r) => r.alert === rule.alert);
      expect({ alert: rule.alert, links: panel.links }).toEqual({ alert: rule.alert, links: expect.arrayContaining([{ title: `Runbook: ${rule.alert}`, url: synthesized.annotations.runbook_url, targetBlank: true }]) });
      expect(panel.description).toContain(rule.alert);
    }
  });

  it('reads the data source Grafana is given, which is the workspace, queried with SigV4 in its region', () => {
    const { dashboard } = dashboardOf(json());
    const [variable] = dashboard.templating.list;
    // Grafana 13's core Prometheus data source no longer signs with SigV4: the Managed Prometheus plugin does.
    expect(variable).toMatchObject({ name: 'datasource', type: 'datasource', query: 'grafana-amazonprometheus-datasource' });
    for (const panel of dashboard.panels) expect(panel.datasource).toEqual({ type: 'grafana-amazonprometheus-datasource', uid: '${datasource}' });
    const values = valuesOf(json(), 'grafana');
    expect(values.plugins).toEqual(['grafana-amazonprometheus-datasource@3.0.0']);
    const [datasource] = values.datasources['datasources.yaml'].datasources;
    expect(variable.current.value).toBe(datasource.uid);
    expect(datasource).toMatchObject({ type: 'grafana-amazonprometheus-datasource', access: 'proxy', isDefault: true, editable: false, jsonData: { sigV4Auth: true, sigV4AuthType: 'default', sigV4Region: loaded(env as 'staging' | 'prod').region } });
    expect(crossStackSource(datasource.url)).toEqual({ stack: `observability-${env}`, expression: expect.stringMatching(/^\$\{aws_prometheus_workspace\.[\w-]+\.prometheus_endpoint\}$/) });
  });

  it('is a ConfigMap in the namespace and with the label Grafana\'s sidecar loads, after Grafana', () => {
    const { configMap } = dashboardOf(json());
    const { sidecar } = valuesOf(json(), 'grafana');
    expect(sidecar.dashboards).toEqual({ enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'monitoring' });
    expect(configMap.metadata).toMatchObject({ namespace: 'monitoring', labels: { grafana_dashboard: '1' } });
    expect(configMap.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^helm_release\.grafana_release_\w+$/)]));
  });
});

describe.each(WITH_WORKSPACE)('gitops-%s: Grafana', (env) => {
  it('is the pinned grafana-community chart, with no volume, no sign-up, no anonymous access and no password in its values', () => {
    const json = stack(`gitops-${env}`);
    expect(releaseOf(json, 'grafana')).toMatchObject({ repository: 'https://grafana-community.github.io/helm-charts', version: '12.11.1', namespace: 'monitoring' });
    const values = valuesOf(json, 'grafana');
    expect(values.persistence).toEqual({ enabled: false });
    expect(values['grafana.ini']).toMatchObject({ 'auth.anonymous': { enabled: false }, users: { allow_sign_up: false } });
    expect(values.adminPassword).toBeUndefined();
    expect(crossStackSource(values.serviceAccount.annotations['eks.amazonaws.com/role-arn'])).toEqual({ stack: `cluster-${env}`, expression: expect.stringMatching(/^\$\{aws_iam_role\.prometheus-roles_grafana_role_\w+\.arn\}$/) });
    expect(values.serviceAccount.name).toBe('grafana');
  });

  it(`reads the workspace as a role in cluster-${env} that only its service account may assume, and that may not write`, () => {
    const { trust, statements, oidc } = serviceAccountRole(env, 'grafana');
    expect(trust).toEqual(expectedTrust(oidc, 'grafana'));
    expect(statements).toHaveLength(1);
    expect([...statements[0].actions].sort()).toEqual(['aps:GetLabels', 'aps:GetMetricMetadata', 'aps:GetSeries', 'aps:QueryMetrics']);
    expect(crossStackSource(statements[0].resources[0])).toEqual(workspaceArnOf(env));
  });
});

describe.each(['dev', 'staging', 'prod'])('gitops-%s as Terraform reads it', (env) => {
  it('interpolates nothing but references and function calls: Grafana\'s and ArgoCD\'s own ${...} are escaped', () => {
    const interpolations = [...JSON.stringify(stack(`gitops-${env}`)).matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((match) => match[1]);
    expect(interpolations.length).toBeGreaterThan(0);
    const reference = /^(data\.[a-z0-9_]+\.[\w-]+|(var|local|terraform|path)\.\w+|[a-z0-9]+_[a-z0-9_]+\.[\w-]+)(\.|$)|^[a-z0-9_]+\(/;
    expect(interpolations.filter((expression) => !reference.test(expression))).toEqual([]);
  });
});

describe('Grafana in config', () => {
  it('may be left to a Grafana of your own: the dashboard is still there, read through its Prometheus, after the collector made the namespace, and no Grafana role is made', () => {
    const prod = changed(environments.prod, (c) => (c.observability.prometheus = { grafana: { install: false } }));
    const stacks = readStacks(synthesizeInto({ prod }));
    const gitops = stacks.get('gitops-prod')!;
    expect(releaseOf(gitops, 'grafana')).toBeUndefined();
    const { configMap } = dashboardOf(gitops);
    expect(configMap.depends_on).toEqual([expect.stringMatching(/^helm_release\.metrics-collector_release_\w+$/)]);
    expect(dashboardOf(gitops).dashboard.templating.list[0].query).toBe('prometheus');
    expect(resources(stacks.get('cluster-prod')!, 'aws_iam_role').map(([, role]) => role.name)).not.toContain('groundwork-prod-grafana');
  });

  it.each([
    ['a Grafana chart version range', { grafana: { chartVersion: '12.x' } }, 'prod.observability.prometheus.grafana.chartVersion', 'must be an exact chart version'],
    ['Grafana installed "yes"', { grafana: { install: 'yes' } }, 'prod.observability.prometheus.grafana.install', 'expected boolean'],
    ['a scrape every ten minutes', { collector: { scrapeIntervalSeconds: 600 } }, 'prod.observability.prometheus.collector.scrapeIntervalSeconds', 'expected number to be <=300'],
    ['a scrape every 12.5 seconds', { collector: { scrapeIntervalSeconds: 12.5 } }, 'prod.observability.prometheus.collector.scrapeIntervalSeconds', 'expected int'],
    ['an unknown Grafana setting', { grafana: { adminPassword: 'hunter2' } }, 'prod.observability.prometheus.grafana.adminPassword', 'is not a known field'],
    ['the monitoring namespace in kube-system', { namespace: 'kube-system' }, 'prod.observability.prometheus.namespace', "must be the collector's and Grafana's own namespace"],
    ['a monitoring namespace Kubernetes refuses', { namespace: 'Monitoring' }, 'prod.observability.prometheus.namespace', 'must be a Kubernetes namespace name'],
  ])('refuses %s, naming the field', (what, prometheus, field, fragment) => {
    expectRejected([what, 'prod', changed(environments.prod, (c) => (c.observability.prometheus = prometheus)), field, fragment]);
  });
});
