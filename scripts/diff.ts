// npm run diff -- --env <name> [--out <file>]
// What applying the code would change in every stack of one environment, planned in dependency order, as
// one Markdown summary (stdout, and --out): per stack the counts to add, change and destroy, the resources
// behind them, and a warning for every stateful resource replaced or destroyed. The PR workflow posts it
// as a comment, the drift workflow files it as an issue. Exit 0: no changes; 2: changes (as `terraform
// plan -detailed-exitcode`); 1: a plan could not be made (the summary says which, and is still written);
// 2 as well, with no summary, on an unknown environment or wrong usage, as every script exits on those:
// the workflows take 2 as "changes" only when the summary was written.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseArguments, runScript, UsageError } from '../lib/cli';
import { diffSummary, isClean } from '../operations/diff-summary';
import { diffEnvironment } from '../operations/environment-operations';
import { prepareEnvironment } from '../operations/environment-target';

const USAGE = 'usage: npm run diff -- --env <name> [--out <file>]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArguments(USAGE, () => parseArgs({ args: argv, options: { env: { type: 'string' }, out: { type: 'string' } } }));
  if (!values.env) throw new UsageError(`--env is missing\n${USAGE}`);
  // Progress goes to stderr, so stdout is the summary alone.
  const log = (line: string) => console.error(line);
  const target = await prepareEnvironment(values.env, log);
  try {
    log(`Planning ${target.stacks.length} stacks of ${target.name} in dependency order (AWS provider from ${target.providerSource}; logs in ${target.context.logDir}):`);
    const diffs = await diffEnvironment(target.stacks, target.context, log, { emulator: target.emulator });
    const summary = diffSummary(target.name, diffs, checkedOutCommit());
    if (values.out) {
      // Written whole or not at all: a reader never finds half a summary.
      fs.mkdirSync(path.dirname(path.resolve(values.out)), { recursive: true });
      fs.writeFileSync(`${values.out}.partial`, summary);
      fs.renameSync(`${values.out}.partial`, values.out);
    }
    process.stdout.write(summary);
    if (diffs.some((diff) => diff.status !== 'planned')) return 1;
    return isClean(diffs) ? 0 : 2;
  } finally {
    await target.close();
  }
}

/** The commit checked out here (in a pull request's run, the merge commit GitHub built), when this is a git checkout. */
function checkedOutCommit(): string | undefined {
  const result = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

void runScript('diff', () => main(process.argv.slice(2)));
