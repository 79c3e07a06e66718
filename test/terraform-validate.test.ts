import * as fs from 'node:fs';
import * as path from 'node:path';
import { findProviderMirror, offlineTerraformEnv, providerBinaryIn, requireTerraform, terraform } from '../operations/terraform-cli';
import { isKubernetesStack, readStacks, stackNames, synthesizeInto, tempDir } from './support/synthesized';

// Real Terraform and the real AWS provider (from this machine's filesystem mirror, never the network)
// over every synthesized AWS stack. A machine without either fails here with a message saying what is missing.
// The gitops stacks need the Kubernetes and Helm providers, which cannot be installed here: test/gitops.test.ts
// proves them by synth and ArgoCD's schemas instead.
const awsStacks = () => stackNames().filter((name) => !isKubernetesStack(name));
describe('terraform validate', () => {
  let outdir: string;
  let env: NodeJS.ProcessEnv;
  const results = new Map<string, { init: string; validate: any }>();

  beforeAll(async () => {
    requireTerraform();
    env = offlineTerraformEnv(tempDir('terraform'));
    outdir = synthesizeInto();
    const stacks = [...readStacks(outdir).keys()].filter((name) => !isKubernetesStack(name));
    // Every init first, one at a time: an init links the stack to the shared plugin cache and may replace
    // the provider there, so a second init, or a validate reading the cache, beside it can find it gone.
    const initialized: string[] = [];
    for (const name of stacks) {
      const init = await terraform(['init', '-backend=false', '-input=false'], { cwd: path.join(outdir, 'stacks', name), env });
      if (init.code === 0) initialized.push(name);
      else results.set(name, { init: init.stderr || init.stdout, validate: undefined });
    }
    // Then the validates two at a time: each keeps one core busy loading the provider's schema.
    const queue = [...initialized];
    const worker = async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const validate = await terraform(['validate', '-json'], { cwd: path.join(outdir, 'stacks', name), env });
        results.set(name, { init: '', validate: JSON.parse(validate.stdout) });
      }
    };
    await Promise.all([worker(), worker()]);
  }, 600_000);

  it('covers every AWS stack of every environment, cluster stacks included', () => {
    expect([...results.keys()].sort()).toEqual(awsStacks().sort());
    expect(results.size).toBe(31);
    expect([...results.keys()]).toContain('cluster-prod');
  });

  it.each(awsStacks())('passes on %s with no errors or warnings', (name) => {
    const result = results.get(name)!;
    expect(result.init).toBe('');
    const problems = result.validate.diagnostics.map((d: any) => `${d.severity}: ${d.summary}: ${d.detail}`);
    expect(problems).toEqual([]);
    expect(result.validate.valid).toBe(true);
  });

  it('installed the provider from the mirror through the generated CLI config', () => {
    const lock = fs.readFileSync(path.join(outdir, 'stacks', 'network-prod', '.terraform.lock.hcl'), 'utf8');
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
