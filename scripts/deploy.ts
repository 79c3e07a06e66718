// npm run deploy -- --env <name> [--reviewed <record>] [--yes]
// Applies every stack of one environment, each after the stacks it depends on, applying only what was
// reviewed: each stack is planned again into a plan file, and that file is applied only when its change
// set is the reviewed one (`--reviewed`: the record `npm run diff -- --json` wrote; without it, the plan
// shown here). A stack whose plan moved (drift, a console change, a concurrent run) is left untouched with
// its dependents, the difference is printed, and the exit is 1. Without --yes it shows the change and asks
// for the environment's name on a terminal; the deploy workflow passes --yes once the environment's
// reviewers approved the run. A new environment's state backend comes first, from `npm run bootstrap --
// --env <name>`. In staging and prod a stack's plan that would replace or destroy a graph node is applied
// only when the node's data volume has a recent recovery point (operations/recovery-point-gate.ts).
// Exit 0 when deployed (or declined at the prompt); 2 on an unknown environment or wrong usage; 1 otherwise.
import * as readline from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { parseArguments, runScript, UsageError } from '../lib/cli';
import { checkedOutRevision, readChangeSet, stackDiffs, type ChangeSetFile } from '../operations/change-sets';
import { diffSummary, isClean, type StackDiff } from '../operations/diff-summary';
import { deployReviewed, planRecord, type BeforeApply } from '../operations/environment-operations';
import { prepareEnvironment, type EnvironmentTarget } from '../operations/environment-target';
import { secondsSince } from '../operations/local-environment';
import { AwsBackupRecoveryPoints, backupStackOutputs, recoveryPointGate } from '../operations/recovery-point-gate';

const USAGE = 'usage: npm run deploy -- --env <name> [--reviewed <record>] [--yes]';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArguments(USAGE, () =>
    parseArgs({ args: argv, options: { env: { type: 'string' }, reviewed: { type: 'string' }, yes: { type: 'boolean', default: false } } }),
  );
  if (!values.env) throw new UsageError(`--env is missing\n${USAGE}`);
  if (!values.yes && !process.stdin.isTTY) throw new Error('without a terminal to confirm on, pass --yes (after reviewing `npm run diff -- --env <name>`)');
  // A record that cannot be read fails before anything is synthesized or planned.
  const given = values.reviewed === undefined ? undefined : readChangeSet(values.reviewed);
  const start = Date.now();
  const target = await prepareEnvironment(values.env, console.log);
  try {
    const reviewed = given ? checkedRecord(given, values.reviewed!, target) : await planRecord(target, console.log);
    const diffs = stackDiffs(reviewed);
    if (diffs.some((diff) => diff.status !== 'planned')) throw new Error(`some stacks could not be planned:\n${diffSummary(target.name, diffs)}\nnothing was deployed`);
    if (!values.yes && !(await confirmed(target, diffs, reviewed.revision))) return;
    console.log(`Deploying ${target.stacks.length} stacks of ${target.name} in dependency order, each only if its plan is the reviewed one (AWS provider from ${target.providerSource}; logs in ${target.context.logDir}):`);
    await deployReviewed(target.stacks, reviewed, target.context, console.log, { beforeApply: await backupGate(target) });
    console.log(`Deployed ${target.stacks.length} stacks of ${target.name} in ${secondsSince(start)}, as reviewed.`);
  } finally {
    await target.close();
  }
}

/** The check on graph nodes' recovery points before each stack's apply; none for an emulator (or a dev-tier) environment. */
async function backupGate(target: EnvironmentTarget): Promise<BeforeApply | undefined> {
  if (target.emulator) return undefined;
  const [{ environments, loadEnvironments }, { GraphSchema }] = await Promise.all([import('../environments'), import('../environments/graph-schema')]);
  const env = loadEnvironments(environments).find((candidate) => candidate.name === target.name)!;
  // Without `graph` a plan may still destroy the nodes it had: the limit is then the field's default.
  const maxRecoveryPointAgeHours = (env.graph ?? GraphSchema.parse({})).backup.maxRecoveryPointAgeHours;
  return recoveryPointGate(
    { ...env, maxRecoveryPointAgeHours },
    { recoveryPoints: new AwsBackupRecoveryPoints(), onDemandBackup: backupStackOutputs(target.stacks, target.context, target.name) },
  );
}

/** The reviewed record, once it is known to be of this environment, whole, and of the code checked out. */
function checkedRecord(record: ChangeSetFile, file: string, target: EnvironmentTarget): ChangeSetFile {
  if (record.environment !== target.name) throw new UsageError(`${file} is the reviewed change of ${record.environment}, not ${target.name}`);
  const names = target.stacks.map((stack) => stack.name);
  const missing = names.filter((name) => !record.stacks.some((entry) => entry.stack === name));
  const unknown = record.stacks.filter((entry) => !names.includes(entry.stack)).map((entry) => entry.stack);
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(
      `${file} does not review ${target.name} as the code has it: ${[missing.length > 0 ? `missing ${missing.join(', ')}` : '', unknown.length > 0 ? `no such stack ${unknown.join(', ')}` : ''].filter(Boolean).join('; ')}` +
        ' (merge every stack\'s record with `npm run diff -- --merge`, from the same commit)',
    );
  }
  const revision = checkedOutRevision();
  if (record.revision && revision && record.revision !== revision) throw new Error(`${file} was planned at ${record.revision}, but ${revision} is checked out: deploy the commit that was reviewed`);
  return record;
}

/** Shows what would change and asks for the environment's name; false when nothing would change. */
async function confirmed(target: EnvironmentTarget, diffs: readonly StackDiff[], revision: string | undefined): Promise<boolean> {
  console.log(`\n${diffSummary(target.name, diffs, revision)}`);
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
