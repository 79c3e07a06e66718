import * as path from 'node:path';
import type { EnvironmentConfig } from '../environments/schema';
import { environmentStacks } from './environment-stacks';
import type { EnvironmentTarget } from './environment-target';
import { emulatorCredentials, startMoto, type RunningEmulator } from './moto';
import type { StackContext } from './stack-operations';
import { synthesize } from '../lib/synthesize';
import { requireTerraform, scriptTerraformEnv } from './terraform-cli';

/** Where the scripts keep their working files (CLI config, provider cache, logs, bootstrap state); tests use their own. */
export const WORK_DIR = process.env.GROUNDWORK_WORK_DIR ?? '.groundwork';

/** `local`, synthesized against its emulator; `close` stops the emulator if this process started it. */
export interface LocalEnvironment extends EnvironmentTarget {
  /** The emulator every AWS endpoint of `local` points at. */
  readonly endpoint: string;
  /** True when this process started moto itself (and stops it in `close`). */
  readonly startedEmulator: boolean;
  /** Where `local` was synthesized, pointed at `endpoint`. */
  readonly outdir: string;
}

export interface LocalEnvironmentOptions {
  /** Start moto on a free loopback port when `AWS_ENDPOINT_URL` is not set; otherwise that is an error. */
  readonly startEmulator: boolean;
  /** Synthesize `local` with these changes to its config (the DR drill's restore). @default none */
  readonly override?: (config: EnvironmentConfig) => EnvironmentConfig;
  readonly log: (line: string) => void;
}

/**
 * Finds (or starts) the emulator, synthesizes `local` pointed at it, and prepares the environment Terraform
 * runs with: emulator credentials, and the provider from the local mirror when the
 * machine has one. Fails with what is missing and how to get it.
 */
export async function prepareLocalEnvironment(options: LocalEnvironmentOptions): Promise<LocalEnvironment> {
  requireTerraform();
  let emulator: RunningEmulator | undefined;
  let endpoint = process.env.AWS_ENDPOINT_URL;
  if (endpoint) {
    if (!(await emulatorAnswers(endpoint))) {
      throw new Error(
        `No emulator answers at ${endpoint} (AWS_ENDPOINT_URL). Start one there (\`moto_server -H 127.0.0.1 -p <port>\` with ` +
          'MOTO_IAM_LOAD_MANAGED_POLICIES=true, or LocalStack), or unset AWS_ENDPOINT_URL and `npm run local` starts moto itself.',
      );
    }
  } else if (options.startEmulator) {
    emulator = await startMoto();
    endpoint = emulator.endpoint;
    options.log(`Started moto at ${endpoint}.`);
  } else {
    throw new Error('AWS_ENDPOINT_URL is not set: point it at the emulator `npm run local` deployed into (it prints the URL).');
  }
  try {
    // environments/local.ts reads AWS_ENDPOINT_URL when it is loaded, so it is loaded only now.
    process.env.AWS_ENDPOINT_URL = endpoint;
    const { local } = await import('../environments/local');
    const outdir = path.resolve(WORK_DIR, 'local', 'cdktf.out');
    const config = options.override ? options.override(local) : local;
    synthesize({ local: config }, { outdir });
    const { env, providerSource } = scriptTerraformEnv(WORK_DIR);
    const context: StackContext = {
      outdir,
      env: { ...env, ...emulatorCredentials(local.accountId), AWS_ENDPOINT_URL: endpoint, CHECKPOINT_DISABLE: '1' },
      logDir: path.resolve(WORK_DIR, 'local', 'logs'),
    };
    return {
      name: 'local',
      emulator: true,
      endpoint,
      startedEmulator: emulator !== undefined,
      outdir,
      stacks: environmentStacks(outdir, 'local'),
      context,
      providerSource,
      close: async () => emulator?.stop(),
    };
  } catch (error) {
    await emulator?.stop();
    throw error;
  }
}

/** Any HTTP answer counts: moto and LocalStack answer their root with something. */
async function emulatorAnswers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

/** Seconds since `start`, to one decimal. */
export function secondsSince(start: number): string {
  return `${((Date.now() - start) / 1000).toFixed(1)} s`;
}
