import { z } from 'zod';
import { helmChartVersion, logRetentionDays, ownNamespace } from './fields';

/**
 * Alarms, the dashboard and the audit trail of an environment. Every threshold has a default; the alarm
 * and the dashboard graph of a metric read the same threshold. Rules that relate these fields to the
 * tier live in `rules.ts`.
 */

const SubscriptionSchema = z.discriminatedUnion('protocol', [
  z.strictObject({
    /** An email address; AWS sends it a confirmation link first. */
    protocol: z.literal('email'),
    endpoint: z.email({ error: 'must be an email address' }),
  }),
  z.strictObject({
    /** An HTTPS endpoint (a pager's webhook); AWS sends it a confirmation request first. */
    protocol: z.literal('https'),
    endpoint: z.url({ protocol: /^https$/, error: 'must be an https URL' }),
  }),
  z.strictObject({
    /** A standard SQS queue's ARN, in the environment's account (any region of its partition). */
    protocol: z.literal('sqs'),
    endpoint: z.string().regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, 'must be an SQS queue ARN'),
  }),
  z.strictObject({
    /** A Lambda function's ARN, in the environment's account (any region of its partition). */
    protocol: z.literal('lambda'),
    endpoint: z.string().regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$/, 'must be a Lambda function ARN'),
  }),
]);

const percent = (fallback: number) => z.number().min(0).max(100).default(fallback);
const positive = (fallback: number) => z.number().positive().default(fallback);

const ThresholdsSchema = z.strictObject({
  /** Load balancer 5xx responses (its own and the targets') as a percentage of requests. @default 5 */
  loadBalancer5xxPercent: percent(5),
  /** Seconds of target response time at p95. @default 1 */
  targetLatencyP95Seconds: positive(1),
  /** Seconds of target response time at p99. @default 2.5 */
  targetLatencyP99Seconds: positive(2.5),
  /** Unhealthy targets at or above which the alarm fires. @default 1 */
  unhealthyTargets: z.number().int().min(1).default(1),
  /** Average CPU of the service's tasks, percent. @default 85 */
  serviceCpuPercent: percent(85),
  /** Average memory of the service's tasks, percent. @default 85 */
  serviceMemoryPercent: percent(85),
  /** Database CPU, percent. @default 80 */
  databaseCpuPercent: percent(80),
  /** Aurora capacity used, as a percentage of the maximum ACU (Aurora only). @default 90 */
  databaseAcuPercent: percent(90),
  /** Database connections; tune to the engine's `max_connections`. @default 400 */
  databaseConnections: z.number().int().min(1).default(400),
  /** Freeable memory of the database, MiB, below which the alarm fires. @default 256 */
  databaseFreeableMemoryMiB: positive(256),
  /** Free storage of an RDS instance, GiB, below which the alarm fires (RDS only). @default 5 */
  databaseFreeStorageGiB: positive(5),
  /** Valkey engine CPU of the busiest node, percent. @default 75 */
  cacheCpuPercent: percent(75),
  /** Valkey memory used of the busiest node, percent. @default 80 */
  cacheMemoryPercent: percent(80),
  /** Keys evicted per 5 minutes on the busiest node. @default 100 */
  cacheEvictions: z.number().int().min(0).default(100),
  /** Memory used on a graph node (Neo4j's heap and page cache included), percent. @default 95 */
  graphMemoryPercent: percent(95),
  /** Space used on a graph node's data volume, percent. @default 80 */
  graphDiskPercent: percent(80),
  /** Messages waiting in the queue of secret rotations whose redeployment failed. @default 1 */
  redeployFailures: z.number().int().min(1).default(1),
  /** Seconds the slowest state object took to reach the state bucket's replica (no time guarantee without S3 RTC). @default 900 */
  stateReplicationLatencySeconds: z.number().int().min(60).max(86_400).default(900),
  /** Seconds the standby's database may lag its primary (with `failover`): the data a failover would lose. @default 60 */
  replicationLagSeconds: z.number().int().min(1).max(86_400).default(60),
});

const EvaluationSchema = z.strictObject({
  /** Periods an alarm looks back over: one minute each, five for the 5-minute metrics (evictions). @default 5 */
  periods: z.number().int().min(1).max(60).default(5),
  /** Of those periods, how many must breach for the alarm to fire ("M out of N"). @default 3 */
  datapointsToAlarm: z.number().int().min(1).max(60).default(3),
});

const TrailSchema = z.strictObject({
  /** Days the trail's log files are kept in its bucket. @default 365 */
  retentionDays: z.number().int().min(1).max(3653).default(365),
  /** The trail records events. Only an emulator environment may turn it off. @default true */
  logging: z.boolean().default(true),
});

const minutes = (what: string) => z.number().int().min(1).max(1440, `must be at most 1440 minutes (a day): ${what}`);

/** When the GitOps loop's alerts fire; the dashboard's panels read the same thresholds. */
const GitopsAlertsSchema = z.strictObject({
  /** Failed syncs of one application, with no success between them, that fire `ArgoCdSyncFailing`. @default 3 */
  syncFailures: z.number().int().min(1).max(20).default(3),
  /** Minutes an application may stay OutOfSync. @default - 60 in tier dev, 30 in staging, 15 in prod */
  outOfSyncMinutes: minutes('an application out of sync for longer is drift').optional(),
  /** Minutes an application may stay Degraded. @default - 15 in tier dev, 10 in staging, 5 in prod */
  degradedMinutes: minutes('a degraded application for longer is an outage').optional(),
  /** Minutes an application without automated sync may wait for someone to sync it by hand. @default 60 */
  manualSyncMinutes: minutes('a change waiting longer for a manual sync is forgotten').default(60),
  /** Minutes an ArgoCD component may be unreachable to its scraper. @default 5 */
  componentDownMinutes: minutes('a component down for longer stops the loop').default(5),
});

