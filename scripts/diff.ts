// npm run diff -- --env <name> [--stack <stack>] [--json <file>] [--out <file>]
// npm run diff -- --merge <record...> [--json <file>] [--out <file>]
// What applying the code would change in every stack of one environment (or in one stack, for one runner
// per stack), as one Markdown summary (stdout, and --out): per stack the counts to add, change and
// destroy, the resources behind them, and a warning for every stateful resource replaced or destroyed.
// --json writes the change-set record: per stack the actions and the names of changed attributes, never
// values, with a fingerprint; `npm run deploy -- --reviewed <record>` applies exactly that. --merge joins
// the records of one environment's stacks, planned on separate runners, into the summary and record a
// single run writes, byte for byte. Exit 0: no changes; 2: changes (as `terraform plan
// -detailed-exitcode`); 1: a plan could not be made (the summary says which, and is still written); 2 as
// well, with no summary, on an unknown environment or stack or wrong usage, as every script exits on
// those: the workflows take 2 as "changes" only when the summary was written.
import { parseArgs } from 'node:util';
import { parseArguments, runScript, UsageError } from '../lib/cli';
import { mergeChangeSets, readChangeSet, stackDiffs, writeWhole, type ChangeSetFile } from '../operations/change-sets';
import { diffSummary, isClean } from '../operations/diff-summary';
import { planRecord } from '../operations/environment-operations';
import { prepareEnvironment } from '../operations/environment-target';

const USAGE = 'usage: npm run diff -- --env <name> [--stack <stack>] [--json <file>] [--out <file>]\n       npm run diff -- --merge <record...> [--json <file>] [--out <file>]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArguments(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: { env: { type: 'string' }, stack: { type: 'string' }, merge: { type: 'boolean', default: false }, json: { type: 'string' }, out: { type: 'string' } },
    }),
  );
  if (values.merge) {
    if (values.env || values.stack) throw new UsageError(`--merge takes records, not --env or --stack\n${USAGE}`);
    if (positionals.length === 0) throw new UsageError(`--merge needs the records to merge\n${USAGE}`);
    return report(mergeChangeSets(positionals.map(readChangeSet), positionals), values);
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}\n${USAGE}`);
  if (!values.env) throw new UsageError(`--env is missing\n${USAGE}`);
  // Progress goes to stderr, so stdout is the summary alone.
  const log = (line: string) => console.error(line);
  const target = await prepareEnvironment(values.env, log);
  try {
    if (values.stack !== undefined && !target.stacks.some((stack) => stack.name === values.stack)) {
      throw new UsageError(`${target.name} has no stack "${values.stack}"; its stacks: ${target.stacks.map((stack) => stack.name).join(', ')}`);
    }
    const what = values.stack ?? `${target.stacks.length} stacks of ${target.name}`;
    log(`Planning ${what} (AWS provider from ${target.providerSource}; logs in ${target.context.logDir}):`);
    return report(await planRecord(target, log, { only: values.stack }), values);
  } finally {
    await target.close();
  }
}

/** Writes the record and the summary, and says by the exit code what they hold. */
function report(record: ChangeSetFile, files: { json?: string; out?: string }): number {
  const diffs = stackDiffs(record);
  const summary = diffSummary(record.environment, diffs, record.revision);
  if (files.json) writeWhole(files.json, `${JSON.stringify(record, null, 2)}\n`);
  if (files.out) writeWhole(files.out, summary);
  process.stdout.write(summary);
  if (diffs.some((diff) => diff.status !== 'planned')) return 1;
  return isClean(diffs) ? 0 : 2;
}

void runScript('diff', () => main(process.argv.slice(2)));
