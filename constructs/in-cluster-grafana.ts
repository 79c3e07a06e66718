import { ConfigMapV1 } from '@cdktf/provider-kubernetes/lib/config-map-v1';
import { Release } from '@cdktf/provider-helm/lib/release';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { stringify } from 'yaml';

/** The chart repository of the `grafana` chart (grafana-community, where it moved from grafana/helm-charts in 2026). */
export const GRAFANA_COMMUNITY_REPOSITORY = 'https://grafana-community.github.io/helm-charts';

/**
 * The data source plugin for Managed Prometheus, pinned: Grafana 13's core Prometheus data source no longer
 * signs with SigV4 (it migrates such data sources to this plugin, which must be installed).
 */
export const AMAZON_PROMETHEUS_PLUGIN = { id: 'grafana-amazonprometheus-datasource', version: '3.0.0' } as const;

/** The label Grafana's dashboard sidecar loads ConfigMaps by, and its value. */
export const DASHBOARD_LABEL = { name: 'grafana_dashboard', value: '1' } as const;

export interface InClusterGrafanaProps {
  /** Namespace of Grafana and of the dashboards' ConfigMaps; created by the release if it is missing. */
  readonly namespace: string;
  /** Dashboards, by file name (`gitops.json`), as Grafana JSON models. */
  readonly dashboards: Readonly<Record<string, Record<string, unknown>>>;
  /** What must exist before the dashboards' ConfigMaps, such as the release that creates the namespace. @default - Grafana's release */
  readonly dependsOn?: readonly ITerraformDependable[];
  /**
   * Grafana itself, when Groundwork installs it. @default - not installed: the ConfigMaps carry the sidecar's
   * label, for a Grafana of your own whose sidecar watches the namespace
   */
  readonly install?: {
    /** Version of the `grafana` chart, pinned, e.g. `12.11.1`. */
    readonly chartVersion: string;
    /** Name of Grafana's service account, which `roleArn` trusts. */
    readonly serviceAccountName: string;
    /** The data source the dashboards read: a Managed Prometheus workspace, queried with SigV4. */
    readonly prometheus: {
      /** The workspace's endpoint (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/`). */
      readonly url: string;
      /** The workspace's region, for SigV4. */
      readonly region: string;
      /** Its uid, which the dashboards name. */
      readonly uid: string;
      /** Its name in Grafana. */
      readonly name: string;
    };
    /**
     * The IAM role the service account assumes (IRSA) to query. @default - none: SigV4 takes the default
     * credential chain (a node role), for clusters without an OIDC provider
     */
    readonly roleArn?: string;
  };
}

/**
 * Grafana in the cluster, reading a Managed Prometheus workspace as its only data source (through the
 * Amazon Managed Service for Prometheus plugin, which signs with SigV4), and the dashboards
 * its sidecar loads from labelled ConfigMaps. No volume (the dashboards and the data source are provisioned,
 * so nothing is lost with the pod), no sign-up, no anonymous access; the admin password is the chart's
 * generated Secret, and SSO is the operator's to add (it needs a client secret).
 */
export class InClusterGrafana extends Construct {
  readonly release?: Release;
  /** The chart's values, as YAML, when Grafana is installed. */
  readonly values?: string;

  constructor(scope: Construct, id: string, props: InClusterGrafanaProps) {
    super(scope, id);
    const install = props.install;
    if (install) {
      const { prometheus } = install;
      this.values = stringify(
        {
          serviceAccount: { create: true, name: install.serviceAccountName, annotations: install.roleArn ? { 'eks.amazonaws.com/role-arn': install.roleArn } : {} },
          persistence: { enabled: false },
          plugins: [`${AMAZON_PROMETHEUS_PLUGIN.id}@${AMAZON_PROMETHEUS_PLUGIN.version}`],
          'grafana.ini': {
            'auth.anonymous': { enabled: false },
            users: { allow_sign_up: false },
            analytics: { reporting_enabled: false, check_for_updates: false },
          },
          datasources: {
            'datasources.yaml': {
              apiVersion: 1,
              datasources: [
                {
                  name: prometheus.name,
                  uid: prometheus.uid,
                  type: AMAZON_PROMETHEUS_PLUGIN.id,
                  access: 'proxy',
                  url: prometheus.url,
                  isDefault: true,
                  editable: false,
                  jsonData: { sigV4Auth: true, sigV4AuthType: 'default', sigV4Region: prometheus.region, httpMethod: 'POST' },
                },
              ],
            },
          },
          sidecar: { dashboards: { enabled: true, label: DASHBOARD_LABEL.name, labelValue: DASHBOARD_LABEL.value, searchNamespace: props.namespace } },
        },
        { lineWidth: 0 },
      );
      this.release = new Release(this, 'release', {
        name: 'grafana',
        repository: GRAFANA_COMMUNITY_REPOSITORY,
        chart: 'grafana',
        version: install.chartVersion,
        namespace: props.namespace,
        createNamespace: true,
        values: [this.values],
        wait: true,
        timeout: 600,
      });
    }
    for (const [file, dashboard] of Object.entries(props.dashboards)) {
      new ConfigMapV1(this, `dashboard-${file.replace(/\.json$/, '')}`, {
        metadata: { name: `dashboard-${file.replace(/\.json$/, '')}`, namespace: props.namespace, labels: { [DASHBOARD_LABEL.name]: DASHBOARD_LABEL.value } },
        // Terraform reads `${` in any string as a template: Grafana's variables (`${datasource}`) are escaped
        // (by a function: in a replacement string `$$` stands for one `$`).
        data: { [file]: JSON.stringify(dashboard, undefined, 2).replaceAll('${', () => '$${') },
        dependsOn: [...(props.dependsOn ?? []), ...(this.release ? [this.release] : [])],
      });
    }
  }
}