/**
 * The environment's Amazon Managed Service for Prometheus workspace: ArgoCD's metrics are written to it, its
 * rule groups hold the GitOps alerts, and its alert manager sends them to the alarm topic.
 */
const PrometheusSchema = z.strictObject({
  /**
   * Whether the environment has the workspace, and, with `gitops`, the collector that writes ArgoCD's
   * metrics to it. @default - true when `gitops.cluster` is an EKS cluster
   */
  enabled: z.boolean().optional(),
  /** The cluster namespace of the collector and Grafana (with `gitops`). @default 'monitoring' */
  namespace: ownNamespace("the collector's and Grafana's").default('monitoring'),
  /** The in-cluster Prometheus that scrapes ArgoCD and writes to the workspace (with `gitops`). @default - see each field */
  collector: z
    .strictObject({
      /** Version of the `prometheus` Helm chart (prometheus-community); pinned. @default '29.27.0' */
      chartVersion: helmChartVersion.default('29.27.0'),
      /** Seconds between scrapes: 10 to 300. @default 30 */
      scrapeIntervalSeconds: z.number().int().min(10).max(300).default(30),
    })
    .prefault({}),
  /**
   * Grafana with the GitOps dashboard, reading the workspace (with `gitops`). The dashboard is a ConfigMap
   * that Grafana's sidecar loads, so with `install: false` a Grafana of your own whose sidecar watches the
   * namespace shows it too. @default - see each field
   */
  grafana: z
    .strictObject({
      /** Whether Groundwork installs Grafana (the `grafana` chart of grafana-community). @default true */
      install: z.boolean().default(true),
      /** Version of the `grafana` chart; pinned. @default '12.11.1' */
      chartVersion: helmChartVersion.default('12.11.1'),
    })
    .prefault({}),
  /** The workspace's metrics are encrypted with the environment's own key. Only an emulator environment may turn it off. @default true */
  customerKey: z.boolean().default(true),
  /** The workspace's alert manager sends alerts to the alarm topic. Only an emulator environment may turn it off. @default true */
  alertManager: z.boolean().default(true),
  /** Days the workspace's own log group (rule evaluation and alert manager errors) keeps its events. @default - 365 in tier prod, 90 otherwise */
  logRetentionDays: logRetentionDays.optional(),
  /**
   * Where each alert's `runbook_url` points: this URL followed by `gitops-alerts.md#<alert>`, such as
   * "https://github.com/example/platform/blob/main/docs/runbooks/".
   * @default - the repository path docs/runbooks/
   */
  runbookBaseUrl: z.url({ protocol: /^https$/, error: 'must be an https URL ending in "/"' }).refine((url) => url.endsWith('/'), 'must end in "/"').optional(),
  /** When the GitOps alerts fire. @default - see each field */
  gitopsAlerts: GitopsAlertsSchema.prefault({}),
});

export const ObservabilitySchema = z.strictObject({
  /** Who is told when an alarm fires or clears. Tier prod needs at least one. @default [] */
  subscriptions: z
    .array(SubscriptionSchema)
    .superRefine((subscriptions, ctx) => {
      subscriptions.forEach((subscription, i) => {
        // Email addresses are one mailbox in any case; SNS would send every alarm there twice.
        const same = (a: string, b: string) => (subscription.protocol === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b);
        const first = subscriptions.findIndex((other) => other.protocol === subscription.protocol && same(other.endpoint, subscription.endpoint));
        if (first < i) ctx.addIssue({ code: 'custom', path: [i, 'endpoint'], message: `subscribes ${subscription.endpoint} a second time (as entry ${first} does)` });
      });
    })
    .default([]),
  /** Alarm thresholds. @default - see each field */
  thresholds: ThresholdsSchema.prefault({}),
  /**
   * How long a threshold must be breached before its alarm fires. The redeploy-failure alarm ignores it:
   * one failed redeployment is worth knowing at once. @default - 3 of 5 periods
   */
  evaluation: EvaluationSchema.prefault({}),
  /** The account's CloudTrail trail. @default - see each field */
  trail: TrailSchema.prefault({}),
  /** The Managed Prometheus workspace and the GitOps alerts. @default - see each field */
  prometheus: PrometheusSchema.prefault({}),
});

/** The GitOps alerts' defaults that depend on the tier. */
const TIER_ALERT_MINUTES = { dev: { outOfSync: 60, degraded: 15 }, staging: { outOfSync: 30, degraded: 10 }, prod: { outOfSync: 15, degraded: 5 } } as const;

/** Fills the defaults that depend on the tier and on whether ArgoCD runs on an EKS cluster of the environment's. */
export function resolveObservability(observability: z.output<typeof ObservabilitySchema>, tier: keyof typeof TIER_ALERT_MINUTES, eksGitops: boolean) {
  const { prometheus } = observability;
  const alerts = prometheus.gitopsAlerts;
  return {
    ...observability,
    prometheus: {
      ...prometheus,
      enabled: prometheus.enabled ?? eksGitops,
      logRetentionDays: prometheus.logRetentionDays ?? (tier === 'prod' ? 365 : 90),
      gitopsAlerts: {
        ...alerts,
        outOfSyncMinutes: alerts.outOfSyncMinutes ?? TIER_ALERT_MINUTES[tier].outOfSync,
        degradedMinutes: alerts.degradedMinutes ?? TIER_ALERT_MINUTES[tier].degraded,
      },
    },
  };
}
