import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { copyOfProject } from './support/local-platform';
import { readStacks, tempDir, type StackJson } from './support/synthesized';

// The framework is CDK Terrain installed under the name `cdktf` (an npm alias, with an override so every
// package gets the same copy). Two copies would each have their own classes, and the `imports` feature's
// TerraformResource check would then see no resource at all: adoption would silently stop. So the app is
// run as users run it (the bundle, `npm run synth`), and what it loaded and wrote is checked.

const FIXTURE = path.join(__dirname, 'fixtures', 'framework', 'synth-before-cdk-terrain.json.gz');
const FLOW_LOGS_ROLE = { resource: 'network-prod/flow-logs/role', id: 'groundwork-prod-vpc-flow-logs' };

interface LoadedPackage {
  readonly name: string;
  readonly dir: string;
}

describe('the app as npm run synth runs it', () => {
  let loaded: LoadedPackage[];
  let stacks: Map<string, StackJson & { import?: unknown[] }>;

  beforeAll(() => {
    // A copy whose prod adopts an existing flow-logs role, so the imports feature runs through the bundle.
    const project = copyOfProject();
    const prodFile = path.join(project, 'environments', 'prod.ts');
    const prod = fs.readFileSync(prodFile, 'utf8');
    expect(prod).toContain("  tier: 'prod',\n");
    fs.writeFileSync(prodFile, prod.replace("  tier: 'prod',\n", `  tier: 'prod',\n  imports: [${JSON.stringify(FLOW_LOGS_ROLE)}],\n`));

    const outdir = path.join(tempDir('framework'), 'cdktf.out');
    const loadedFile = path.join(path.dirname(outdir), 'loaded.json');
    const { AWS_ENDPOINT_URL: _endpoint, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--require', path.join(__dirname, 'support', 'loaded-packages.cjs'), 'scripts/synth.mjs'], {
      cwd: project,
      env: { ...env, CDKTF_OUTDIR: outdir, LOADED_PACKAGES_FILE: loadedFile },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (run.status !== 0) throw new Error(`npm run synth exited ${run.status}:\n${run.stdout}${run.stderr}`);
    loaded = JSON.parse(fs.readFileSync(loadedFile, 'utf8'));
    stacks = readStacks(outdir);
  }, 150_000);

  it('loads exactly one copy of the framework: CDK Terrain under the name cdktf, and one constructs', () => {
    const framework = loaded.filter((p) => ['cdktf', 'cdktn', 'constructs'].includes(p.name));
    expect(framework.map((p) => p.name).sort()).toEqual(['cdktn', 'constructs']);
    expect(path.basename(framework.find((p) => p.name === 'cdktn')!.dir)).toBe('cdktf');
    // The provider bindings were loaded too, and share that copy (they have no framework of their own).
    expect(loaded.map((p) => p.name)).toContain('@cdktf/provider-aws');
  });

  it('adopts an existing resource through the bundle: an import block for exactly the named resource', () => {
    const network = stacks.get('network-prod')!;
    const role = Object.entries(network.resource.aws_iam_role).find(([, r]) => r['//']?.metadata?.path === FLOW_LOGS_ROLE.resource);
    expect(role).toBeDefined();
    expect(network.import).toEqual([{ to: `aws_iam_role.${role![0]}`, id: FLOW_LOGS_ROLE.id }]);
    expect((network as StackJson & { '//': { metadata: { imports?: unknown } } })['//'].metadata.imports).toEqual({ aws_iam_role: [role![0]] });
  });

  it('writes every stack as the last cdktf 0.21.0 commit did, but for the framework version', () => {
    const before = JSON.parse(gunzipSync(fs.readFileSync(FIXTURE)).toString('utf8')) as { cdktf: string; stacks: Record<string, StackJson> };
    expect(before.cdktf).toBe('0.21.0');
    // Leaves out the framework version, and the adoption above (this test's own change to prod).
    const comparable = (json: StackJson): unknown => {
      const copy = structuredClone(json) as StackJson & { import?: unknown; '//'?: { metadata?: { version?: string; imports?: unknown } } };
      expect(copy['//']?.metadata?.version).toMatch(/^\d+\.\d+\.\d+$/);
      delete copy['//']!.metadata!.version;
      delete copy['//']!.metadata!.imports;
      delete copy.import;
      return copy;
    };
    expect([...stacks.keys()].sort()).toEqual(Object.keys(before.stacks).sort());
    for (const [name, json] of stacks) {
      expect({ name, json: comparable(json) }).toEqual({ name, json: comparable(before.stacks[name]) });
    }
    const installed = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', 'cdktf', 'package.json'), 'utf8')).version;
    expect((stacks.get('network-dev')! as StackJson & { '//': { metadata: { version: string } } })['//'].metadata.version).toBe(installed);
  });
});
