import type { Environment } from '../environments';

/**
 * The GitOps loop's metrics, as ArgoCD exports them, and the alerts on them: one list, so that a dashboard
 * panel and the alert that watches it read the same expression. Rendered into the Managed Prometheus
 * workspace's rule groups (constructs/managed-prometheus-workspace.ts) and into the Grafana dashboard
 * (`gitopsDashboard`); every expression is parsed by the Prometheus project's own PromQL grammar in
 * test/gitops-monitoring.test.ts and test/in-cluster-monitoring.test.ts.
 */

/** An ArgoCD component the collector scrapes: its `job` label and the chart's metrics port. */
export interface ArgoCdComponent {
  readonly name: string;
  readonly job: string;
  readonly port: number;
}

/** What the chart (`argo-cd`, release `argocd`) runs and exposes metrics for. */
export const ARGOCD_COMPONENTS: readonly ArgoCdComponent[] = [
  { name: 'application controller', job: 'argocd-application-controller', port: 8082 },
  { name: 'API server', job: 'argocd-server', port: 8083 },
  { name: 'repo server', job: 'argocd-repo-server', port: 8084 },
  { name: 'ApplicationSet controller', job: 'argocd-applicationset-controller', port: 8080 },
  { name: 'notifications controller', job: 'argocd-notifications-controller', port: 9001 },
];

/** A PromQL expression with what it means: graphed on the dashboard, and alerted on where an alert names it. */
export interface GitopsQuery {
  readonly id: string;
  readonly title: string;
  readonly expr: string;
  /** The dashboard panel's unit (Grafana's). */
  readonly unit: 'short' | 's' | 'percentunit';
  /** How the panel draws it. @default 'timeseries' */
  readonly panel?: 'timeseries' | 'bargauge';
  /** The series' legend, Grafana's `{{label}}` templating. @default - the labels */
  readonly legend?: string;
}

/** The dashboard's panels, in order: sync rate, duration, failures, health by app, drift, the components. */
export const GITOPS_QUERIES = {
  syncRate: { id: 'sync-rate', title: 'Syncs per minute, by phase', expr: 'sum by (phase) (rate(argocd_app_sync_total[5m])) * 60', unit: 'short', legend: '{{phase}}' },
  syncFailureRatio: {
    id: 'sync-failure-ratio',
    title: 'Share of syncs that failed',
    expr: 'sum(rate(argocd_app_sync_total{phase=~"Failed|Error"}[1h])) / clamp_min(sum(rate(argocd_app_sync_total[1h])), 1e-9)',
    unit: 'percentunit',
  },
  reconcileDurationP95: {
    id: 'reconcile-duration-p95',
    title: 'Reconciliation time, p95',
    expr: 'histogram_quantile(0.95, sum by (le) (rate(argocd_app_reconcile_bucket[5m])))',
    unit: 's',
  },
  failedSyncsByApp: { id: 'failed-syncs-by-app', title: 'Failed syncs in the last hour, by application', expr: 'sum by (name) (increase(argocd_app_sync_total{phase=~"Failed|Error"}[1h]))', unit: 'short', legend: '{{name}}' },
  healthByApp: { id: 'health-by-app', title: 'Applications by health', expr: 'sum by (health_status) (argocd_app_info)', unit: 'short', panel: 'bargauge', legend: '{{health_status}}' },
  outOfSyncApps: { id: 'out-of-sync-apps', title: 'Applications out of sync (drift)', expr: 'sum by (name) (argocd_app_info{sync_status="OutOfSync"})', unit: 'short', legend: '{{name}}' },
  componentsUp: { id: 'components-up', title: 'ArgoCD components up', expr: `sum by (job) (up{job=~"${ARGOCD_COMPONENTS.map((c) => c.job).join('|')}"})`, unit: 'short', panel: 'bargauge', legend: '{{job}}' },
} as const satisfies Record<string, GitopsQuery>;

/** A Prometheus alerting rule, with what the rule group's YAML needs. */
export interface PrometheusAlertRule {
  /** The alert's name; also the runbook's section (`gitops-alerts.md#<lowercase name>`). */
  readonly alert: string;
  readonly expr: string;
  /** How long the expression must hold before the alert fires, e.g. `15m`. */
  readonly for: string;
  readonly severity: 'critical' | 'warning';
  readonly summary: string;
  /** Prometheus templating (`{{ $labels.name }}`) is left to Prometheus. */
  readonly description: string;
  /** The query of the dashboard panel this alert watches. */
  readonly query?: GitopsQuery;
}

/**
 * Every alert the seeds name: a sync failing N times in a row, an application Degraded, OutOfSync for longer
 * than the tier allows, waiting for a manual sync, and an ArgoCD component down. Thresholds come from
 * `observability.prometheus.gitopsAlerts`.
 */
