import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { AppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import { parse } from 'yaml';
import { environments, loadEnvironments, type EnvironmentConfig } from '../environments';
import { ConfigError } from '../environments/load';
import { crossStackSource, only, readStacks, resources, stack, synthesizeInto } from './support/synthesized';

// The gitops stacks need the Kubernetes and Helm providers, which this machine cannot install, so
// `terraform validate` cannot run on them. They are proved here instead: by their synthesized JSON, and
// by validating every ArgoCD object they create against ArgoCD's CRD schema (@kubernetes-models/argo-cd).
const GITOPS_ENVIRONMENTS = ['dev', 'staging', 'prod'];

const releases = (env: string) => Object.fromEntries(resources(stack(`gitops-${env}`), 'helm_release').map(([, release]) => [release.chart, release]));
const valuesOf = (env: string, chart: string) => parse(releases(env)[chart].values[0]);

/** The objects the argocd-apps chart creates from its values: each entry's key is the name, metadata beside the spec. */
function argoObjects(env: string): { projects: AppProject[]; applications: Application[] } {
  const values = valuesOf(env, 'argocd-apps');
  const metadata = (name: string, entry: any) => ({
    name,
    namespace: entry.namespace,
    ...(entry.additionalLabels && { labels: entry.additionalLabels }),
    ...(entry.additionalAnnotations && { annotations: entry.additionalAnnotations }),
    ...(entry.finalizers && { finalizers: entry.finalizers }),
  });
  const spec = ({ namespace, additionalLabels, additionalAnnotations, finalizers, ...rest }: any) => rest;
  return {
    projects: Object.entries(values.projects).map(([name, entry]) => new AppProject({ metadata: metadata(name, entry), spec: spec(entry) })),
    applications: Object.entries(values.applications).map(([name, entry]) => new Application({ metadata: metadata(name, entry), spec: spec(entry) as any })),
  };
}
const project = (env: string, name: string) => argoObjects(env).projects.find((p) => p.metadata!.name === name)!;
const root = (env: string) => argoObjects(env).applications.find((a) => a.metadata!.name === 'root')!;

describe('the ArgoCD objects', () => {
  it.each(GITOPS_ENVIRONMENTS)('of gitops-%s all pass ArgoCD\'s CRD schema', (env) => {
    const { projects, applications } = argoObjects(env);
    expect(projects.map((p) => p.metadata!.name)).toEqual(['platform', 'workloads']);
    expect(applications.map((a) => a.metadata!.name)).toEqual(['root']);
    for (const object of [...projects, ...applications]) expect(() => object.validate()).not.toThrow();
  });

  it('would fail the schema check if one were malformed', () => {
    const broken = argoObjects('prod').projects[0];
    (broken.spec.syncWindows![0] as any).manualSync = 'yes';
    expect(() => broken.validate()).toThrow('manualSync must be boolean');
  });

  it('survive being printed unquoted, as some argocd-apps versions print names, namespaces, descriptions and projects', () => {
    for (const env of GITOPS_ENVIRONMENTS) {
      const { projects, applications } = argoObjects(env);
      const printed = [...projects, ...applications].flatMap((o) => [o.metadata!.name, o.metadata!.namespace, (o.spec as any).description, (o.spec as any).project]);
      for (const value of printed.filter((v): v is string => v !== undefined)) expect(parse(`key: ${value}`)).toEqual({ key: value });
    }
  });

  it('order projects before applications with sync waves, for when the app-of-apps repo manages them too', () => {
    for (const env of GITOPS_ENVIRONMENTS) {
      const { projects, applications } = argoObjects(env);
      const wave = (o: AppProject | Application) => Number(o.metadata!.annotations!['argocd.argoproj.io/sync-wave']);
      expect(Math.max(...projects.map(wave))).toBeLessThan(Math.min(...applications.map(wave)));
    }
  });
});

describe('the sync policy', () => {
  it('never syncs prod by itself', () => {
    expect(root('prod').spec.syncPolicy!.automated).toBeUndefined();
  });

  it.each(['dev', 'staging'])('syncs %s by itself, pruning and healing', (env) => {
    expect(root(env).spec.syncPolicy!.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('creates namespaces everywhere, and deletes foreground in staging', () => {
    expect(root('dev').spec.syncPolicy!.syncOptions).toEqual(['CreateNamespace=true']);
    expect(root('staging').spec.syncPolicy!.syncOptions).toEqual(['CreateNamespace=true', 'PrunePropagationPolicy=foreground']);
    expect(root('prod').spec.syncPolicy!.syncOptions).toEqual(['CreateNamespace=true']);
  });

  it('retries with exponential backoff', () => {
    expect(root('prod').spec.syncPolicy!.retry).toEqual({ limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } });
  });

  it('follows develop in dev and main in staging and prod, each from its own path', () => {
    expect(GITOPS_ENVIRONMENTS.map((env) => [root(env).spec.source!.targetRevision, root(env).spec.source!.path])).toEqual([
      ['develop', 'environments/dev'],
      ['main', 'environments/staging'],
      ['main', 'environments/prod'],
    ]);
  });

  it('opens prod only Monday to Friday, 14:00 to 18:00 UTC, with manual sync for emergencies; dev and staging always', () => {
    for (const name of ['platform', 'workloads']) {
      expect(project('prod', name).spec.syncWindows).toEqual([
        { kind: 'allow', schedule: '0 14 * * 1-5', duration: '4h', manualSync: true, applications: ['*'], timeZone: 'UTC' },
      ]);
      expect(project('dev', name).spec.syncWindows).toEqual([]);
      expect(project('staging', name).spec.syncWindows).toEqual([]);
    }
  });
});

describe('the projects\' roles', () => {
  const rolesOf = (env: string, name: string) => Object.fromEntries(project(env, name).spec.roles!.map((role) => [role.name, role]));

  it('give full control to developers in dev, qa in staging and sre in prod, by SSO group', () => {
    const owners = GITOPS_ENVIRONMENTS.map((env) => Object.keys(rolesOf(env, 'workloads')).filter((role) => role !== 'viewers'));
    expect(owners).toEqual([['developers'], ['qa'], ['sre']]);
    expect(rolesOf('prod', 'workloads').sre.groups).toEqual(['groundwork-sre']);
    expect(rolesOf('prod', 'workloads').sre.policies).toContain('p, proj:workloads:sre, applications, *, workloads/*, allow');
  });

  it('let viewers read everywhere and never sync', () => {
    for (const env of GITOPS_ENVIRONMENTS) {
      for (const name of ['platform', 'workloads']) {
        const viewers = rolesOf(env, name).viewers;
        expect(viewers.groups).toEqual(['groundwork-viewers']);
        for (const policy of viewers.policies!) {
          const [, , resource, action] = policy.split(', ');
          expect([resource, action]).toEqual(['applications', 'get']);
        }
      }
    }
  });

  it('keep the app-of-apps to Applications in ArgoCD\'s namespace, and workloads out of the system namespaces', () => {
    expect(project('prod', 'platform').spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }]);
    expect(project('prod', 'platform').spec.namespaceResourceWhitelist).toEqual([{ group: 'argoproj.io', kind: 'Application' }]);
    expect(project('prod', 'platform').spec.clusterResourceWhitelist).toEqual([]);
    expect(project('prod', 'workloads').spec.destinations!.map((d) => d.namespace)).toEqual(['!kube-system', '!argocd', '*']);
    for (const p of argoObjects('prod').projects) expect(p.spec.sourceRepos).toEqual(['https://github.com/example/groundwork-apps.git']);
  });
});

describe('the ArgoCD install', () => {
  it.each(GITOPS_ENVIRONMENTS)('in %s comes from pinned charts of argo-helm, projects after ArgoCD', (env) => {
    const { 'argo-cd': argocd, 'argocd-apps': apps } = releases(env);
    expect(argocd).toMatchObject({ repository: 'https://argoproj.github.io/argo-helm', version: '8.3.9', namespace: 'argocd', create_namespace: true });
    expect(apps).toMatchObject({ repository: 'https://argoproj.github.io/argo-helm', version: '2.0.5', namespace: 'argocd' });
    expect(apps.depends_on).toEqual([expect.stringMatching(/^helm_release\.argocd_release_/)]);
  });

  it('is highly available in prod: Redis HA, two replicas and a disruption budget per component', () => {
    const values = valuesOf('prod', 'argo-cd');
    expect(values['redis-ha'].enabled).toBe(true);
    for (const component of ['server', 'repoServer', 'applicationSet']) {
      expect(values[component]).toEqual({ replicas: 2, pdb: { enabled: true, minAvailable: 1 }, metrics: { enabled: true } });
    }
    // A budget on the single controller would block every node drain.
    expect(values.controller).toEqual({ replicas: 1, metrics: { enabled: true } });
  });

  it('is a single replica of each in dev', () => {
    const values = valuesOf('dev', 'argo-cd');
    expect(values['redis-ha'].enabled).toBe(false);
    expect(values.server).toEqual({ replicas: 1, pdb: { enabled: false }, metrics: { enabled: true } });
  });

  it('grants nothing by default, and read-only to viewers', () => {
    expect(valuesOf('prod', 'argo-cd').configs.rbac).toEqual({ 'policy.default': '', 'policy.csv': 'g, groundwork-viewers, role:readonly', scopes: '[groups]' });
  });
});

const CACHE_ANNOTATIONS = ['cache-auth-token-secret-arn', 'cache-endpoint', 'cache-port'];

describe('the infrastructure metadata for workloads', () => {
  it.each(GITOPS_ENVIRONMENTS)('annotates gitops-%s\'s in-cluster secret with endpoints and ARNs from the other stacks, never a value', (env) => {
    const secret = only(stack(`gitops-${env}`), 'kubernetes_secret_v1');
    expect(secret.metadata.labels).toEqual({ 'argocd.argoproj.io/secret-type': 'cluster' });
    const annotations = secret.metadata.annotations as Record<string, string>;
    const hasCache = loadEnvironments({ [env]: environments[env as 'dev' | 'staging' | 'prod'] })[0].cache.enabled;
    expect(Object.keys(annotations).sort()).toEqual(
      [...(hasCache ? CACHE_ANNOTATIONS : []), 'account-id', 'database-endpoint', 'database-port', 'database-reader-endpoint', 'database-secret-arn', 'environment', 'region', 'secret-key-base-secret-arn', 'vpc-id']
        .map((key) => `groundwork.dev/${key}`)
        .sort(),
    );
    const source = (key: string) => crossStackSource(annotations[`groundwork.dev/${key}`]);
    expect(source('database-endpoint').stack).toBe(`data-${env}`);
    if (hasCache) {
      expect(source('cache-endpoint').expression).toMatch(/\.primary_endpoint_address\}$/);
      expect(source('cache-auth-token-secret-arn')).toMatchObject({ stack: `secrets-${env}`, expression: expect.stringMatching(/\.arn\}$/) });
    }
    // RDS's own secret; with a standby, Groundwork's (RDS-managed passwords support no global database).
    if (loadEnvironments({ [env]: environments[env as keyof typeof environments] })[0].failover) expect(source('database-secret-arn')).toMatchObject({ stack: `secrets-${env}`, expression: expect.stringMatching(/database-credentials_initial-version_\w+\.arn\}$/) });
    else expect(source('database-secret-arn').expression).toMatch(/\.master_user_secret\[0\]\.secret_arn\}$/);
    expect(source('vpc-id')).toMatchObject({ stack: `network-${env}`, expression: expect.stringMatching(/^\$\{aws_vpc\.[^.]+\.id\}$/) });
    for (const value of Object.values(annotations)) expect(value).not.toMatch(/secret_string|auth_token|random_password/);
  });
});

