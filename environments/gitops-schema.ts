import { z } from 'zod';
import { helmChartVersion, ipv4Block, logRetentionDays, ownNamespace } from './fields';
import { argoCdBackoff, argoCdSchedule, goDuration } from './schedule-fields';
import type { Tier } from './tiers';

/**
 * GitOps: the Kubernetes cluster ArgoCD runs in, the ArgoCD install, and the policy of what may deploy
 * where and when. Tier-dependent defaults are resolved in `schema.ts`; tier rules live in `rules.ts`.
 */

const kubernetesVersion = z.string().regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as "1.33"');
const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, 'must be an IAM role ARN');

/** A Git repository as ArgoCD clones it: `https://` or `ssh://`, or scp-like `git@host:org/repo.git`. */
const repositoryUrl = z.string().superRefine((url, ctx) => {
  if (/^[\w.-]+@[\w.-]+:[\w.~/-]+$/.test(url) && !url.includes('://')) return;
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !['https:', 'ssh:'].includes(parsed.protocol) || parsed.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'must be an https:// or ssh:// repository URL, or scp-like git@host:org/repo.git' });
  }
});

/**
 * A branch, tag or commit, as git allows a ref name (`git check-ref-format`): ArgoCD accepts any string
 * but can never resolve one git refuses, and every sync then fails.
 */
const gitRevision = z.string().superRefine((revision, ctx) => {
  const refused = [
    [/[\s~^:?*[\\\x00-\x1f\x7f]/.test(revision), 'no spaces, control characters or any of ~ ^ : ? * [ \\'],
    [revision.includes('..'), 'no ".."'],
    [revision.includes('@{') || revision === '@', 'no "@{" and not "@" alone'],
    [revision.includes('//') || revision.startsWith('/') || revision.endsWith('/') || revision.endsWith('.'), 'not starting or ending with "/", not ending with ".", no "//"'],
    [revision.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')), 'no part starting with "." or ending with ".lock"'],
  ].find(([bad]) => bad);
  if (revision === '') ctx.addIssue({ code: 'custom', message: 'must name a branch, tag or commit' });
  else if (refused) ctx.addIssue({ code: 'custom', message: `must be a branch, tag or commit name git allows: ${refused[1]}` });
});

/** A directory inside the repository: ArgoCD refuses an absolute path or one that climbs out of the repository. */
const repositoryPath = z
  .string()
  .min(1)
  .refine((path) => !path.startsWith('/'), 'must be relative to the repository root, e.g. "environments/prod" (ArgoCD refuses an absolute path)')
  .refine((path) => !path.split('/').includes('..'), 'may not contain ".." (ArgoCD refuses a path outside the repository)');

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
      /** EC2 instance types, tried in order; their CPU architecture is `amiType`'s. @default ['m7i.large'] */
      instanceTypes: z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'must be an EC2 instance type such as "m7i.large"')).min(1).default(['m7i.large']),
      /** Fewest nodes. @default 2 */
      minSize: z.number().int().min(1).max(100).default(2),
      /** Most nodes. @default 4 */
      maxSize: z.number().int().min(1).max(100).default(4),
      /** Nodes at creation; an autoscaler owns the count afterwards. @default 2 */
      desiredSize: z.number().int().min(1).max(100).default(2),
      /** Root volume size in GiB. @default 50 */
      diskSizeGiB: z.number().int().min(20).max(1000).default(50),
      /** The nodes' EKS image type, one the catalog lists (x86_64 or ARM, standard or GPU). @default 'AL2023_x86_64_STANDARD' */
      amiType: z.string().regex(/^[A-Za-z0-9_]+$/, 'must be an EKS AMI type such as "AL2023_x86_64_STANDARD"').default('AL2023_x86_64_STANDARD'),
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
  schedule: argoCdSchedule,
  /** How long it stays open, e.g. `4h` or `30m`. */
  duration: goDuration,
  /** Whether people may still sync by hand when the window forbids automatic syncs (emergencies). @default false */
  manualSync: z.boolean().default(false),
  /** Applications the window applies to. @default ['*'] */
  applications: z.array(z.string().min(1)).min(1).default(['*']),
});

/** A maintenance window: no sync at all inside it, automated or by hand (an ArgoCD deny window), in UTC. */
const MaintenanceWindowSchema = z.strictObject({
  /** When the window opens, as cron, e.g. `0 22 * * 6` (Saturdays 22:00 UTC). */
  schedule: argoCdSchedule,
  /** How long it stays open, e.g. `4h`. */
  duration: goDuration,
  /** Why, shown on the projects (`groundwork.dev/maintenance`), e.g. "database engine upgrade". */
  reason: z.string().trim().min(1, 'must say why the window blocks syncs').max(200),
  /** Applications the window applies to. @default ['*'] */
  applications: z.array(z.string().min(1)).min(1).default(['*']),
});

/** How far ahead an emergency override may expire: a break-glass is for hours, not for good. */
export const EMERGENCY_OVERRIDE_MAX_HOURS = 72;

/**
 * A break-glass: while it lasts, people may sync by hand inside every window (maintenance and change
 * windows alike); automated syncs still keep to the windows. Synth fails once `expires` has passed, so an
 * override is removed in a reviewed change rather than left open by accident.
 */
