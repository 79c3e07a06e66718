import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from '../environments';
import { EksCluster } from '../constructs/eks-cluster';
import { SecurityGroupAccess } from '../constructs/private-security-group';
import { PrometheusWorkspaceRoles } from '../constructs/prometheus-workspace-roles';
import type { DataStack } from './data-stack';
import { EnvironmentStack } from './environment-stack';
import type { NetworkStack } from './network-stack';
import type { ObservabilityStack } from './observability-stack';

/** The metrics collector's Kubernetes service account, which its IAM role trusts. */
export const METRICS_COLLECTOR_SERVICE_ACCOUNT = 'metrics-collector';
/** Grafana's Kubernetes service account, which its IAM role trusts. */
export const GRAFANA_SERVICE_ACCOUNT = 'grafana';

/** The EKS part of an environment's GitOps config. */
export type EksClusterConfig = Extract<NonNullable<Environment['gitops']>['cluster'], { kind: 'eks' }>;

/**
 * `cluster-<env>`: the EKS cluster ArgoCD runs in, for environments whose config asks for one. Its nodes
 * (and so its pods) may reach the database and the cache, whose endpoints the gitops stack hands them. With
 * the Managed Prometheus workspace, the roles the metrics collector's and Grafana's service accounts write
 * to it and read it with.
 */
export class ClusterStack extends EnvironmentStack {
  readonly clusterName: string;
  readonly endpoint: string;
  readonly certificateAuthority: string;
  /** The role the metrics collector's service account assumes to write to the workspace, when there is one. */
  readonly metricsCollectorRoleArn?: string;
  /** The role Grafana's service account assumes to query the workspace, when there is one. */
  readonly grafanaRoleArn?: string;

  constructor(scope: Construct, env: Environment, config: EksClusterConfig, network: NetworkStack, data: DataStack, observability: ObservabilityStack) {
    super(scope, 'cluster', env);
    const cluster = new EksCluster(this, 'eks', {
      clusterName: `groundwork-${env.name}`,
      keyAlias: `groundwork/${env.name}/eks-secrets`,
      kubernetesVersion: config.kubernetesVersion,
      vpcId: network.vpcId,
      subnetIds: network.subnetIds.private,
      privateAccessCidrs: config.privateAccessCidrs ?? [env.network.cidr],
      adminRoleArns: config.adminRoleArns,
      publicEndpoint: config.publicEndpoint,
      publicAccessCidrs: config.publicAccessCidrs,
      nodes: config.nodes,
      accountId: env.accountId,
      region: env.region,
      logRetentionDays: config.logRetentionDays,
      keyRotationPeriodDays: env.kms.rotationPeriodDays,
      keyDeletionWindowDays: env.kms.deletionWindowDays,
    });
    const client = { clientName: 'eks-nodes', clientSecurityGroupId: cluster.clusterSecurityGroupId };
    new SecurityGroupAccess(this, 'nodes-to-database', { ...client, serverName: `groundwork-${env.name}-database`, serverSecurityGroupId: data.databaseSecurityGroupId, port: env.database.port });
    if (data.cache) {
      new SecurityGroupAccess(this, 'nodes-to-cache', { ...client, serverName: `groundwork-${env.name}-cache`, serverSecurityGroupId: data.cache.securityGroupId, port: env.cache.port });
    }

    const workspace = observability.prometheusWorkspace;
    if (workspace) {
      const { namespace, grafana } = env.observability.prometheus;
      const roles = new PrometheusWorkspaceRoles(this, 'prometheus-roles', {
        namePrefix: `groundwork-${env.name}`,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        namespace,
        workspaceArn: workspace.arn,
        writerServiceAccount: METRICS_COLLECTOR_SERVICE_ACCOUNT,
        readerServiceAccount: grafana.install ? GRAFANA_SERVICE_ACCOUNT : undefined,
      });
      this.metricsCollectorRoleArn = roles.writerRoleArn;
      this.grafanaRoleArn = roles.readerRoleArn;
      new TerraformOutput(this, 'metrics_collector_role_arn', { value: roles.writerRoleArn, description: 'IAM role of the metrics collector\'s service account (aps:RemoteWrite to the workspace)' });
      if (roles.readerRoleArn) new TerraformOutput(this, 'grafana_role_arn', { value: roles.readerRoleArn, description: 'IAM role of Grafana\'s service account (queries the workspace)' });
    }

    this.clusterName = cluster.clusterName;
    this.endpoint = cluster.endpoint;
    this.certificateAuthority = cluster.certificateAuthority;
    new TerraformOutput(this, 'cluster_name', { value: cluster.clusterName, description: 'Name of the EKS cluster' });
    new TerraformOutput(this, 'cluster_endpoint', { value: cluster.endpoint, description: 'URL of the Kubernetes API' });
    new TerraformOutput(this, 'cluster_certificate_authority', { value: cluster.certificateAuthority, description: 'Base64 PEM of the cluster certificate authority (public)' });
    new TerraformOutput(this, 'oidc_provider_arn', { value: cluster.oidcProviderArn, description: 'IAM OIDC provider for service-account roles' });
  }
}
