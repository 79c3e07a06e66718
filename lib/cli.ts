// What every command-line entry point shares: how a script ends (runScript), what counts as a usage
// mistake (UsageError), and the synth command itself (runSynth, for main.ts).
// Every script imports this file, and most never synthesize: the synthesizer (cdktf and every provider
// class, about 0.7 s) and the environment loader (zod) are loaded only when runSynth runs.
import type { StackSummary } from './synthesize';

/**
 * A mistake in how a script was called: an unknown flag or environment, a required flag missing. The
 * script exits 2 (see {@link runScript}) with the message, which says what to type instead.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Runs a script's `main` and turns its outcome into the exit code: main's number (none leaves the code as
 * it is), 2 after a UsageError, 1 after any other error. An error prints one line, never a stack:
 * `<name>: <message>` for a usage mistake, `<name> failed: <message>` otherwise.
 */
export async function runScript(name: string, main: () => number | void | Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    if (typeof code === 'number') process.exitCode = code;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    }
  }
}

/**
 * The result of `parse`, a `parseArgs` call written at the call site (so the options a script declares
 * stay readable there, and test/runbooks.test.ts can check documented flags against them). parseArgs'
 * own errors (an unknown option, a missing value, an unexpected argument) become a UsageError followed
 * by the usage.
 */
export function parseArguments<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_')) throw error;
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

export interface EnvironmentNameOptions {
  /** The flag that names the environment, for the message. @default '--env' */
  readonly flag?: string;
  /** The script's usage, printed after the message. @default - none: the list of environments alone */
  readonly usage?: string;
}

/**
 * `name`, when it names an environment of the registry: one of the registry's own keys, so `constructor`
 * or `toString`, which every object inherits, is no environment. Otherwise (or when it is missing) a
 * UsageError naming the flag and listing the environments.
 */
export function environmentName(registry: object, name: string | undefined, options: EnvironmentNameOptions = {}): string {
  if (name && Object.hasOwn(registry, name)) return name;
  const flag = options.flag ?? '--env';
  const problem = name ? `${flag}: no environment "${name}"` : `${flag} is missing`;
  throw new UsageError([`${problem}; environments: ${Object.keys(registry).join(', ')}`, ...(options.usage ? [options.usage] : [])].join('\n'));
}

/**
 * Synthesizes every environment of the registry into `outdir` and prints a summary. Returns the exit
 * code: 1, with every configuration problem on stderr and nothing written, when the config is invalid.
 */
export function runSynth(registry: Readonly<Record<string, unknown>>, outdir: string, keepOrphanedStacks = false): number {
  const { ConfigError } = require('../environments/load') as typeof import('../environments/load');
  const { synthesize } = require('./synthesize') as typeof import('./synthesize');
  try {
    const stacks = synthesize(registry, { outdir, keepOrphanedStacks });
    process.stdout.write(formatSummary(outdir, stacks));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nNothing was written to ${outdir}.\n`);
    return 1;
  }
}

function formatSummary(outdir: string, stacks: readonly StackSummary[]): string {
  const width = Math.max(...stacks.map((s) => s.name.length), 'stack'.length);
  const column = (value: number, header: string) => String(value).padStart(header.length);
  const total = stacks.reduce((sum, s) => sum + s.resources, 0);
  return [
    `Synthesized ${stacks.length} stacks (${total} resources) into ${outdir}/`,
    `${'stack'.padEnd(width)}  resources  data  outputs`,
    ...stacks.map((s) => `${s.name.padEnd(width)}  ${column(s.resources, 'resources')}  ${column(s.dataSources, 'data')}  ${column(s.outputs, 'outputs')}`),
    '',
  ].join('\n');
}