export function gitopsAlertRules(env: Environment): PrometheusAlertRule[] {
  const thresholds = env.observability.prometheus.gitopsAlerts;
  const prod = env.tier === 'prod';
  return [
    {
      alert: 'ArgoCdSyncFailing',
      // N failed syncs in the hour and no success among them: N failures in a row.
      expr: `sum by (name, project) (increase(argocd_app_sync_total{phase=~"Failed|Error"}[1h])) >= ${thresholds.syncFailures} unless on (name, project) sum by (name, project) (increase(argocd_app_sync_total{phase="Succeeded"}[1h])) > 0`,
      for: '0m',
      severity: prod ? 'critical' : 'warning',
      summary: `{{ $labels.name }} failed to sync ${thresholds.syncFailures} times in a row`,
      description: `Application {{ $labels.name }} (project {{ $labels.project }}) failed ${thresholds.syncFailures} syncs in the last hour with none succeeding.`,
      query: GITOPS_QUERIES.failedSyncsByApp,
    },
    {
      alert: 'ArgoCdAppDegraded',
      expr: 'argocd_app_info{health_status="Degraded"} == 1',
      for: `${thresholds.degradedMinutes}m`,
      // The seeds page for degradation in production; elsewhere it is a warning.
      severity: prod ? 'critical' : 'warning',
      summary: `{{ $labels.name }} has been Degraded for ${thresholds.degradedMinutes} minutes`,
      description: `Application {{ $labels.name }} (project {{ $labels.project }}) reports health Degraded in ${env.name}.`,
      query: GITOPS_QUERIES.healthByApp,
    },
    {
      alert: 'ArgoCdAppOutOfSync',
      // Drift: automated sync would have corrected it by now, or a manual one is overdue (the next rule).
      expr: 'argocd_app_info{sync_status="OutOfSync", autosync_enabled="true"} == 1',
      for: `${thresholds.outOfSyncMinutes}m`,
      severity: 'warning',
      summary: `{{ $labels.name }} has been OutOfSync for ${thresholds.outOfSyncMinutes} minutes`,
      description: 'Application {{ $labels.name }} (project {{ $labels.project }}) differs from Git and automated sync has not corrected it: drift, or a sync that cannot finish.',
      query: GITOPS_QUERIES.outOfSyncApps,
    },
    {
      alert: 'ArgoCdManualSyncWaiting',
      expr: 'argocd_app_info{sync_status="OutOfSync", autosync_enabled="false"} == 1',
      for: `${thresholds.manualSyncMinutes}m`,
      severity: prod ? 'critical' : 'warning',
      summary: `{{ $labels.name }} has waited ${thresholds.manualSyncMinutes} minutes for a manual sync`,
      description: 'Application {{ $labels.name }} (project {{ $labels.project }}) syncs only by hand, and a change in Git has waited for someone to sync it: manual intervention required.',
      query: GITOPS_QUERIES.outOfSyncApps,
    },
    {
      alert: 'ArgoCdComponentDown',
      // Down: every target of the job fails its scrape, or the job has no target at all. absent() copies
      // labels only from a plain selector, so each component has its own, and the alert names its job.
      expr: [
        `sum by (job) (up{job=~"${ARGOCD_COMPONENTS.map((c) => c.job).join('|')}"}) == 0`,
        ...ARGOCD_COMPONENTS.map((component) => `absent(up{job="${component.job}"})`),
      ].join(' or '),
      for: `${thresholds.componentDownMinutes}m`,
      severity: 'critical',
      summary: 'ArgoCD component {{ $labels.job }} is down',
      description: `No target of {{ $labels.job }} has answered its scraper for ${thresholds.componentDownMinutes} minutes: syncs, the UI or notifications stop with it.`,
      query: GITOPS_QUERIES.componentsUp,
    },
  ];
}

/** The runbook section of an alert: GitHub's anchor of its heading. */
export function runbookUrl(env: Environment, alert: string): string {
  return `${env.observability.prometheus.runbookBaseUrl ?? 'docs/runbooks/'}gitops-alerts.md#${alert.toLowerCase()}`;
}

/** The uid of the Grafana data source the dashboard reads by default: the workspace, as Grafana is given it. */
export const DASHBOARD_DATASOURCE_UID = 'groundwork-prometheus';


/**
 * The GitOps loop's Grafana dashboard (JSON model): a panel per query of GITOPS_QUERIES, two to a row, each
 * linking the runbook of every alert that watches it. Its data source is a variable, defaulting to the
 * workspace, so a Grafana of your own can show it with its own Prometheus (`datasourceType` `prometheus`).
 */
export function gitopsDashboard(env: Environment, datasourceType: string): Record<string, unknown> {
  const alerts = gitopsAlertRules(env);
  const panels = Object.values(GITOPS_QUERIES).map((query: GitopsQuery, index) => {
    const watching = alerts.filter((rule) => rule.query?.id === query.id);
    return {
      id: index + 1,
      type: query.panel ?? 'timeseries',
      title: query.title,
      description: watching.length > 0 ? `Alerts: ${watching.map((rule) => rule.alert).join(', ')}` : '',
      gridPos: { x: (index % 2) * 12, y: Math.floor(index / 2) * 8, w: 12, h: 8 },
      datasource: { type: datasourceType, uid: '${datasource}' },
      targets: [{ refId: 'A', expr: query.expr, ...(query.legend && { legendFormat: query.legend }) }],
      fieldConfig: { defaults: { unit: query.unit }, overrides: [] },
      links: watching.map((rule) => ({ title: `Runbook: ${rule.alert}`, url: runbookUrl(env, rule.alert), targetBlank: true })),
    };
  });
  return {
    uid: `groundwork-gitops-${env.name}`,
    title: `GitOps loop (${env.name})`,
    tags: ['groundwork', 'gitops', env.name],
    timezone: 'utc',
    editable: false,
    refresh: '1m',
    time: { from: 'now-6h', to: 'now' },
    schemaVersion: 39,
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: datasourceType, current: { text: DASHBOARD_DATASOURCE_UID, value: DASHBOARD_DATASOURCE_UID } }],
    },
    panels,
  };
}
