// The AWS bindings, prebuilt or generated: what each costs. Part of `npm run bench` (`--only bindings`).
// prebuilt: @cdktf/provider-aws as package.json pins it, installed into an empty directory with an empty
//   npm cache (the download and unpacking a fresh clone's `npm ci` spends on it), and its size.
// generated: `cdktn get` of the same provider version from the provider's own schema (Terraform installs
//   the provider from the local mirror, or the registry), and the size of what it writes.
// Then the app bundled both ways (the generated classes bundled in, as they would be), each synthesized
// `runs` times in turns: median wall time and peak RSS, and whether the two outputs are the same Terraform.
// Generated classes check Terraform-version-dependent features against cdktf.json's `targetVersions`
// (default: Terraform 1.5.7 and later), and refuse write-only attributes below 1.11, so that synth is
// given the project's real floor, as the CLI would pass it from cdktf.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { MINIMUM_TERRAFORM } from '../lib/versions';
import { AWS_PROVIDER, scriptTerraformEnv } from '../operations/terraform-cli';
import { measured, median, type Sample } from './bench-measure';

const ROOT = path.resolve(__dirname, '..');
const PREBUILT = '@cdktf/provider-aws';

/** Bytes and files under a directory (symbolic links not followed). */
function sizeOf(dir: string): { mib: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
    files += 1;
  }
  return { mib: bytes / 2 ** 20, files };
}

const row = (what: string, sample: Sample, extra = '') => console.log(`${what.padEnd(50)} ${sample.wallSeconds.toFixed(2).padStart(6)} s  ${sample.rssMiB.toFixed(0).padStart(5)} MiB  ${extra}`);

/** Every stack's JSON, with the provider's source written one way (the generated classes write the full `hashicorp/aws`). */
function readOutput(outdir: string): Record<string, unknown> {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks: Record<string, unknown> = {};
  for (const stack of Object.values(manifest.stacks) as { name: string; synthesizedStackPath: string }[]) {
    const json = JSON.parse(fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), 'utf8'));
    const aws = json.terraform?.required_providers?.aws;
    if (aws?.source === 'aws') aws.source = 'hashicorp/aws';
    stacks[stack.name] = json;
  }
  return stacks;
}

export async function benchBindings(runs: number): Promise<boolean> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-bench-bindings-'));
  try {
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies[PREBUILT] as string;
    console.log(`AWS bindings for ${AWS_PROVIDER.source} ${AWS_PROVIDER.version}, node ${process.version}`);
    console.log(`${'what'.padEnd(50)}   wall   peak RSS  size`);

    const installDir = path.join(work, 'prebuilt');
    fs.mkdirSync(installDir);
    fs.writeFileSync(path.join(installDir, 'package.json'), JSON.stringify({ name: 'prebuilt', private: true }));
    const install = measured('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=peer', '--cache', path.join(work, 'npm-cache'), `${PREBUILT}@${version}`], { cwd: installDir });
    const installed = sizeOf(path.join(installDir, 'node_modules', ...PREBUILT.split('/')));
    row(`prebuilt: npm install ${PREBUILT}@${version}`, install, `${installed.mib.toFixed(0)} MiB, ${installed.files} files`);

    const generateDir = path.join(work, 'generated');
    fs.mkdirSync(generateDir);
    fs.writeFileSync(path.join(generateDir, 'package.json'), JSON.stringify({ name: 'generated', private: true }));
    const provider = `${AWS_PROVIDER.source.replace(/^registry\.terraform\.io\//, '')}@${AWS_PROVIDER.version}`;
    fs.writeFileSync(path.join(generateDir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'true', codeMakerOutput: '.gen', terraformProviders: [provider] }));
    const { env: terraformEnv } = scriptTerraformEnv(path.join(work, 'terraform'));
    const cli = path.join(ROOT, 'node_modules', '.bin', 'cdktn');
    const get = measured(cli, ['get'], { cwd: generateDir, env: { ...terraformEnv, CI: '1', CHECKPOINT_DISABLE: '1' } });
    const generatedCode = path.join(generateDir, '.gen', 'providers', 'aws');
    const generated = sizeOf(generatedCode);
    row(`generated: cdktn get ${provider}`, get, `${generated.mib.toFixed(0)} MiB, ${generated.files} files`);

    // The app with the generated classes in place of the package's (same module names, resource by resource).
    const bundles = { prebuilt: path.join(ROOT, 'dist', 'main.js'), generated: path.join(ROOT, 'dist', 'main.generated-bindings.js') };
    measured('node', [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
    await build({
      entryPoints: [path.join(ROOT, 'main.ts')],
      outfile: bundles.generated,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      logLevel: 'silent',
      plugins: [
        {
          name: 'generated-bindings',
          setup(builder) {
            builder.onResolve({ filter: /^@cdktf\/provider-aws\/lib\// }, ({ path: specifier }) => ({ path: path.join(generatedCode, specifier.split('/').pop()!, 'index.ts') }));
            // The generated code imports the framework as `cdktn`; it is installed as `cdktf`.
            builder.onResolve({ filter: /^cdktn$/ }, () => ({ path: 'cdktf', external: true }));
            builder.onResolve({ filter: /^[^./]/ }, ({ path: specifier }) => (specifier.startsWith('@cdktf/provider-aws/') ? undefined : { path: specifier, external: true }));
          },
        },
      ],
    });
    const context = JSON.stringify({ targetVersions: { terraform: `>=${MINIMUM_TERRAFORM}.0` } });
    const samples: Record<keyof typeof bundles, Sample[]> = { prebuilt: [], generated: [] };
    for (let i = 0; i < runs; i++) {
      for (const kind of ['prebuilt', 'generated'] as const) {
        const outdir = path.join(work, `out-${kind}`);
        fs.rmSync(outdir, { recursive: true, force: true });
        samples[kind].push(measured('node', [bundles[kind]], { cwd: ROOT, env: { ...process.env, CDKTF_OUTDIR: outdir, CDKTF_CONTEXT_JSON: context } }));
      }
    }
    for (const kind of ['prebuilt', 'generated'] as const) {
      row(`synth with ${kind} bindings (median of ${runs})`, { wallSeconds: median(samples[kind].map((s) => s.wallSeconds)), rssMiB: median(samples[kind].map((s) => s.rssMiB)) }, `bundle ${(fs.statSync(bundles[kind]).size / 2 ** 20).toFixed(1)} MiB`);
    }
    const same = JSON.stringify(readOutput(path.join(work, 'out-prebuilt'))) === JSON.stringify(readOutput(path.join(work, 'out-generated')));
    console.log(same ? 'Both synthesize the same Terraform (the provider source written `aws` or `hashicorp/aws`, which Terraform reads as one).' : 'THE OUTPUTS DIFFER');
    return same;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    // Beside the app's bundle, because the app finds its Lambda sources from its own location.
    fs.rmSync(path.join(ROOT, 'dist', 'main.generated-bindings.js'), { force: true });
  }
}
