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
 * 1. look at the bucket: if it already holds this stack's state, there is nothing to do;
 * 2. otherwise (no bucket yet, or a bucket without this state) apply `state-<env>` with a local backend
 *    (a Terraform override file, so the synthesized JSON is untouched), then remove the override and
 *    `terraform init -migrate-state` into the bucket;
 * 3. check that the bucket now holds the same resources, and delete the local copy.
 * A run that failed part-way left its local state in `workDir`; the next run resumes from it. Any error
 * other than "the bucket does not exist" stops the bootstrap before it changes anything.
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

  const remote = await remoteState(cwd, options.terraformEnv);
  const resuming = fs.existsSync(localState);
  if (remote === 'has-state') {
    if (resuming) {
      throw new Error(
        `${stack}: the bucket already holds this stack's state, and an earlier bootstrap left a local state at ${localState}. ` +
          'Compare them (terraform state list, and terraform state list -state=<file>) and delete the stale one.',
      );
    }
    options.log(`${stack}: the state bucket already holds this stack's state; nothing to bootstrap.`);
    return 'already-bootstrapped';
  }
  options.log(
    resuming
      ? `${stack}: resuming from the local state an earlier bootstrap left at ${localState}.`
      : `${stack}: ${remote === 'no-bucket' ? 'no state bucket yet' : 'the bucket holds no state for this stack'}; applying with local state first.`,
  );

  const restoreBackend = useLocalBackend(cwd, localState);
  try {
    await run(['init', '-input=false', '-reconfigure']);
    await run(['apply', '-input=false', ...(options.autoApprove ? ['-auto-approve'] : [])], !options.autoApprove);
  } finally {
    restoreBackend();
  }
  // -force-copy answers the "copy existing state?" prompt; the bucket held no state for this stack above.
  options.log(`${stack}: moving its state into the bucket.`);
  await run(['init', '-input=false', '-migrate-state', '-force-copy']);

  const migrated = await listState(cwd, options.terraformEnv);
  const expected = addressesIn(localState);
  if (migrated.join('\n') !== expected.join('\n')) {
    throw new Error(`${stack}: the bucket's state lists ${migrated.length} resources but the local state ${expected.length}; kept ${localState}`);
  }
  fs.rmSync(localState, { force: true });
  fs.rmSync(`${localState}.backup`, { force: true });
  options.log(`${stack}: bootstrapped; its state is in the bucket (${migrated.length} resources).`);
  return 'bootstrapped';
}

/**
 * Points a stack directory at a local state file through a Terraform override file, leaving the
 * synthesized JSON untouched. Returns the function that removes the override again.
 */
export function useLocalBackend(stackDir: string, stateFile: string): () => void {
  fs.mkdirSync(path.dirname(stateFile), { recursive: true });
  const override = path.join(stackDir, BOOTSTRAP_OVERRIDE);
  fs.writeFileSync(override, JSON.stringify({ terraform: { backend: { local: { path: stateFile } } } }, null, 2));
  return () => fs.rmSync(override, { force: true });
}

/** Terraform's words when the backend's bucket does not exist (S3 backend, Terraform 1.10+). */
const MISSING_BUCKET = /NoSuchBucket|S3 bucket "[^"]+" does not exist/;

/** What the S3 backend holds for this stack; any failure but a missing bucket is an error. */
async function remoteState(cwd: string, env: NodeJS.ProcessEnv): Promise<'no-bucket' | 'no-state' | 'has-state'> {
  const init = await terraform(['init', '-input=false', '-reconfigure'], { cwd, env });
  if (init.code !== 0) {
    if (MISSING_BUCKET.test(init.stderr)) return 'no-bucket';
    throw new Error(`could not reach the state backend of ${path.basename(cwd)}; nothing was changed:\n${init.stderr || init.stdout}`);
  }
  return (await listState(cwd, env)).length > 0 ? 'has-state' : 'no-state';
}

async function listState(cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const list = await terraform(['state', 'list'], { cwd, env });
  if (list.code !== 0) throw new Error(`terraform state list failed in ${cwd}:\n${list.stderr || list.stdout}`);
  return list.stdout.split('\n').filter(Boolean).sort();
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
