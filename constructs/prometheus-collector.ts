import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import { stringify } from 'yaml';

/** The chart repository of the `prometheus` chart. */
export const PROMETHEUS_COMMUNITY_REPOSITORY = 'https://prometheus-community.github.io/helm-charts';

/** The chart's default scrape jobs, each turned off: the collector scrapes only what it is given. */
const DEFAULT_SCRAPE_JOBS = [
  'prometheus',
  'kubernetes-api-servers',
  'kubernetes-nodes',
  'kubernetes-nodes-cadvisor',
  'kubernetes-service-endpoints',
  'kubernetes-service-endpoints-slow',
  'prometheus-pushgateway',
  'kubernetes-services',
  'kubernetes-pods',
  'kubernetes-pods-slow',
] as const;

export interface PrometheusCollectorProps {
  /** Version of the `prometheus` chart (prometheus-community), pinned, e.g. `29.27.0`. */
  readonly chartVersion: string;
  /** Namespace the collector runs in; created by the release. */
  readonly namespace: string;
  /** Name of the collector's service account, which `roleArn` trusts. */
  readonly serviceAccountName: string;
  /** The Managed Prometheus workspace's remote-write URL (`<endpoint>api/v1/remote_write`). */
  readonly remoteWriteUrl: string;
  /** The workspace's region, for SigV4. */
  readonly region: string;
  /**
   * The IAM role the service account assumes (IRSA) to write. @default - none: SigV4 takes the default
   * credential chain (a node role), for clusters without an OIDC provider
   */
  readonly roleArn?: string;
  /** Namespace whose Services named `<job>-metrics` are scraped, each as job `<job>`. */
  readonly scrapeNamespace: string;
  /** Seconds between scrapes. @default 30 */
  readonly scrapeIntervalSeconds?: number;
}

/**
 * A Prometheus server in the cluster that scrapes one namespace's metrics Services and writes every sample to
 * a Managed Prometheus workspace, signed with SigV4 under its service account's role. It keeps two hours on
 * an emptyDir (the workspace holds the history), evaluates no rules (the workspace does) and runs none of
 * the chart's extras (alertmanager, exporters, pushgateway).
 */
export class PrometheusCollector extends Construct {
  readonly release: Release;
  /** The chart's values, as YAML. */
  readonly values: string;

  constructor(scope: Construct, id: string, props: PrometheusCollectorProps) {
    super(scope, id);
    const interval = `${props.scrapeIntervalSeconds ?? 30}s`;
    this.values = stringify(
      {
        serviceAccounts: {
          server: { create: true, name: props.serviceAccountName, annotations: props.roleArn ? { 'eks.amazonaws.com/role-arn': props.roleArn } : {} },
        },
        server: {
          global: { scrape_interval: interval, evaluation_interval: interval },
          retention: '2h',
          persistentVolume: { enabled: false },
          remoteWrite: [{ url: props.remoteWriteUrl, sigv4: { region: props.region } }],
        },
        scrapeConfigs: {
          ...Object.fromEntries(DEFAULT_SCRAPE_JOBS.map((job) => [job, { enabled: false }])),
          [`${props.scrapeNamespace}-metrics`]: {
            enabled: true,
            kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: [props.scrapeNamespace] } }],
            relabel_configs: [
              // Only the metrics Services, each scraped as the job its name gives (`argocd-server-metrics` is `argocd-server`).
              { source_labels: ['__meta_kubernetes_service_name'], regex: '(.+)-metrics', action: 'keep' },
              { source_labels: ['__meta_kubernetes_service_name'], regex: '(.+)-metrics', target_label: 'job', replacement: '$1' },
              { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
              { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
            ],
          },
        },
        alertmanager: { enabled: false },
        'kube-state-metrics': { enabled: false },
        'prometheus-node-exporter': { enabled: false },
        'prometheus-pushgateway': { enabled: false },
      },
      { lineWidth: 0 },
    );
    this.release = new Release(this, 'release', {
      name: 'metrics-collector',
      repository: PROMETHEUS_COMMUNITY_REPOSITORY,
      chart: 'prometheus',
      version: props.chartVersion,
      namespace: props.namespace,
      createNamespace: true,
      values: [this.values],
      wait: true,
      timeout: 600,
    });
  }
}
