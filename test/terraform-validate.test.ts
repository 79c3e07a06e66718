import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProviderMirror, offlineTerraformEnv, providerBinaryIn, requireTerraform, terraform } from '../operations/terraform-cli';
import { environments, type EnvironmentConfig } from '../environments';
import { isKubernetesStack, readStacks, stackNames, synthesizeInto, tempDir } from './support/synthesized';

// Real Terraform and the real AWS provider (from this machine's filesystem mirror, never the network)
// over every synthesized AWS stack. A machine without either fails here with a message saying what is missing.
// The gitops stacks need the Kubernetes and Helm providers, which cannot be installed here: test/gitops.test.ts
// proves them by synth and ArgoCD's schemas instead.
const awsStacks = () => stackNames().filter((name) => !isKubernetesStack(name));
/** The stack a diagnostic of the combined validate is about: its file is `../stacks/<stack>/cdk.tf.json`. */
const stackOfDiagnostic = (diagnostic: any): string | undefined => /(?:^|\/)([^/]+)\/cdk\.tf\.json$/.exec(diagnostic.range?.filename ?? '')?.[1];

/**
 * Terraform's warning for a root module's backend called as a child module: expected here, where the stacks
 * are validated together. The backend itself is validated where a stack is a root module (below).
 */
const CHILD_BACKEND = 'Backend configuration ignored';

/**
 * Stacks no shipped environment makes, validated beside them: Route 53 failover routing (prod routes with
 * a Global Accelerator), from dev with a standby behind Route 53 records.
 */
const VARIANT_STACKS = ['routing-dev'];
function synthesizeVariants(): string {
  const config = structuredClone(environments.dev) as EnvironmentConfig;
  config.failover = { network: { cidr: '10.41.0.0/16' }, routing: { kind: 'route53', hostedZoneId: 'Z0DEVEXAMPLE', zoneName: 'dev.example.com', recordName: 'app.dev.example.com' } };
  return synthesizeInto({ dev: config });
}

