import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MINIMUM_TERRAFORM } from '../lib/versions';

/** The one provider Groundwork's AWS stacks use, at the version @cdktf/provider-aws 20.1.0 is generated for. */
export const AWS_PROVIDER = { source: 'registry.terraform.io/hashicorp/aws', version: '5.100.0' } as const;

/** Where a filesystem mirror of the AWS provider is looked for, in order, after GROUNDWORK_PROVIDER_MIRROR. */
const MIRROR_CANDIDATES = [
  '/opt/tf-plugins',
  path.join(os.homedir(), '.terraform.d', 'plugins'),
  path.join(os.homedir(), '.local', 'share', 'terraform', 'plugins'),
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
];

function platform(): string {
  const arch = { x64: 'amd64', arm64: 'arm64', ia32: '386' }[process.arch as string] ?? process.arch;
  return `${process.platform}_${arch}`;
}

/** The provider binary's path inside a mirror laid out the way Terraform's filesystem_mirror expects. */
export function providerBinaryIn(mirror: string): string {
  return path.join(mirror, AWS_PROVIDER.source, AWS_PROVIDER.version, platform(), `terraform-provider-aws_v${AWS_PROVIDER.version}_x5`);
}

function mirrorCandidates(): string[] {
  const configured = process.env.GROUNDWORK_PROVIDER_MIRROR;
  return configured ? [configured] : MIRROR_CANDIDATES;
}

/** The local provider mirror, or undefined when this machine has none. */
function locateProviderMirror(): string | undefined {
  return mirrorCandidates().find((dir) => fs.existsSync(providerBinaryIn(dir)));
}

/** Finds the local provider mirror, or explains exactly what is missing and how to supply it. */
export function findProviderMirror(): string {
  const found = locateProviderMirror();
  if (found) return found;
  const candidates = mirrorCandidates();
  throw new Error(
    [
      `No filesystem mirror of ${AWS_PROVIDER.source} ${AWS_PROVIDER.version} (${platform()}) found.`,
      `Looked for ${path.relative('/', providerBinaryIn('<mirror>'))} under: ${candidates.join(', ')}.`,
      'Create one with `terraform providers mirror <dir>` on a machine with registry access (unpack the zip),',
      'then set GROUNDWORK_PROVIDER_MIRROR=<dir>.',
    ].join('\n'),
  );
}

/** Fails with a clear message when Terraform is not on PATH or older than `minimum` (major.minor). */
export function requireTerraform(env: NodeJS.ProcessEnv = process.env, minimum = MINIMUM_TERRAFORM): string {
  const result = spawnSync('terraform', ['version', '-json'], { encoding: 'utf8', env });
  if (result.error || result.status !== 0) {
    throw new Error(`Terraform is not on PATH. Install Terraform ${minimum} or later (S3 native state locking needs it) and retry.`);
  }
  const version = (JSON.parse(result.stdout) as { terraform_version: string }).terraform_version;
  const [major, minor] = version.split('.').map(Number);
  const [needMajor, needMinor] = minimum.split('.').map(Number);
  if (major < needMajor || (major === needMajor && minor < needMinor)) {
    throw new Error(`Terraform ${version} is on PATH, but Groundwork needs ${minimum} or later (S3 native state locking).`);
  }
  return version;
}

/**
 * Writes a Terraform CLI config that installs the AWS provider from the local mirror only (never the
 * network) into `<workDir>/terraform.rc`, with a plugin cache beside it, and returns the environment
 * variables that make Terraform use them.
 */
export function offlineTerraformEnv(workDir: string, mirror = findProviderMirror()): NodeJS.ProcessEnv {
  // Terraform runs inside each stack's directory, so every path it is given must be absolute.
  workDir = path.resolve(workDir);
  const cacheDir = path.join(workDir, 'plugin-cache');
  fs.mkdirSync(cacheDir, { recursive: true });
  const configFile = path.join(workDir, 'terraform.rc');
  const config = [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = [${JSON.stringify(AWS_PROVIDER.source)}]`,
    '  }',
    '}',
    `plugin_cache_dir = ${JSON.stringify(cacheDir)}`,
    '',
  ].join('\n');
  // Written then renamed, so concurrent runs never read half a file.
  const partial = `${configFile}.${process.pid}`;
  fs.writeFileSync(partial, config);
  fs.renameSync(partial, configFile);
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: configFile,
    TF_PLUGIN_CACHE_DIR: cacheDir,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
  };
}

export interface TerraformResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TerraformOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Kill the command after this long. @default 300000 */
  readonly timeoutMs?: number;
  /** Share this process's terminal (the user sees the plan and answers prompts); nothing is collected. @default false */
  readonly interactive?: boolean;
}

/** Runs one terraform command in a directory and collects its output. */
export function terraform(args: readonly string[], options: TerraformOptions): Promise<TerraformResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('terraform', options.interactive ? [...args] : [...args, '-no-color'], {
      cwd: options.cwd,
      env: options.env,
      stdio: options.interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\nterraform ${args[0]} stopped by ${signal}` : stderr });
    });
  });
}

/**
 * The environment Terraform runs with in Groundwork's scripts: installing the AWS provider from a local
 * mirror when this machine has one (offline, as in tests), otherwise from the public registry as usual.
 */
export function scriptTerraformEnv(workDir: string): { env: NodeJS.ProcessEnv; providerSource: string } {
  const mirror = locateProviderMirror();
  if (!mirror) return { env: { ...process.env, CHECKPOINT_DISABLE: '1' }, providerSource: 'the public registry' };
  const env = offlineTerraformEnv(workDir, mirror);
  return { env, providerSource: `the local mirror (${env.TF_CLI_CONFIG_FILE})` };
}
