import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments } from '../../environments';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../../operations/moto';
import { requireTerraform } from '../../operations/terraform-cli';
import { runProcess, type ProcessRun } from './run-process';
import { tempDir } from './synthesized';

// What the end-to-end suites share: a fresh moto on a free loopback port, a work directory, and the README's
// commands run as a user runs them. Each suite deploys `local` into its own emulator, so the suites run side
// by side: most of their time is the provider's waits, not CPU.

export const ROOT = path.resolve(__dirname, '..', '..');
export const MINUTES = 60_000;
export const LOCAL_STACKS = ['state-local', 'network-local', 'secrets-local', 'data-local', 'service-local', 'backup-local', 'observability-local'];

/** The change lines of a diff summary, leaving out the emulator artefacts listed apart in <details>. */
export function changeLines(summary: string): string[] {
  return summary
    .replace(/<details>[\s\S]*?<\/details>/g, '')
    .split('\n')
    .filter((line) => line.startsWith('- `'));
}

/** The project's sources in a temporary directory, sharing its installed packages: a clone with a change to make. */
export function copyOfProject(): string {
  const copy = tempDir('project-copy');
  const skipped = new Set(['node_modules', '.git', '.groundwork', 'cdktf.out', 'coverage']);
  const atRoot = (source: string) => path.dirname(source) === ROOT;
  fs.cpSync(ROOT, copy, { recursive: true, filter: (source) => !(atRoot(source) && (skipped.has(path.basename(source)) || path.basename(source).startsWith('cdktf.out'))) });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

/** One suite's emulator and work directory, made in beforeAll and removed in afterAll. */
export interface LocalPlatform {
  readonly moto: RunningEmulator;
  readonly workDir: string;
  /** Runs `npm run <script> [-- args]` in the project (or a copy), against this emulator and work directory. */
  npmRun(command: string | string[], timeoutMs: number, cwd?: string): Promise<ProcessRun>;
  /** An AWS SDK client configuration for this emulator, in us-east-1. */
  clientConfig(): { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
}

/** Registers beforeAll/afterAll hooks that start and stop one platform's emulator; read it inside tests only. */
export function useLocalPlatform(name: string): () => LocalPlatform {
  let platform: LocalPlatform | undefined;
  beforeAll(async () => {
    requireTerraform();
    const moto = await startMoto();
    const workDir = tempDir(name);
    const credentials = emulatorCredentials(environments.local.accountId);
    platform = {
      moto,
      workDir,
      npmRun: (command, timeoutMs, cwd = ROOT) =>
        runProcess('npm', ['run', '--silent', ...[command].flat()], {
          cwd,
          env: { ...process.env, AWS_ENDPOINT_URL: moto.endpoint, GROUNDWORK_WORK_DIR: workDir },
          timeoutMs,
          killSignal: 'SIGINT',
        }),
      clientConfig: () => ({
        endpoint: moto.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: credentials.AWS_ACCESS_KEY_ID!, secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY! },
      }),
    };
  }, MINUTES);
  afterAll(async () => {
    await platform?.moto.stop();
    // The provider cache alone is hundreds of MB.
    if (platform) fs.rmSync(platform.workDir, { recursive: true, force: true });
  });
  return () => {
    if (!platform) throw new Error('the local platform is started in beforeAll');
    return platform;
  };
}

/** `npm run local`, which must exit 0: the platform every end-to-end suite starts from. */
export async function deployLocal(platform: LocalPlatform): Promise<ProcessRun> {
  const run = await platform.npmRun('local', 20 * MINUTES);
  if (run.code !== 0) throw new Error(`npm run local exited ${run.code}:\n${run.output}`);
  return run;
}

/** `npm run diff -- --env local`, recording the change set and summary under `<workDir>/<name>.json|.md`; must exit 0. */
export async function cleanDiff(platform: LocalPlatform, name: string): Promise<ProcessRun> {
  const run = await platform.npmRun(['diff', '--', '--env', 'local', '--json', path.join(platform.workDir, `${name}.json`), '--out', path.join(platform.workDir, `${name}.md`)], 10 * MINUTES);
  if (run.code !== 0) throw new Error(`npm run diff exited ${run.code}:\n${run.output}`);
  return run;
}
