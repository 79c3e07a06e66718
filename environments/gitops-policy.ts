// Types only: synth stays free of the schema validators, which the tests run over every object.
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import type { Environment, Tier } from './schema';

/**
 * What may deploy where and when, per environment: the ArgoCD projects and the root app-of-apps
 * Application, as typed objects of ArgoCD's own schema. The one place these decisions are made.
 */

/** The SSO group with full control of applications, by tier. */
const OWNER_BY_TIER = { dev: 'developers', staging: 'qa', prod: 'sre' } as const satisfies Record<Tier, string>;

/** ArgoCD's name for the cluster it runs in. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';
/** Sync waves: projects exist before the applications that use them. */
export const SYNC_WAVE = { projects: '-1', applications: '0' } as const;
const WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** Deleting an Application deletes what it deployed. */
const CASCADE_DELETE = 'resources-finalizer.argocd.argoproj.io';
/** Groundwork's annotations on ArgoCD objects. */
const ANNOTATION_PREFIX = 'groundwork.dev/';

export interface GitopsObjects {
  readonly projects: IAppProject[];
  readonly applications: IApplication[];
}

/** The projects and the root application of an environment with GitOps. */
export function gitopsObjects(env: Environment): GitopsObjects {
  const gitops = env.gitops;
  if (!gitops) throw new Error(`environment ${env.name} has no gitops configuration`);
  const namespace = gitops.argocd.namespace;
  const owner = OWNER_BY_TIER[env.tier];

  const project = (name: string, description: string, destinations: { namespace: string }[], resources: { cluster: { group: string; kind: string }[]; namespaced?: { group: string; kind: string }[] }): IAppProject => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name, namespace, annotations: { [WAVE_ANNOTATION]: SYNC_WAVE.projects, ...windowAnnotations(gitops) } },
    spec: {
      description,
      sourceRepos: [gitops.repository.url],
      destinations: destinations.map((d) => ({ server: IN_CLUSTER, namespace: d.namespace })),
      clusterResourceWhitelist: resources.cluster,
      ...(resources.namespaced && { namespaceResourceWhitelist: resources.namespaced }),
      roles: [
        {
          name: owner,
          description: `Full control of ${name} applications in ${env.name}`,
          groups: [gitops.ssoGroups[owner]],
          policies: [`p, proj:${name}:${owner}, applications, *, ${name}/*, allow`, `p, proj:${name}:${owner}, logs, get, ${name}/*, allow`],
        },
        {
          name: 'viewers',
          description: `Read-only view of ${name} applications in ${env.name}`,
          groups: [gitops.ssoGroups.viewers],
          policies: [`p, proj:${name}:viewers, applications, get, ${name}/*, allow`],
        },
      ],
      syncWindows: syncWindows(gitops),
    },
  });

  const projects = [
    // Descriptions stay plain scalars: some argocd-apps versions print them unquoted.
    project('platform', `The ${env.name} app-of-apps, Applications in ${namespace} and nothing else`, [{ namespace }], {
      cluster: [],
      namespaced: [{ group: 'argoproj.io', kind: 'Application' }],
    }),
    project('workloads', `The ${env.name} applications, in any namespace but the system ones`, [{ namespace: '!kube-system' }, { namespace: `!${namespace}` }, { namespace: '*' }], {
      cluster: [{ group: '', kind: 'Namespace' }],
    }),
  ];

  const syncOptions = ['CreateNamespace=true', ...(env.tier === 'staging' ? ['PrunePropagationPolicy=foreground'] : [])];
  const root: IApplication = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'root', namespace, annotations: { [WAVE_ANNOTATION]: SYNC_WAVE.applications }, finalizers: [CASCADE_DELETE] },
    spec: {
      project: 'platform',
      source: { repoURL: gitops.repository.url, targetRevision: gitops.repository.revision, path: gitops.repository.path, directory: { recurse: true } },
      destination: { server: IN_CLUSTER, namespace },
      syncPolicy: {
        ...(gitops.automatedSync && { automated: { prune: true, selfHeal: true } }),
        syncOptions,
        retry: {
          limit: gitops.retry.limit,
          backoff: { duration: gitops.retry.backoffDuration, factor: gitops.retry.backoffFactor, maxDuration: gitops.retry.backoffMaxDuration },
        },
      },
    },
  };
  return { projects, applications: [root] };
}

type GitopsPolicy = NonNullable<Environment['gitops']>;

/**
 * The projects' sync windows: the change windows, then each maintenance window as a deny window that holds
 * manual syncs too. While an emergency override lasts, every window lets people sync by hand.
 */
function syncWindows(gitops: GitopsPolicy): NonNullable<IAppProject['spec']>['syncWindows'] {
  const breakGlass = gitops.emergencyOverride !== undefined;
  return [
    ...gitops.syncWindows.map((w) => ({ kind: w.kind, schedule: w.schedule, duration: w.duration, manualSync: w.manualSync, applications: [...w.applications] })),
    ...gitops.maintenanceWindows.map((w) => ({ kind: 'deny', schedule: w.schedule, duration: w.duration, manualSync: false, applications: [...w.applications] })),
  ].map((w) => ({ ...w, manualSync: w.manualSync || breakGlass, timeZone: 'UTC' }));
}

/** Why the windows are as they are, on each project, so that ArgoCD's UI shows it beside them. */
function windowAnnotations(gitops: GitopsPolicy): Record<string, string> {
  const override = gitops.emergencyOverride;
  return {
    ...(gitops.maintenanceWindows.length > 0 && {
      [`${ANNOTATION_PREFIX}maintenance`]: gitops.maintenanceWindows.map((w) => `${w.schedule} UTC for ${w.duration}: ${w.reason}`).join('; '),
    }),
    ...(override && { [`${ANNOTATION_PREFIX}emergency-override`]: `${override.reason} (approved by ${override.approvedBy}; expires ${override.expires})` }),
  };
}
