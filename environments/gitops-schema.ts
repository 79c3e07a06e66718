import { z } from 'zod';
import { ipv4Block, logRetentionDays } from './fields';

/**
 * GitOps: the Kubernetes cluster ArgoCD runs in, the ArgoCD install, and the policy of what may deploy
 * where and when. Tier-dependent defaults are resolved in `schema.ts`; tier rules live in `rules.ts`.
 */

const kubernetesVersion = z.string().regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as "1.33"');
const chartVersion = z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an exact chart version such as "8.3.9": charts are pinned');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'must be an IAM role ARN');

const EksClusterSchema = z.strictObject({
  /** An EKS cluster built by the `cluster-<env>` stack, in the private subnets. */
  kind: z.literal('eks'),
  /** Kubernetes version of the control plane and nodes. @default '1.33' */
  kubernetesVersion: kubernetesVersion.default('1.33'),
  /**
   * Whether the API endpoint is also reachable from the internet (privately, `privateAccessCidrs` reach it), from
   * `publicAccessCidrs` only. Tier prod may not turn it on.
   * @default false
   */
  publicEndpoint: z.boolean().default(false),
  /** Address ranges allowed to the public endpoint; required when it is on, and never 0.0.0.0/0. @default [] */
  publicAccessCidrs: z.array(ipv4Block).default([]),
  /**
   * Address ranges inside your network (VPN, CI runners) that may reach the private endpoint on 443; the
   * cluster's own nodes always may.
   * @default - the VPC's CIDR
   */
  privateAccessCidrs: z.array(ipv4Block).optional(),
  /** IAM roles given cluster-admin through access entries: the deploy role, break-glass. The creator always is. @default [] */
  adminRoleArns: z.array(roleArn).default([]),
  /** The managed node group. @default - see each field */
  nodes: z
    .strictObject({
      /** EC2 instance types, tried in order. @default ['m7i.large'] */
      instanceTypes: z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'must be an EC2 instance type such as "m7i.large"')).min(1).default(['m7i.large']),
      /** Fewest nodes. @default 2 */
      minSize: z.number().int().min(1).max(100).default(2),
      /** Most nodes. @default 4 */
      maxSize: z.number().int().min(1).max(100).default(4),
      /** Nodes at creation; an autoscaler owns the count afterwards. @default 2 */
      desiredSize: z.number().int().min(1).max(100).default(2),
      /** Root volume size in GiB. @default 50 */
      diskSizeGiB: z.number().int().min(20).max(1000).default(50),
    })
    .prefault({}),
  /** Days the control plane's logs are kept. @default 90 */
  logRetentionDays: logRetentionDays.default(90),
});

const ExistingClusterSchema = z.strictObject({
  /** A cluster that exists already (a k3s or kind dev cluster), reached through a kubeconfig file. */
  kind: z.literal('existing'),
  /** Path of the kubeconfig file, as Terraform sees it. */
  kubeconfigPath: z.string().min(1),
  /** Context of that file to use. */
  context: z.string().min(1),
});

/** An ArgoCD sync window (AppProject `spec.syncWindows`), in UTC. */
const SyncWindowSchema = z.strictObject({
  /** `allow`: syncs only inside; `deny`: no syncs inside. */
  kind: z.enum(['allow', 'deny']),
  /** When the window opens, as cron (minute hour day-of-month month day-of-week), e.g. `0 14 * * 1-5`. */
  schedule: z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression such as "0 14 * * 1-5"'),
  /** How long it stays open, e.g. `4h` or `30m`. */
  duration: z.string().regex(/^\d+[hm]$/, 'must be hours or minutes such as "4h" or "30m"'),
  /** Whether people may still sync by hand when the window forbids automatic syncs (emergencies). @default false */
  manualSync: z.boolean().default(false),
  /** Applications the window applies to. @default ['*'] */
  applications: z.array(z.string().min(1)).min(1).default(['*']),
});

