import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SynthesizedStack } from './environment-stacks';
import { planChanges, type PlanChanges } from './plan-changes';
import { terraform } from './terraform-cli';

/** How Groundwork's scripts run Terraform and the cdktf CLI on one synthesized stack. */
export interface StackContext {
  /** The synthesized output the stacks are in (cdktf's `--output`). */
  readonly outdir: string;
  /** Environment of every command: credentials, the Terraform CLI config. */
  readonly env: NodeJS.ProcessEnv;
  /** Where each command's full output is kept, one file per stack and operation. */
  readonly logDir: string;
}

/** The project root: the cdktf CLI runs here, where cdktf.json is. */
const PROJECT_ROOT = path.resolve(__dirname, '..');
const CDKTF = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'cdktf');
/** Every command may take this long before it is stopped: the provider's own waits are minutes at most. */
const COMMAND_TIMEOUT_MS = 1_800_000;

/**
 * The cdktf CLI runs Terraform without a lock timeout, so an apply would fail at once on a lock another
 * operator's apply or import holds for a moment; it waits this long instead (Terraform reads these
 * variables for each of its commands).
 */
const WAIT_FOR_LOCK: NodeJS.ProcessEnv = { TF_CLI_ARGS_plan: '-lock-timeout=300s', TF_CLI_ARGS_apply: '-lock-timeout=300s', TF_CLI_ARGS_destroy: '-lock-timeout=300s' };

/** Inits run one at a time: two that install the provider into the shared plugin cache at once collide. */
let initQueue: Promise<unknown> = Promise.resolve();

/**
 * `terraform init` against the stack's backend as synthesized now. `-reconfigure` because a backend that
 * moved (an emulator on a new port) is a new backend, not a state to migrate.
 */
export function initStack(stack: SynthesizedStack, context: StackContext): Promise<void> {
  const init = initQueue.then(() => runLogged('terraform', ['init', '-input=false', '-reconfigure', '-no-color'], stack, 'init', context));
  initQueue = init.catch(() => undefined);
  return init.then(() => undefined);
}

export interface DeployResult {
  readonly added: number;
  readonly changed: number;
  readonly destroyed: number;
}

/**
 * Applies one stack through the cdktf CLI (`cdktf deploy`, which runs Terraform), from the output already
 * synthesized. The caller applies stacks in dependency order, one stack per call.
 */
export async function deployStack(stack: SynthesizedStack, context: StackContext): Promise<DeployResult> {
  await initStack(stack, context);
  const { output } = await runLogged(CDKTF, cdktfArgs('deploy', stack, context), stack, 'deploy', context, [0], WAIT_FOR_LOCK);
  const counts = /Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(output);
  if (counts) return { added: Number(counts[1]), changed: Number(counts[2]), destroyed: Number(counts[3]) };
  // cdktf says so when Terraform found nothing to do.
  if (/No changes/.test(output)) return { added: 0, changed: 0, destroyed: 0 };
  throw new Error(`cdktf deploy ${stack.name} exited 0 without Terraform's summary; see ${logFile(stack, 'deploy', context)}`);
}

/** Destroys one stack through the cdktf CLI. The caller destroys dependents first. */
export async function destroyStack(stack: SynthesizedStack, context: StackContext): Promise<void> {
  await initStack(stack, context);
  await runLogged(CDKTF, cdktfArgs('destroy', stack, context), stack, 'destroy', context, [0], WAIT_FOR_LOCK);
}

function cdktfArgs(command: 'deploy' | 'destroy', stack: SynthesizedStack, context: StackContext): string[] {
  return [
    command,
    stack.name,
    '--output', path.resolve(context.outdir),
    '--skip-synth',
    // It would lock providers against the public registry; the lock file comes from `terraform init`.
    '--skip-provider-lock',
    '--auto-approve',
    // The caller orders the stacks; each call names one.
    '--ignore-missing-stack-dependencies',
    '--no-color',
  ];
}

/** Plans one stack (refreshing from the real resources) and returns what would change. */
export async function planStack(stack: SynthesizedStack, context: StackContext): Promise<PlanChanges> {
  await initStack(stack, context);
  const planFile = path.join(stack.dir, 'groundwork.tfplan');
  try {
    // -detailed-exitcode: 0 means nothing to change, so the plan file need not be read at all.
    // -lock=false: a plan that is never applied (a PR's diff, drift) neither waits for an apply's lock
    // nor holds one that an apply would then fail on; S3 serves it the state whole, before or after.
    const { code } = await runLogged('terraform', ['plan', '-input=false', '-no-color', '-lock=false', '-detailed-exitcode', `-out=${planFile}`], stack, 'plan', context, [0, 2]);
    if (code === 0) return { resources: [], outputs: [] };
    const show = await terraform(['show', '-json', planFile], { cwd: stack.dir, env: context.env, timeoutMs: COMMAND_TIMEOUT_MS });
    if (show.code !== 0) throw new Error(`terraform show failed in ${stack.dir}:\n${show.stderr}`);
    return planChanges(show.stdout);
  } finally {
    // A plan file holds the state's values; it is not left lying around.
    fs.rmSync(planFile, { force: true });
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
 * Runs a command in the stack's directory (cdktf in the project's), appending everything it prints to the stack's log for this
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
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ output: string; code: number }> {
  fs.mkdirSync(context.logDir, { recursive: true });
  const file = logFile(stack, operation, context);
  fs.appendFileSync(file, `$ ${path.basename(command)} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    // In this process's group, so Ctrl-C reaches Terraform too: it then stops cleanly and releases its lock.
    const child = spawn(command, args, { cwd: command === CDKTF ? PROJECT_ROOT : stack.dir, env: { ...context.env, ...extraEnv, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
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
