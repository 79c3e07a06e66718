import * as fs from 'node:fs';
import * as path from 'node:path';
import { terraform, type TerraformResult } from './terraform-cli';

export interface BootstrapOptions {
  /** The environment whose `state-<env>` stack is bootstrapped. */
  readonly environment: string;
  /** The synthesized output holding `stacks/state-<env>`. */
  readonly outdir: string;
  /** Where the temporary local state lives until it is moved into the bucket; kept outside `outdir`. */
  readonly workDir: string;
  /** Environment for Terraform (credentials, CLI config). */
  readonly terraformEnv: NodeJS.ProcessEnv;
  /** Apply without asking. When false, Terraform shows the plan and asks on this terminal. */
  readonly autoApprove: boolean;
  readonly log: (line: string) => void;
}

export type BootstrapOutcome = 'bootstrapped' | 'already-bootstrapped';

/** The override file that swaps the stack's S3 backend for a local one while its bucket does not exist. */
export const BOOTSTRAP_OVERRIDE = 'groundwork_bootstrap_override.tf.json';

/**
 * Creates an environment's state backend and moves the state stack's own state into it:
 * 1. if the bucket already holds this stack's state, there is nothing to do;
 * 2. otherwise apply `state-<env>` with a local backend (a Terraform override file, so the synthesized
 *    JSON is untouched), then remove the override and `terraform init -migrate-state` into the bucket;
 * 3. check that the bucket now holds the state, and delete the local copy.
 * A run that failed part-way left its local state in `workDir`; the next run resumes from it.
 */
export async function bootstrapState(options: BootstrapOptions): Promise<BootstrapOutcome> {
  const stack = `state-${options.environment}`;
  const cwd = path.join(options.outdir, 'stacks', stack);
  if (!fs.existsSync(path.join(cwd, 'cdk.tf.json'))) throw new Error(`${cwd}/cdk.tf.json does not exist: synthesize first`);
  const localState = path.resolve(options.workDir, 'bootstrap', `${stack}.tfstate`);
  const run = async (args: string[], interactive = false): Promise<TerraformResult> => {
    options.log(`$ terraform ${args.join(' ')}`);
    const result = await terraform(args, { cwd, env: options.terraformEnv, interactive, timeoutMs: 1_800_000 });
    if (result.code !== 0) throw new Error(`terraform ${args[0]} failed in ${cwd} (exit ${result.code}):\n${result.stderr || result.stdout}`);
    return result;
  };

  if (!fs.existsSync(localState)) {
    const remote = await terraform(['init', '-input=false', '-reconfigure'], { cwd, env: options.terraformEnv });
    if (remote.code === 0 && (await stateResources(cwd, options.terraformEnv)).length > 0) {
      options.log(`${stack}: the state bucket already holds this stack's state; nothing to bootstrap.`);
      return 'already-bootstrapped';
    }
    options.log(`${stack}: no state in the bucket yet; applying with local state first.`);
  } else {
    options.log(`${stack}: resuming from the local state an earlier bootstrap left at ${localState}.`);
  }

  fs.mkdirSync(path.dirname(localState), { recursive: true });
  const override = path.join(cwd, BOOTSTRAP_OVERRIDE);
  fs.writeFileSync(override, JSON.stringify({ terraform: { backend: { local: { path: localState } } } }, null, 2));
  try {
    await run(['init', '-input=false', '-reconfigure']);
    await run(['apply', '-input=false', ...(options.autoApprove ? ['-auto-approve'] : [])], !options.autoApprove);
  } finally {
    fs.rmSync(override, { force: true });
  }
  options.log(`${stack}: moving its state into the bucket.`);
  await run(['init', '-input=false', '-migrate-state', '-force-copy']);

  const migrated = await stateResources(cwd, options.terraformEnv);
  const expected = addressesIn(localState);
  if (migrated.join('\n') !== expected.join('\n')) {
    throw new Error(`${stack}: the bucket's state lists ${migrated.length} resources but the local state ${expected.length}; kept ${localState}`);
  }
  fs.rmSync(localState, { force: true });
  fs.rmSync(`${localState}.backup`, { force: true });
  options.log(`${stack}: bootstrapped; its state is in the bucket (${migrated.length} resources).`);
  return 'bootstrapped';
}

async function stateResources(cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const list = await terraform(['state', 'list'], { cwd, env });
  return list.code === 0 ? list.stdout.split('\n').filter(Boolean).sort() : [];
}

interface StateFile {
  resources?: { mode: 'managed' | 'data'; type: string; name: string; module?: string; instances: { index_key?: string | number }[] }[];
}

/** The addresses `terraform state list` would print for a local state file. */
function addressesIn(stateFile: string): string[] {
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as StateFile;
  return (state.resources ?? [])
    .flatMap((r) => {
      const base = [r.module, r.mode === 'data' ? 'data' : undefined, r.type, r.name].filter(Boolean).join('.');
      return r.instances.map((i) => (i.index_key === undefined ? base : `${base}[${JSON.stringify(i.index_key)}]`));
    })
    .sort();
}