export const GitopsSchema = z.strictObject({
  /** The cluster ArgoCD runs in and deploys to. */
  cluster: z.discriminatedUnion('kind', [EksClusterSchema, ExistingClusterSchema]),
  /** The ArgoCD install. @default - see each field */
  argocd: z
    .strictObject({
      /** Version of the `argo-cd` Helm chart (argo-helm); pinned. @default '8.3.9' */
      chartVersion: chartVersion.default('8.3.9'),
      /** Version of the `argocd-apps` Helm chart that creates the projects and the root application. @default '2.0.5' */
      appsChartVersion: chartVersion.default('2.0.5'),
      /** Namespace ArgoCD runs in. @default 'argocd' */
      namespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name').default('argocd'),
      /**
       * Redis HA and two replicas of the server, repo server and ApplicationSet controller, with disruption
       * budgets. Redis HA needs three nodes (hard anti-affinity).
       * @default - true for tier prod
       */
      highAvailability: z.boolean().optional(),
    })
    .prefault({}),
  /** The Git repository of the app-of-apps. */
  repository: z.strictObject({
    /** Repository URL, e.g. `https://github.com/example/platform-apps.git`. */
    url: z.url({ protocol: /^(https|ssh)$/, error: 'must be an https:// or ssh:// repository URL' }),
    /** Branch, tag or commit the root application follows. @default - 'develop' for tier dev, 'main' otherwise */
    revision: z.string().min(1).optional(),
    /** Directory of this environment's applications. @default - `environments/<name>` */
    path: z.string().min(1).optional(),
  }),
  /** SSO groups mapped to ArgoCD roles. @default - groundwork-developers, -qa, -sre and -viewers */
  ssoGroups: z
    .strictObject({
      /** Full control of applications in tier dev. @default 'groundwork-developers' */
      developers: z.string().min(1).default('groundwork-developers'),
      /** Full control of applications in tier staging. @default 'groundwork-qa' */
      qa: z.string().min(1).default('groundwork-qa'),
      /** Full control of applications in tier prod. @default 'groundwork-sre' */
      sre: z.string().min(1).default('groundwork-sre'),
      /** Read-only everywhere. @default 'groundwork-viewers' */
      viewers: z.string().min(1).default('groundwork-viewers'),
    })
    .prefault({}),
  /** Whether ArgoCD syncs by itself (with prune and self-heal). Tier prod may not. @default - true for tiers dev and staging, false for prod */
  automatedSync: z.boolean().optional(),
  /**
   * Sync windows of the environment's projects.
   * @default - tier prod: allow Monday to Friday 14:00 to 18:00 UTC, manual sync allowed; none otherwise
   */
  syncWindows: z.array(SyncWindowSchema).optional(),
  /** How a failed sync is retried: attempts, with exponential backoff. @default - 5 attempts, 5s doubling up to 3m */
  retry: z
    .strictObject({
      /** Attempts. @default 5 */
      limit: z.number().int().min(0).max(20).default(5),
      /** First wait. @default '5s' */
      backoffDuration: z.string().regex(/^\d+[smh]$/).default('5s'),
      /** Factor between waits. @default 2 */
      backoffFactor: z.number().int().min(1).max(10).default(2),
      /** Longest wait. @default '3m' */
      backoffMaxDuration: z.string().regex(/^\d+[smh]$/).default('3m'),
    })
    .prefault({}),
});

export type GitopsConfig = z.output<typeof GitopsSchema>;
type Tier = 'dev' | 'staging' | 'prod';

/** The prod change window: Monday to Friday, 14:00 to 18:00 UTC, with manual sync for emergencies. */
export const PROD_CHANGE_WINDOW = { kind: 'allow', schedule: '0 14 * * 1-5', duration: '4h', manualSync: true, applications: ['*'] } as const;

/** Fills the defaults that depend on the tier and the environment's name. */
export function resolveGitops(gitops: GitopsConfig, tier: Tier, name: string) {
  return {
    ...gitops,
    argocd: { ...gitops.argocd, highAvailability: gitops.argocd.highAvailability ?? tier === 'prod' },
    repository: {
      url: gitops.repository.url,
      revision: gitops.repository.revision ?? (tier === 'dev' ? 'develop' : 'main'),
      path: gitops.repository.path ?? `environments/${name}`,
    },
    automatedSync: gitops.automatedSync ?? tier !== 'prod',
    syncWindows: gitops.syncWindows ?? (tier === 'prod' ? [{ ...PROD_CHANGE_WINDOW, applications: [...PROD_CHANGE_WINDOW.applications] }] : []),
  };
}