describe('terraform validate', () => {
  let outdir: string;
  let env: NodeJS.ProcessEnv;
  const results = new Map<string, string[]>();
  let asRoot: { name: string; init: string; validate: any };

  beforeAll(async () => {
    requireTerraform();
    env = offlineTerraformEnv(tempDir('terraform'));
    outdir = synthesizeInto();
    const stacks = [...readStacks(outdir).keys()].filter((name) => !isKubernetesStack(name));
    const variants = synthesizeVariants();
    // Every stack at once, as a module of one configuration: one init, and one validate that loads the
    // provider once per provider block rather than once per stack and Terraform process (half the time).
    const all = path.join(outdir, 'all-stacks');
    fs.mkdirSync(all);
    fs.writeFileSync(
      path.join(all, 'main.tf.json'),
      JSON.stringify({
        module: Object.fromEntries([
          ...stacks.map((name) => [name, { source: `../stacks/${name}` }]),
          ...VARIANT_STACKS.map((name) => [name, { source: path.relative(all, path.join(variants, 'stacks', name)) }]),
        ]),
      }),
    );
    const init = await terraform(['init', '-backend=false', '-input=false'], { cwd: all, env });
    if (init.code !== 0) throw new Error(`terraform init of every stack failed:\n${init.stderr || init.stdout}`);
    const validate = JSON.parse((await terraform(['validate', '-json'], { cwd: all, env })).stdout);
    for (const name of [...stacks, ...VARIANT_STACKS]) results.set(name, []);
    for (const diagnostic of validate.diagnostics) {
      if (diagnostic.severity === 'warning' && diagnostic.summary === CHILD_BACKEND) continue;
      const name = stackOfDiagnostic(diagnostic);
      const problem = `${diagnostic.severity}: ${diagnostic.summary}: ${diagnostic.detail}`;
      if (name && results.has(name)) results.get(name)!.push(problem);
      else throw new Error(`terraform validate reported a problem outside the stacks: ${problem}`);
    }
    // One stack as the root module it is when deployed: its backend, a cross-region provider and cross-stack state.
    const rootName = 'standby_data-prod';
    const rootInit = await terraform(['init', '-backend=false', '-input=false'], { cwd: path.join(outdir, 'stacks', rootName), env });
    const rootValidate = rootInit.code === 0 ? JSON.parse((await terraform(['validate', '-json'], { cwd: path.join(outdir, 'stacks', rootName), env })).stdout) : undefined;
    asRoot = { name: rootName, init: rootInit.code === 0 ? '' : rootInit.stderr || rootInit.stdout, validate: rootValidate };
  }, 600_000);

  it('covers every AWS stack of every environment, cluster stacks included', () => {
    expect([...results.keys()].sort()).toEqual([...awsStacks(), ...VARIANT_STACKS].sort());
    expect(results.size).toBe(36);
    expect([...results.keys()]).toContain('cluster-prod');
  });

  it.each([...awsStacks(), ...VARIANT_STACKS])('passes on %s with no errors or warnings', (name) => {
    expect(results.get(name)).toEqual([]);
  });

  it('passes on a stack validated as the root module it is, backend included', () => {
    expect(asRoot.init).toBe('');
    expect(asRoot.validate.diagnostics).toEqual([]);
    expect(asRoot.validate.valid).toBe(true);
  });

  it('names the stack of a problem: a misspelt attribute fails the stack it is in, and only that one', async () => {
    // Laid out as the real run is: the configuration beside a `stacks/` directory.
    const broken = path.join(tempDir('broken'), 'all-stacks');
    fs.cpSync(path.join(outdir, 'stacks', 'backup-dev'), path.join(broken, '..', 'stacks', 'backup-dev'), { recursive: true, filter: (source) => !source.includes('.terraform') });
    const file = path.join(broken, '..', 'stacks', 'backup-dev', 'cdk.tf.json');
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const [type] = Object.keys(json.resource);
    Object.values<any>(json.resource[type])[0].retention_dayz = 1;
    fs.writeFileSync(file, JSON.stringify(json));
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'main.tf.json'), JSON.stringify({ module: { 'backup-dev': { source: '../stacks/backup-dev' } } }));
    expect((await terraform(['init', '-backend=false', '-input=false'], { cwd: broken, env })).code).toBe(0);
    const validate = JSON.parse((await terraform(['validate', '-json'], { cwd: broken, env })).stdout);
    const errors = validate.diagnostics.filter((d: any) => d.severity === 'error');
    expect(errors.map((d: any) => [stackOfDiagnostic(d), d.summary])).toEqual([['backup-dev', 'Extraneous JSON object property']]);
  }, 120_000);

  it('installed the provider from the mirror through the generated CLI config', () => {
    const lock = fs.readFileSync(path.join(outdir, 'all-stacks', '.terraform.lock.hcl'), 'utf8');
    expect(lock).toContain('provider "registry.terraform.io/hashicorp/aws"');
    expect(lock).toContain('version     = "5.100.0"');
    expect(fs.readFileSync(env.TF_CLI_CONFIG_FILE!, 'utf8')).toContain(`path    = ${JSON.stringify(findProviderMirror())}`);
  });
});

describe('a machine without what the tests need', () => {
  afterEach(() => {
    delete process.env.GROUNDWORK_PROVIDER_MIRROR;
  });

  it('is told where the provider mirror was looked for and how to make one', () => {
    const empty = tempDir('no-mirror');
    process.env.GROUNDWORK_PROVIDER_MIRROR = empty;
    expect(() => findProviderMirror()).toThrow(`No filesystem mirror of registry.terraform.io/hashicorp/aws 5.100.0`);
    expect(() => findProviderMirror()).toThrow(`under: ${empty}.`);
    expect(() => findProviderMirror()).toThrow('terraform providers mirror');
  });

  it('finds a mirror laid out as Terraform expects, wherever it is', () => {
    const mirror = tempDir('mirror');
    fs.mkdirSync(path.dirname(providerBinaryIn(mirror)), { recursive: true });
    fs.writeFileSync(providerBinaryIn(mirror), '');
    process.env.GROUNDWORK_PROVIDER_MIRROR = mirror;
    expect(findProviderMirror()).toBe(mirror);
  });

  it('is told that its Terraform is too old for S3 native locking', () => {
    const installed = requireTerraform();
    expect(() => requireTerraform(process.env, '99.0')).toThrow(`Terraform ${installed} is on PATH, but Groundwork needs 99.0 or later`);
  });

  it('is told that Terraform is missing from PATH', () => {
    expect(() => requireTerraform({ ...process.env, PATH: tempDir('empty-path') })).toThrow('Terraform is not on PATH. Install Terraform 1.11 or later');
  });
});
