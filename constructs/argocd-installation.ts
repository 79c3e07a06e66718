import { Release } from '@cdktf/provider-helm/lib/release';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { argoCdNotificationValues, type ArgoCdNotificationsProps } from './argocd-notifications';

/** The chart repository of the argo-cd and argocd-apps charts. */
export const ARGO_HELM_REPOSITORY = 'https://argoproj.github.io/argo-helm';

export interface ArgoCdInstallationProps {
  /** Version of the `argo-cd` chart, pinned, e.g. `8.3.9`. */
  readonly chartVersion: string;
  /** Namespace ArgoCD runs in; created by the release. */
  readonly namespace: string;
  /**
   * Redis HA, two replicas of the API server, repo server and ApplicationSet controller, and a disruption
   * budget for each, so a node drain never takes ArgoCD down. @default false
   */
  readonly highAvailability?: boolean;
  /** SSO groups with read-only access to everything (ArgoCD's built-in `role:readonly`). @default - none */
  readonly readOnlyGroups?: readonly string[];
  /** What the notifications controller reports, and where. */
  readonly notifications: ArgoCdNotificationsProps;
}

/**
 * ArgoCD, installed by the `argo-cd` Helm chart at a pinned version. Users get no access by default:
 * only project roles (and `readOnlyGroups`) grant any.
 */
export class ArgoCdInstallation extends Construct {
  readonly release: Release;
  /** The chart's values, as YAML. */
  readonly values: string;

  constructor(scope: Construct, id: string, props: ArgoCdInstallationProps) {
    super(scope, id);
    const ha = props.highAvailability ?? false;
    // Each component's metrics Service (`argocd-<component>-metrics`), which the metrics collector scrapes;
    // plain Services, since the collector needs no Prometheus Operator.
    const metrics = { metrics: { enabled: true } };
    const replicated = (replicas: number) => ({ replicas: ha ? replicas : 1, pdb: { enabled: ha, ...(ha && { minAvailable: 1 }) } });
    this.values = stringify({
      configs: {
        rbac: {
          'policy.default': '',
          'policy.csv': (props.readOnlyGroups ?? []).map((group) => `g, ${group}, role:readonly`).join('\n'),
          scopes: '[groups]',
        },
      },
      'redis-ha': { enabled: ha },
      // One application controller (it shards, it does not replicate): a disruption budget on one pod would
      // block every node drain, so it has none.
      controller: { replicas: 1, ...metrics },
      server: { ...replicated(2), ...metrics },
      repoServer: { ...replicated(2), ...metrics },
      applicationSet: { ...replicated(2), ...metrics },
      notifications: argoCdNotificationValues(props.notifications),
    });
    this.release = new Release(this, 'release', {
      name: 'argocd',
      repository: ARGO_HELM_REPOSITORY,
      chart: 'argo-cd',
      version: props.chartVersion,
      namespace: props.namespace,
      createNamespace: true,
      values: [this.values],
      wait: true,
      timeout: 900,
    });
  }
}
