// npm run unlock -- --env <name> --stack <stack> [--yes]
// Shows who holds a stack's state lock and, once confirmed, removes it (`terraform force-unlock`). For a
// lock left by a run that no longer exists (killed, lost machine); see docs/state-locking.md. Exit 0 when
// unlocked or when no lock is held; 2 when the environment or stack is unknown (naming the valid ones) or
// the usage is wrong; 1 on any other failure, saying what failed and where.
import * as path from 'node:path';
import * as readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { environmentName, parseArguments, runScript, UsageError } from '../lib/cli';
import { environmentStacks } from '../operations/environment-stacks';
import { WORK_DIR } from '../operations/local-environment';
import { emulatorCredentials } from '../operations/moto';
import { forceUnlockStack, lockLocation, readStateLock, stackBackend, type StateLock } from '../operations/state-lock';
import { synthesize } from '../lib/synthesize';
import { requireTerraform, scriptTerraformEnv } from '../operations/terraform-cli';

const USAGE = 'usage: npm run unlock -- --env <name> --stack <component>-<env> [--yes]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArguments(USAGE, () =>
    parseArgs({ args: argv, strict: true, allowPositionals: false, options: { env: { type: 'string' }, stack: { type: 'string' }, yes: { type: 'boolean', default: false } } }),
  );
  const name = environmentName(environments, values.env, { usage: USAGE });
  if (!values.stack) throw new UsageError(`--stack is missing\n${USAGE}`);
  requireTerraform();

  const outdir = outputDirectory();
  synthesize(environments, { outdir });
  const stacks = environmentStacks(outdir, name).map((stack) => stack.name);
  if (!stacks.includes(values.stack)) throw new UsageError(`${name} has no stack "${values.stack}"; its stacks: ${stacks.join(', ')}`);
  const stack = values.stack;

  const { env, providerSource } = scriptTerraformEnv(WORK_DIR);
  const config = environments[name as keyof typeof environments];
  const credentials = 'emulator' in config && config.emulator && !env.AWS_ACCESS_KEY_ID ? emulatorCredentials(config.accountId) : {};
  const terraformEnv = { ...env, ...credentials };
  const backend = stackBackend(outdir, stack);

  const lock = await readStateLock(backend, terraformEnv);
  if (!lock) {
    console.log(`${stack}: no lock held (${lockLocation(backend)} does not exist); nothing to do.`);
    return 0;
  }
  console.log(describeLock(stack, lock, lockLocation(backend)));

  if (!values.yes) {
    if (!process.stdin.isTTY) {
      console.error(`${stack}: not unlocked; nothing was changed. There is no terminal to confirm on: re-run with --yes once you are sure the holder is gone.`);
      return 1;
    }
    const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
    const answer = await prompt.question(`Remove this lock? Only when that run is no longer running: a live one would then write its state unlocked. Only 'yes' is accepted: `);
    prompt.close();
    if (answer.trim() !== 'yes') {
      console.error(`${stack}: not unlocked; nothing was changed.`);
      return 1;
    }
  }

  console.log(`AWS provider from ${providerSource}.`);
  await forceUnlockStack(backend, lock.ID, { env: terraformEnv, log: console.log });
  console.log(`${stack}: unlocked; lock ${lock.ID} is gone from ${lockLocation(backend)}.`);
  return 0;
}

/**
 * Where to synthesize: CDKTF_OUTDIR or `cdktf.out`. Synthesis replaces that directory whole, so it must
 * never be this directory or one holding it.
 */
function outputDirectory(): string {
  const outdir = path.resolve(process.env.CDKTF_OUTDIR || 'cdktf.out');
  const relative = path.relative(outdir, process.cwd());
  const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
  if (!outside) throw new Error(`CDKTF_OUTDIR (${outdir}) would replace the directory this runs in; point it elsewhere`);
  return outdir;
}

function describeLock(stack: string, lock: StateLock, location: string): string {
  const created = new Date(lock.Created);
  const age = Number.isNaN(created.getTime()) ? '' : ` (${formatAge(Date.now() - created.getTime())} ago)`;
  return [
    `${stack}: its state is locked.`,
    `  held by:    ${lock.Who || '(unknown)'}`,
    `  operation:  ${lock.Operation || '(none recorded)'}${lock.Info ? ` (${lock.Info})` : ''}`,
    `  since:      ${lock.Created || '(unknown)'}${age}`,
    `  lock id:    ${lock.ID}`,
    `  terraform:  ${lock.Version || '(unknown)'}`,
    `  state:      ${lock.Path}`,
    `  lock file:  ${location}`,
  ].join('\n');
}

function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}

void runScript('unlock', () => main(process.argv.slice(2)));