describe('the infrastructure metadata without a cache', () => {
  it('names no cache endpoint, port or token, and keeps everything else', () => {
    const dev = structuredClone(environments.dev) as any;
    dev.cache = { enabled: false };
    const secret = only(readStacks(synthesizeInto({ dev })).get('gitops-dev')!, 'kubernetes_secret_v1');
    const keys = Object.keys(secret.metadata.annotations).sort();
    const shipped = Object.keys(only(stack('gitops-dev'), 'kubernetes_secret_v1').metadata.annotations).sort();
    expect(keys).toEqual(shipped.filter((key) => !CACHE_ANNOTATIONS.map((name) => `groundwork.dev/${name}`).includes(key)));
    expect(keys).toHaveLength(shipped.length - CACHE_ANNOTATIONS.length);
  });
});

describe('the connection to the cluster', () => {
  it('reaches an existing dev cluster through its kubeconfig', () => {
    const json = stack('gitops-dev');
    expect(json.provider.kubernetes[0]).toMatchObject({ config_path: '~/.kube/config', config_context: 'groundwork-dev' });
    expect(json.provider.helm[0].kubernetes).toMatchObject({ config_path: '~/.kube/config', config_context: 'groundwork-dev' });
  });

  it.each(['staging', 'prod'])('reaches %s\'s EKS cluster with a short-lived token from aws eks get-token', (env) => {
    const [kubernetes] = stack(`gitops-${env}`).provider.kubernetes as any[];
    expect(crossStackSource(kubernetes.host)).toMatchObject({ stack: `cluster-${env}`, expression: expect.stringMatching(/\.endpoint\}$/) });
    expect(kubernetes.exec[0]).toMatchObject({ api_version: 'client.authentication.k8s.io/v1beta1', command: 'aws' });
    expect(kubernetes.exec[0].args.slice(0, 3)).toEqual(['eks', 'get-token', '--cluster-name']);
    expect(kubernetes.token).toBeUndefined();
  });
});

