import { HelmProvider, type HelmProviderKubernetes } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider, type KubernetesProviderConfig } from '@cdktf/provider-kubernetes/lib/provider';
import { Fn, Token } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { gitopsObjects } from '../environments/gitops-policy';
import { ArgoCdAppOfApps } from '../constructs/argocd-app-of-apps';
import { ArgoCdClusterMetadata } from '../constructs/argocd-cluster-metadata';
import { ArgoCdInstallation } from '../constructs/argocd-installation';
import { AMAZON_PROMETHEUS_PLUGIN, InClusterGrafana } from '../constructs/in-cluster-grafana';
import { PrometheusCollector } from '../constructs/prometheus-collector';
import { GRAFANA_SERVICE_ACCOUNT, METRICS_COLLECTOR_SERVICE_ACCOUNT, type ClusterStack } from './cluster-stack';
import type { DataStack } from './data-stack';
import { EnvironmentStack } from './environment-stack';
import { DASHBOARD_DATASOURCE_UID, gitopsDashboard } from './gitops-metrics';
import type { NetworkStack } from './network-stack';
import type { ObservabilityStack } from './observability-stack';
import type { SecretsStack } from './secrets-stack';

/** What the GitOps stack reads from the rest of the environment. */
export interface GitopsInputs {
  readonly network: NetworkStack;
  readonly secrets: SecretsStack;
  readonly data: DataStack;
  /** The Managed Prometheus workspace ArgoCD's metrics are written to, when there is one. */
  readonly observability: ObservabilityStack;
  /** The EKS cluster, when the config asks for one; otherwise the kubeconfig of `gitops.cluster`. */
  readonly cluster?: ClusterStack;
}

/**
 * `gitops-<env>`: ArgoCD on the environment's cluster, its projects and root app-of-apps from the
 * environment's policy, the infrastructure metadata workloads read, and, with the Managed Prometheus
 * workspace, the collector that writes ArgoCD's metrics to it and Grafana with the GitOps dashboard that
 * reads it. The Kubernetes and Helm providers only: nothing here talks to AWS.
 */
export class GitopsStack extends EnvironmentStack {
  constructor(scope: Construct, env: Environment, inputs: GitopsInputs) {
    super(scope, 'gitops', env, { awsProvider: false });
    const gitops = env.gitops!;
    const connection = clusterConnection(env, inputs.cluster);
    new KubernetesProvider(this, 'kubernetes', connection.kubernetes);
    new HelmProvider(this, 'helm', { kubernetes: connection.helm });

    const { namespace } = gitops.argocd;
    const argocd = new ArgoCdInstallation(this, 'argocd', {
      chartVersion: gitops.argocd.chartVersion,
      namespace,
      highAvailability: gitops.argocd.highAvailability,
      readOnlyGroups: [gitops.ssoGroups.viewers],
      notifications: { environment: env.name, webhook: gitops.notifications.webhook, subscribe: gitops.notifications.triggers },
    });
    const workspace = inputs.observability.prometheusWorkspace;
    if (workspace) {
      const { collector, grafana, namespace: monitoringNamespace } = env.observability.prometheus;
      const metricsCollector = new PrometheusCollector(this, 'metrics-collector', {
        chartVersion: collector.chartVersion,
        namespace: monitoringNamespace,
        serviceAccountName: METRICS_COLLECTOR_SERVICE_ACCOUNT,
        remoteWriteUrl: `${workspace.endpoint}api/v1/remote_write`,
        region: env.region,
        // On an existing cluster there is no OIDC provider of ours: SigV4 takes the nodes' credentials.
        roleArn: inputs.cluster?.metricsCollectorRoleArn,
        scrapeNamespace: namespace,
        scrapeIntervalSeconds: collector.scrapeIntervalSeconds,
      });
      new InClusterGrafana(this, 'grafana', {
        namespace: monitoringNamespace,
        // Our Grafana reads the workspace through the Managed Prometheus plugin; a Grafana of your own, its Prometheus.
        dashboards: { 'gitops.json': gitopsDashboard(env, grafana.install ? AMAZON_PROMETHEUS_PLUGIN.id : 'prometheus') },
        dependsOn: [metricsCollector.release],
        install: grafana.install
          ? {
              chartVersion: grafana.chartVersion,
              serviceAccountName: GRAFANA_SERVICE_ACCOUNT,
              prometheus: { url: workspace.endpoint, region: env.region, uid: DASHBOARD_DATASOURCE_UID, name: `Managed Prometheus (${env.name})` },
              roleArn: inputs.cluster?.grafanaRoleArn,
            }
          : undefined,
      });
    }
    const { projects, applications } = gitopsObjects(env);
    new ArgoCdAppOfApps(this, 'app-of-apps', { chartVersion: gitops.argocd.appsChartVersion, namespace, projects, applications, dependsOn: [argocd.release] });
    new ArgoCdClusterMetadata(this, 'cluster-metadata', {
      namespace,
      dependsOn: [argocd.release],
      metadata: {
        environment: env.name,
        region: env.region,
        'account-id': env.accountId,
        'vpc-id': inputs.network.vpcId,
        'database-endpoint': inputs.data.database.endpoint,
        'database-reader-endpoint': inputs.data.database.readerEndpoint,
        'database-port': Token.asString(inputs.data.database.port),
        'database-secret-arn': inputs.data.database.masterUserSecretArn,
        ...(inputs.data.cache && {
          'cache-endpoint': inputs.data.cache.primaryEndpoint,
          'cache-port': Token.asString(inputs.data.cache.port),
          'cache-auth-token-secret-arn': inputs.data.cache.authTokenSecretArn,
        }),
        'secret-key-base-secret-arn': inputs.secrets.secretKeyBaseSecretArn,
      },
    });
  }
}

/** How the providers reach the cluster: EKS through `aws eks get-token`, an existing one through its kubeconfig. */
function clusterConnection(env: Environment, cluster: ClusterStack | undefined): { kubernetes: KubernetesProviderConfig; helm: HelmProviderKubernetes } {
  const config = env.gitops!.cluster;
  if (config.kind === 'existing') {
    return {
      kubernetes: { configPath: config.kubeconfigPath, configContext: config.context },
      helm: { configPath: config.kubeconfigPath, configContext: config.context },
    };
  }
  if (!cluster) throw new Error(`gitops-${env.name}: an EKS cluster is configured but no cluster stack was given`);
  // A short-lived token per Terraform run, from the caller's AWS credentials: nothing long-lived in state.
  const exec = { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token', '--cluster-name', cluster.clusterName, '--region', env.region] };
  const endpoint = { host: cluster.endpoint, clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority) };
  return { kubernetes: { ...endpoint, exec: [exec] }, helm: { ...endpoint, exec } };
}
