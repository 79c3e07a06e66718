// npm run affected -- --base <git-ref>
// Which real environments a change since <git-ref> (from the merge base, as a pull request sees it) can
// affect, as a JSON array on stdout, e.g. ["prod"] or [] — the matrix the pull-request workflow plans. An
// environment's own file affects it alone, shared source every real environment, docs and tests none; each
// changed file and the reason for its verdict go to stderr. Exit 0 with the list; 2 on wrong usage; 1 when
// git cannot tell what changed (an unknown ref, or a shallow clone without the merge base).
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { affectedEnvironments, changedFilesSince, classifyPath } from '../operations/affected-environments';
import { parseArguments, runScript, UsageError } from '../lib/cli';

const USAGE = 'usage: npm run --silent affected -- --base <git-ref>';

function main(argv: string[]): number {
  const {
    values: { base },
  } = parseArguments(USAGE, () => parseArgs({ args: argv, strict: true, allowPositionals: false, options: { base: { type: 'string' } } }));
  if (!base) throw new UsageError(`--base is missing\n${USAGE}`);

  const files = changedFilesSince(base);
  for (const file of files) {
    const impact = classifyPath(file, environments);
    console.error(`${file}: ${impact.scope === 'one' ? impact.environment : impact.scope} (${impact.reason})`);
  }
  const affected = affectedEnvironments(files, environments);
  console.error(`${files.length} changed files since ${base}; environments to plan: ${affected.join(', ') || 'none'}`);
  process.stdout.write(`${JSON.stringify(affected)}\n`);
  return 0;
}

void runScript('affected', () => main(process.argv.slice(2)));
