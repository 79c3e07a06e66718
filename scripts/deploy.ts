// npm run deploy -- --env <name> [--yes]
// Applies every stack of one environment through the cdktf CLI (`cdktf deploy <stack>`), each after the
// stacks it depends on. Without --yes it first shows the diff and asks for the environment's name on a
// terminal; the deploy workflow passes --yes once the environment's reviewers approved the run. A new
// environment's state backend comes first, from `npm run bootstrap -- --env <name>`. Exit 0 when
// deployed (or declined at the prompt); 2 on an unknown environment or wrong usage; 1 otherwise.
import * as readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { parseArguments, runScript, UsageError } from '../lib/cli';
import { diffSummary, isClean } from '../operations/diff-summary';
import { deployInOrder, diffEnvironment } from '../operations/environment-operations';
import { prepareEnvironment, type EnvironmentTarget } from '../operations/environment-target';
import { secondsSince } from '../operations/local-environment';

const USAGE = 'usage: npm run deploy -- --env <name> [--yes]';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArguments(USAGE, () => parseArgs({ args: argv, options: { env: { type: 'string' }, yes: { type: 'boolean', default: false } } }));
  if (!values.env) throw new UsageError(`--env is missing\n${USAGE}`);
  if (!values.yes && !process.stdin.isTTY) throw new Error('without a terminal to confirm on, pass --yes (after reviewing `npm run diff -- --env <name>`)');
  const start = Date.now();
  const target = await prepareEnvironment(values.env, console.log);
  try {
    if (!values.yes && !(await confirmed(target))) return;
    console.log(`Deploying ${target.stacks.length} stacks of ${target.name} in dependency order (AWS provider from ${target.providerSource}; logs in ${target.context.logDir}):`);
    await deployInOrder(target.stacks, target.context, console.log);
    console.log(`Deployed ${target.stacks.length} stacks of ${target.name} in ${secondsSince(start)}.`);
  } finally {
    await target.close();
  }
}

/** Shows what would change and asks for the environment's name; false when nothing would change. */
async function confirmed(target: EnvironmentTarget): Promise<boolean> {
  const diffs = await diffEnvironment(target.stacks, target.context, console.log, { emulator: target.emulator });
  console.log(`\n${diffSummary(target.name, diffs)}`);
  if (diffs.some((diff) => diff.status !== 'planned')) throw new Error('some stacks could not be planned (above); nothing was deployed');
  if (isClean(diffs)) {
    console.log(`Nothing to deploy: ${target.name} matches the code.`);
    return false;
  }
  const prompt = readline.createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await prompt.question(`Deploy these changes to ${target.name}? Type "${target.name}" to go on: `);
    if (answer.trim() === target.name) return true;
    console.log('Not deployed.');
    return false;
  } finally {
    prompt.close();
  }
}

void runScript('deploy', () => main(process.argv.slice(2)));
