import { Construct } from 'constructs';
import { ServiceAccountRole } from './service-account-role';

/** What the writer may do: send samples, nothing else (no query, no rules, no other workspace). */
export const WORKSPACE_WRITE_ACTIONS = ['aps:RemoteWrite'] as const;
/** What a reader such as Grafana needs to query, and nothing that writes. */
export const WORKSPACE_QUERY_ACTIONS = ['aps:QueryMetrics', 'aps:GetSeries', 'aps:GetLabels', 'aps:GetMetricMetadata'] as const;

export interface PrometheusWorkspaceRolesProps {
  /** Prefix of the roles' names: `<prefix>-<service account>`. */
  readonly namePrefix: string;
  /** The cluster's IAM OIDC provider. */
  readonly oidcProviderArn: string;
  /** The provider's issuer URL. */
  readonly oidcIssuerUrl: string;
  /** Namespace of both service accounts. */
  readonly namespace: string;
  /** The Managed Prometheus workspace, the only resource either role may act on. */
  readonly workspaceArn: string;
  /** Service account of the collector that writes to the workspace. */
  readonly writerServiceAccount: string;
  /** Service account of the reader (Grafana). @default - no reader role */
  readonly readerServiceAccount?: string;
}

/**
 * The IRSA roles a cluster's metrics pipeline needs around one Managed Prometheus workspace: a writer that
 * may only remote-write to it, and optionally a reader that may only query it.
 */
export class PrometheusWorkspaceRoles extends Construct {
  readonly writerRoleArn: string;
  readonly readerRoleArn?: string;

  constructor(scope: Construct, id: string, props: PrometheusWorkspaceRolesProps) {
    super(scope, id);
    const role = (serviceAccountName: string, sid: string, actions: readonly string[]) =>
      new ServiceAccountRole(this, serviceAccountName, {
        roleName: `${props.namePrefix}-${serviceAccountName}`,
        oidcProviderArn: props.oidcProviderArn,
        oidcIssuerUrl: props.oidcIssuerUrl,
        namespace: props.namespace,
        serviceAccountName,
        statements: [{ sid, actions: [...actions], resources: [props.workspaceArn] }],
      }).roleArn;
    this.writerRoleArn = role(props.writerServiceAccount, 'RemoteWriteToTheWorkspace', WORKSPACE_WRITE_ACTIONS);
    if (props.readerServiceAccount) this.readerRoleArn = role(props.readerServiceAccount, 'QueryTheWorkspace', WORKSPACE_QUERY_ACTIONS);
  }
}
