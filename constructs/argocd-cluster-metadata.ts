import { SecretV1 } from '@cdktf/provider-kubernetes/lib/secret-v1';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/** Prefix of every annotation Groundwork puts on the cluster secret. */
export const METADATA_PREFIX = 'groundwork.dev/';

export interface ArgoCdClusterMetadataProps {
  /** ArgoCD's namespace. */
  readonly namespace: string;
  /** The values workloads need, by short name, e.g. `database-endpoint`. Never a secret value: ARNs, endpoints, ids. */
  readonly metadata: Readonly<Record<string, string>>;
  /** What must exist first: ArgoCD, whose namespace this lives in. */
  readonly dependsOn: ITerraformDependable[];
}

/**
 * ArgoCD's cluster secret for the cluster it runs in, annotated with the platform's infrastructure
 * metadata (`groundwork.dev/<name>`). ApplicationSets read them through the cluster generator
 * (`{{metadata.annotations.groundwork.dev/database-endpoint}}`), so an app's Helm values get endpoints and
 * secret ARNs from Terraform without copy-paste.
 */
export class ArgoCdClusterMetadata extends Construct {
  constructor(scope: Construct, id: string, props: ArgoCdClusterMetadataProps) {
    super(scope, id);
    new SecretV1(this, 'cluster-secret', {
      metadata: {
        name: 'in-cluster',
        namespace: props.namespace,
        labels: { 'argocd.argoproj.io/secret-type': 'cluster' },
        annotations: Object.fromEntries(Object.entries(props.metadata).map(([key, value]) => [`${METADATA_PREFIX}${key}`, value])),
      },
      data: { name: 'in-cluster', server: 'https://kubernetes.default.svc' },
      dependsOn: props.dependsOn,
    });
  }
}
