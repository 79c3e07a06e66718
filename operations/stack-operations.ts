import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readStackJson, type SynthesizedStack } from './environment-stacks';
import { planChanges, type PlanChanges } from './plan-changes';
import { terraform } from './terraform-cli';

/** How Groundwork's scripts run Terraform on one synthesized stack. */
export interface StackContext {
  /** The synthesized output the stacks are in (cdktf's `--output`). */
  readonly outdir: string;
  /** Environment of every command: credentials, the Terraform CLI config. */
  readonly env: NodeJS.ProcessEnv;
  /** Where each command's full output is kept, one file per stack and operation. */
  readonly logDir: string;
}

/** Every command may take this long before it is stopped: the provider's own waits are minutes at most. */
const COMMAND_TIMEOUT_MS = 1_800_000;

/** An apply (or the plan it applies) waits this long for a lock another operator's apply or import holds for a moment. */
const WAIT_FOR_LOCK = '-lock-timeout=300s';

/** Inits run one at a time: two that install the provider into the shared plugin cache at once collide. */
let initQueue: Promise<unknown> = Promise.resolve();

/**
 * `terraform init` against the stack's backend as synthesized now. `-reconfigure` because a backend that
 * moved (an emulator on a new port) is a new backend, not a state to migrate. Skipped when the stack's
 * directory was initialized for the same `terraform` block (backend and providers) and CLI config: what
 * Terraform itself would find unchanged, and the largest cost of a plan outside Terraform's own.
 */
export function initStack(stack: SynthesizedStack, context: StackContext): Promise<void> {
  const marker = path.join(stack.dir, '.terraform', 'groundwork-init');
  const inputs = initInputs(stack, context);
  if (fs.existsSync(path.join(stack.dir, '.terraform.lock.hcl')) && readIfExists(marker) === inputs) return Promise.resolve();
  const init = initQueue.then(async () => {
    fs.rmSync(marker, { force: true });
    await runLogged('terraform', ['init', '-input=false', '-reconfigure', '-no-color'], stack, 'init', context);
    fs.writeFileSync(marker, inputs);
  });
  initQueue = init.catch(() => undefined);
  return init;
}