describe('invalid GitOps config', () => {
  const problemsOf = (env: 'dev' | 'staging' | 'prod', change: (c: any) => void) => {
    const config = structuredClone(environments[env]) as EnvironmentConfig;
    change(config);
    try {
      loadEnvironments({ [env]: config });
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
    return [];
  };

  const cases: [string, 'dev' | 'staging' | 'prod', (c: any) => void, string][] = [
    ['prod that syncs by itself', 'prod', (c) => {
      c.gitops.automatedSync = true;
    }, 'prod.gitops.automatedSync: may not be true for tier prod'],
    ['a public prod API endpoint', 'prod', (c) => {
      c.gitops.cluster.publicEndpoint = true;
      c.gitops.cluster.publicAccessCidrs = ['203.0.113.0/24'];
    }, 'prod.gitops.cluster.publicEndpoint: may not be true for tier prod'],
    ['a public endpoint open to anyone', 'staging', (c) => {
      c.gitops.cluster.publicEndpoint = true;
    }, 'staging.gitops.cluster.publicAccessCidrs: must list the address ranges'],
    ['a public endpoint open to the whole internet', 'staging', (c) => {
      c.gitops.cluster.publicEndpoint = true;
      c.gitops.cluster.publicAccessCidrs = ['0.0.0.0/0'];
    }, 'staging.gitops.cluster.publicAccessCidrs: may not include 0.0.0.0/0'],
    ['public ranges for a private endpoint', 'staging', (c) => {
      c.gitops.cluster.publicAccessCidrs = ['203.0.113.0/24'];
    }, 'staging.gitops.cluster.publicAccessCidrs: is set but gitops.cluster.publicEndpoint is false'],
    ['a range that is no CIDR', 'staging', (c) => {
      c.gitops.cluster.privateAccessCidrs = ['10.300.0.0/16'];
    }, 'staging.gitops.cluster.privateAccessCidrs.0: must be an IPv4 CIDR block'],
    ['a highly available ArgoCD on two nodes', 'staging', (c) => {
      c.gitops.argocd = { highAvailability: true };
    }, 'staging.gitops.cluster.nodes.minSize: is 2; highly available ArgoCD needs 3 nodes'],
    ['prod without a change window', 'prod', (c) => {
      c.gitops.syncWindows = [{ kind: 'deny', schedule: '0 0 24 12 *', duration: '24h' }];
    }, 'prod.gitops.syncWindows: must include an allow window for tier prod'],
    ['an admin that is no role ARN', 'prod', (c) => {
      c.gitops.cluster.adminRoleArns = ['deployer'];
    }, 'prod.gitops.cluster.adminRoleArns.0: must be an IAM role ARN'],
    ['more nodes wanted than allowed', 'staging', (c) => {
      c.gitops.cluster.nodes.desiredSize = 9;
    }, "staging.gitops.cluster.nodes.desiredSize: is 9, outside gitops.cluster.nodes' 2 to 4"],
    ['a chart version range', 'dev', (c) => {
      c.gitops.argocd = { chartVersion: '8.x' };
    }, 'dev.gitops.argocd.chartVersion: must be an exact chart version'],
    ['a sync window that is no cron', 'prod', (c) => {
      c.gitops.syncWindows = [{ kind: 'allow', schedule: 'weekdays', duration: '4h' }];
    }, 'prod.gitops.syncWindows.0.schedule: must be a five-field cron expression'],
    ['a repository that is no URL', 'dev', (c) => {
      c.gitops.repository.url = 'github.com/example/apps';
    }, 'dev.gitops.repository.url: must be an https:// or ssh:// repository URL'],
    ['an unknown cluster kind', 'dev', (c) => {
      c.gitops.cluster = { kind: 'gke' };
    }, 'dev.gitops.cluster.kind: '],
  ];
  it.each(cases)('is rejected: %s', (_what, env, change, expected) => {
    expect(problemsOf(env, change)).toContainEqual(expect.stringContaining(expected));
  });

  it('is rejected beside an emulator', () => {
    const config = { ...environments.local, gitops: environments.dev.gitops } as EnvironmentConfig;
    expect(() => loadEnvironments({ local: config })).toThrow('local.gitops: is not available with an emulator');
  });
});
