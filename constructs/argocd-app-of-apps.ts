import { Release } from '@cdktf/provider-helm/lib/release';
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { ARGO_HELM_REPOSITORY } from './argocd-installation';

export interface ArgoCdAppOfAppsProps {
  /** Version of the `argocd-apps` chart, pinned, e.g. `2.0.5`. */
  readonly chartVersion: string;
  /** Namespace of the release (ArgoCD's). */
  readonly namespace: string;
  /** The projects, as ArgoCD objects (typed by ArgoCD's schema; the tests validate every one against it). */
  readonly projects: readonly IAppProject[];
  /** The applications (the root app-of-apps), as ArgoCD objects. */
  readonly applications: readonly IApplication[];
  /** What must exist first: ArgoCD itself, whose CRDs these objects need. */
  readonly dependsOn: ITerraformDependable[];
}

/** What argocd-apps 2.x takes for one object: its name as the key, metadata beside the spec's fields. */
function chartEntry(object: IAppProject | IApplication): [string, Record<string, unknown>] {
  const { name, namespace, labels, annotations, finalizers } = object.metadata;
  return [name!, { namespace, ...(labels && { additionalLabels: labels }), ...(annotations && { additionalAnnotations: annotations }), ...(finalizers && { finalizers }), ...object.spec }];
}

/**
 * The projects and the root Application, created by the `argocd-apps` Helm chart rather than as
 * `kubernetes_manifest` resources: those need the ArgoCD CRDs at plan time, so they cannot plan on a
 * fresh cluster; a Helm release is planned without asking the cluster about its kinds.
 */
export class ArgoCdAppOfApps extends Construct {
  /** The chart's values, as YAML. */
  readonly values: string;

  constructor(scope: Construct, id: string, props: ArgoCdAppOfAppsProps) {
    super(scope, id);
    this.values = stringify({
      projects: Object.fromEntries(props.projects.map(chartEntry)),
      applications: Object.fromEntries(props.applications.map(chartEntry)),
    });
    new Release(this, 'release', {
      name: 'argocd-apps',
      repository: ARGO_HELM_REPOSITORY,
      chart: 'argocd-apps',
      version: props.chartVersion,
      namespace: props.namespace,
      values: [this.values],
      dependsOn: props.dependsOn,
    });
  }
}