/** What an init depends on: the synthesized `terraform` block and where the provider comes from. */
function initInputs(stack: SynthesizedStack, context: StackContext): string {
  const { terraform: block } = readStackJson(stack);
  const source = { cliConfig: context.env.TF_CLI_CONFIG_FILE ?? '', pluginCache: context.env.TF_PLUGIN_CACHE_DIR ?? '' };
  return createHash('sha256').update(JSON.stringify({ block, source })).digest('hex');
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface DeployResult {
  readonly added: number;
  readonly changed: number;
  readonly destroyed: number;
}

/**
 * Applies one stack as it is synthesized, with nobody to review it (`npm run local`, the DR drill): plan
 * and apply in one `terraform apply`. The caller applies stacks in dependency order, one stack per call.
 */
export async function deployStack(stack: SynthesizedStack, context: StackContext): Promise<DeployResult> {
  await initStack(stack, context);
  const { output } = await runLogged('terraform', ['apply', '-input=false', '-no-color', '-auto-approve', WAIT_FOR_LOCK], stack, 'deploy', context);
  return appliedCounts(output, stack, context);
}

/** Destroys one stack. The caller destroys dependents first. */
export async function destroyStack(stack: SynthesizedStack, context: StackContext): Promise<void> {
  await initStack(stack, context);
  await runLogged('terraform', ['destroy', '-input=false', '-no-color', '-auto-approve', WAIT_FOR_LOCK], stack, 'destroy', context);
}

/** Terraform's own count of what an apply did. */
function appliedCounts(output: string, stack: SynthesizedStack, context: StackContext): DeployResult {
  const counts = /Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(output);
  if (!counts) throw new Error(`terraform apply of ${stack.name} exited 0 without its summary; see ${logFile(stack, 'deploy', context)}`);
  return { added: Number(counts[1]), changed: Number(counts[2]), destroyed: Number(counts[3]) };
}

/** Plans one stack (refreshing from the real resources) and returns what would change. */
export async function planStack(stack: SynthesizedStack, context: StackContext): Promise<PlanChanges> {
  // -lock=false: a plan that is never applied (a PR's diff, drift) neither waits for an apply's lock
  // nor holds one that an apply would then fail on; S3 serves it the state whole, before or after.
  const plan = await savePlan(stack, context, 'plan', ['-lock=false']);
  plan.discard();
  return plan.changes;
}

/** A plan kept in a file to be applied as it is, and what it would change. */
export interface SavedPlan {
  readonly changes: PlanChanges;
  /** The plan as `terraform show -json` prints it, for checks before the apply; it holds state values, so it stays in memory. Undefined when nothing would change. */
  readonly json?: string;
  /** Applies exactly this plan; Terraform refuses it if the state moved since it was made. */
  apply(): Promise<DeployResult>;
  /** Removes the plan file: it holds the state's values. */
  discard(): void;
}

/**
 * Plans one stack into a plan file under the state lock, for an apply of exactly that plan. The file stays
 * in the stack's synthesized directory (never committed, never an artifact) until applied or discarded.
 */
export async function planForApply(stack: SynthesizedStack, context: StackContext): Promise<SavedPlan> {
  const plan = await savePlan(stack, context, 'deploy', [WAIT_FOR_LOCK]);
  return {
    changes: plan.changes,
    ...(plan.json === undefined ? {} : { json: plan.json }),
    discard: plan.discard,
    apply: async () => {
      try {
        const { output } = await runLogged('terraform', ['apply', '-input=false', '-no-color', WAIT_FOR_LOCK, plan.file], stack, 'deploy', context);
        return appliedCounts(output, stack, context);
      } finally {
        plan.discard();
      }
    },
  };
}

async function savePlan(stack: SynthesizedStack, context: StackContext, operation: string, flags: string[]): Promise<{ file: string; changes: PlanChanges; json?: string; discard(): void }> {
  await initStack(stack, context);
  const file = path.join(stack.dir, `groundwork-${operation}.tfplan`);
  const discard = () => fs.rmSync(file, { force: true });
  try {
    // -detailed-exitcode: 0 means nothing to change, so the plan file need not be read at all.
    const { code } = await runLogged('terraform', ['plan', '-input=false', '-no-color', '-detailed-exitcode', ...flags, `-out=${file}`], stack, operation, context, [0, 2]);
    if (code === 0) return { file, changes: { resources: [], outputs: [] }, discard };
    const show = await terraform(['show', '-json', file], { cwd: stack.dir, env: context.env, timeoutMs: COMMAND_TIMEOUT_MS });
    if (show.code !== 0) throw new Error(`terraform show failed in ${stack.dir}:\n${show.stderr}`);
    return { file, changes: planChanges(show.stdout), json: show.stdout, discard };
  } catch (error) {
    discard();
    throw error;
  }
}

/** The stack's outputs that are not sensitive, by name. */
export async function stackOutputs(stack: SynthesizedStack, context: StackContext): Promise<Record<string, unknown>> {
  const result = await terraform(['output', '-json'], { cwd: stack.dir, env: context.env });
  if (result.code !== 0) throw new Error(`terraform output failed in ${stack.dir}:\n${result.stderr}`);
  const outputs = JSON.parse(result.stdout || '{}') as Record<string, { sensitive: boolean; value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).filter(([, output]) => !output.sensitive).map(([name, output]) => [name, output.value]));
}

function logFile(stack: SynthesizedStack, operation: string, context: StackContext): string {
  return path.join(context.logDir, `${stack.name}.${operation}.log`);
}

/**
 * Runs a command in the stack's directory, appending everything it prints to the stack's log for this
 * operation, and resolves with that output and the exit code (one of `successCodes`). A failure names the stack, the command and the log, and
 * quotes the command's last lines.
 */
function runLogged(
  command: string,
  args: string[],
  stack: SynthesizedStack,
  operation: string,
  context: StackContext,
  successCodes: readonly number[] = [0],
): Promise<{ output: string; code: number }> {
  fs.mkdirSync(context.logDir, { recursive: true });
  const file = logFile(stack, operation, context);
  fs.appendFileSync(file, `$ ${path.basename(command)} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    // In this process's group, so Ctrl-C reaches Terraform too: it then stops cleanly and releases its lock.
    const child = spawn(command, args, { cwd: stack.dir, env: context.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk;
      fs.appendFileSync(file, chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    // Terraform takes SIGTERM as an interrupt: it stops its providers, writes its state and unlocks.
    const timer = setTimeout(() => child.kill('SIGTERM'), COMMAND_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${stack.name}: could not run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== null && successCodes.includes(code)) return resolve({ output, code });
      const tail = lastLines(output, 25);
      reject(new Error(`${stack.name}: ${path.basename(command)} ${args[0]} ${signal ? `stopped by ${signal}` : `exited ${code}`}; full output in ${file}\n${tail}`));
    });
  });
}

/** The last lines of a command's output, without the blank ones. */
function lastLines(output: string, count: number): string {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => `  ${line}`)
    .join('\n');
}
