import * as path from 'node:path';
import { environmentName } from '../lib/cli';
import { environmentStacks, type SynthesizedStack } from './environment-stacks';
import { prepareLocalEnvironment, WORK_DIR } from './local-environment';
import type { StackContext } from './stack-operations';
import { synthesize } from '../lib/synthesize';
import { requireTerraform, scriptTerraformEnv } from './terraform-cli';

/** One environment, synthesized and ready for Terraform to plan, deploy or destroy. */
export interface EnvironmentTarget {
  readonly name: string;
  /** True for an emulator environment (`local`): its plans carry the emulator's known artefacts. */
  readonly emulator: boolean;
  /** Every stack of the environment, dependencies first. */
  readonly stacks: readonly SynthesizedStack[];
  readonly context: StackContext;
  /** Where the AWS provider comes from, for the user. */
  readonly providerSource: string;
  /** Releases what preparing it started (nothing, for a real environment). */
  close(): Promise<void>;
}

/**
 * Synthesizes the named environment and prepares what Terraform runs with. A real environment uses the
 * ambient AWS credentials (a profile, SSO, or the role CI assumed by OIDC) and synthesizes every
 * environment into `cdktf.out` (`CDKTF_OUTDIR`), as `npm run synth` does; `local` needs the emulator at
 * `AWS_ENDPOINT_URL`. An unknown name (a UsageError, listing the environments) or invalid config fails
 * before anything runs.
 */
export async function prepareEnvironment(name: string, log: (line: string) => void): Promise<EnvironmentTarget> {
  // environments/local.ts reads AWS_ENDPOINT_URL when loaded; prepareLocalEnvironment loads it itself.
  if (name === 'local') return prepareLocalEnvironment({ startEmulator: false, log });
  const { environments } = await import('../environments');
  environmentName(environments, name);
  requireTerraform();
  const outdir = path.resolve(process.env.CDKTF_OUTDIR || 'cdktf.out');
  synthesize(environments, { outdir });
  const { env, providerSource } = scriptTerraformEnv(WORK_DIR);
  return {
    name,
    emulator: false,
    stacks: environmentStacks(outdir, name),
    context: { outdir, env, logDir: path.resolve(WORK_DIR, name, 'logs') },
    providerSource,
    close: async () => undefined,
  };
}