const EmergencyOverrideSchema = z.strictObject({
  /** What the emergency is, e.g. "INC-1234: payment outage, hotfix 2.3.1". */
  reason: z.string().trim().min(10, 'must say what the emergency is (10 characters at least)').max(200),
  /** Who approved it, e.g. the incident commander. */
  approvedBy: z.string().trim().min(1, 'must name who approved it'),
  /** When it ends, UTC, e.g. `2026-12-05T18:00Z`: in the future, at most 72 hours ahead. */
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/, 'must be a UTC time such as "2026-12-05T18:00Z"')
    .superRefine((expires, ctx) => {
      const at = Date.parse(expires);
      const hoursLeft = (at - Date.now()) / 3_600_000;
      // Date.parse rolls 30 February over into March: a real time reads back as it was written.
      if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 16) !== expires.slice(0, 16)) ctx.addIssue({ code: 'custom', message: 'is not a real date and time' });
      else if (hoursLeft <= 0) ctx.addIssue({ code: 'custom', message: `expired at ${expires}: remove the emergency override (a break-glass closes when it expires)` });
      else if (hoursLeft > EMERGENCY_OVERRIDE_MAX_HOURS) ctx.addIssue({ code: 'custom', message: `is ${Math.ceil(hoursLeft)} hours away; an emergency override lasts at most ${EMERGENCY_OVERRIDE_MAX_HOURS} hours` });
    }),
});

/** A Kubernetes object name (RFC 1123 subdomain). */
const kubernetesName = z.string().regex(/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/, 'must be a Kubernetes object name: lower case letters, digits, "-" and "."');
/** A key of the notifications Secret, as ArgoCD's `$<key>` references can name it (letters, digits, `_`, `-`). */
const notificationSecretKey = z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a Secret key ArgoCD can reference as $<key>: letters, digits, "_" and "-"');

/** The events ArgoCD's notifications report. */
const NOTIFICATION_TRIGGERS = ['on-sync-failed', 'on-health-degraded', 'on-deployed'] as const;

/**
 * ArgoCD's notifications: a trigger and a template for each event, and where they go. The webhook's URL and
 * token are keys of a Kubernetes Secret that is created outside Groundwork (External Secrets, or by hand):
 * config names them, and can hold no value.
 */
const NotificationsSchema = z.strictObject({
  /** The webhook notified of every application's events. @default - none: the triggers exist for apps to subscribe to */
  webhook: z
    .strictObject({
      /**
       * The Secret holding the webhook's URL and token, in ArgoCD's namespace. Not the chart's own
       * `argocd-notifications-secret`, which Helm deletes once the chart stops making it. @default 'argocd-notifications-webhook'
       */
      secretName: kubernetesName
        .refine((name) => name !== 'argocd-notifications-secret', "must not be the chart's own argocd-notifications-secret: Helm deletes it when the webhook is turned on")
        .default('argocd-notifications-webhook'),
      /** Its key holding the URL. @default 'webhook-url' */
      urlKey: notificationSecretKey.default('webhook-url'),
      /** Its key holding a bearer token, sent as `Authorization: Bearer`. @default - no token */
      tokenKey: notificationSecretKey.optional(),
    })
    .optional(),
  /**
   * The events sent to the webhook: ArgoCD's triggers of those names, which constructs/argocd-notifications.ts
   * defines (the stack's types keep the two lists alike). @default ['on-sync-failed', 'on-health-degraded', 'on-deployed']
   */
  triggers: z
    .array(z.enum(NOTIFICATION_TRIGGERS))
    .min(1)
    .refine((triggers) => new Set(triggers).size === triggers.length, 'must name each trigger once')
    .default([...NOTIFICATION_TRIGGERS]),
});

export const GitopsSchema = z.strictObject({
  /** The cluster ArgoCD runs in and deploys to. */
  cluster: z.discriminatedUnion('kind', [EksClusterSchema, ExistingClusterSchema]),
  /** The ArgoCD install. @default - see each field */
  argocd: z
    .strictObject({
      /** Version of the `argo-cd` Helm chart (argo-helm); pinned. @default '8.3.9' */
      chartVersion: helmChartVersion.default('8.3.9'),
      /** Version of the `argocd-apps` Helm chart that creates the projects and the root application. @default '2.0.5' */
      appsChartVersion: helmChartVersion.default('2.0.5'),
      /** Namespace ArgoCD runs in. @default 'argocd' */
      namespace: ownNamespace("ArgoCD's").default('argocd'),
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
    url: repositoryUrl,
    /** Branch, tag or commit the root application follows. @default - 'develop' for tier dev, 'main' otherwise */
    revision: gitRevision.optional(),
    /** Directory of this environment's applications. @default - `environments/<name>` */
    path: repositoryPath.optional(),
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
  /** Scheduled maintenance: deny windows that block every sync, automated or manual. @default [] */
  maintenanceWindows: z.array(MaintenanceWindowSchema).default([]),
  /** ArgoCD's notifications of failed syncs, degraded health and deployments. @default - see each field */
  notifications: NotificationsSchema.prefault({}),
  /** A break-glass that lets people sync by hand inside every window until it expires. @default - none */
  emergencyOverride: EmergencyOverrideSchema.optional(),
  /** How a failed sync is retried: attempts, with exponential backoff. @default - 5 attempts, 5s doubling up to 3m */
  retry: z
    .strictObject({
      /** Attempts. @default 5 */
      limit: z.number().int().min(0).max(20).default(5),
      /** First wait. @default '5s' */
      backoffDuration: argoCdBackoff.default('5s'),
      /** Factor between waits. @default 2 */
      backoffFactor: z.number().int().min(1).max(10).default(2),
      /** Longest wait. @default '3m' */
      backoffMaxDuration: argoCdBackoff.default('3m'),
    })
    .prefault({}),
});

export type GitopsConfig = z.output<typeof GitopsSchema>;

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
