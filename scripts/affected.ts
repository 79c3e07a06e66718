// npm run --silent affected -- (--base <git-ref> | --all) [--stacks [--synthesized <dir>]]
// npm run --silent affected -- --base <git-ref> --emulator-tests
// Which real environments a change since <git-ref> (from the merge base, as a pull request sees it) can
// affect, as a JSON array on stdout, e.g. ["prod"] or [] — the environments the workflows plan; --all
// names every real environment (the nightly drift run) without asking git. An environment's own file
// affects it alone, shared source every real environment, docs and tests none; each changed file and the
// reason for its verdict go to stderr. With --stacks it prints the matrix instead: every stack of those
// environments, [{"environment":"prod","stack":"network-prod"}, ...], each environment's in dependency
// order, read from a synthesis of the checked-out code (written to CDKTF_OUTDIR, default cdktf.out, as
// `npm run synth` does; --synthesized <dir> reads an existing one instead). With --emulator-tests it prints
// true or false: whether the change touches what the emulator suites exercise. Exit 0 with the list; 2 on
// wrong usage; 1 when git cannot tell what changed (an unknown ref, or a shallow clone without the merge
// base) or the synthesis fails.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { environments } from '../environments';
import { affectedEnvironments, changedFilesSince, classifyPath, needsEmulatorTests, realEnvironments, stackLegs } from '../operations/affected-environments';
import { parseArguments, runScript, UsageError } from '../lib/cli';

const USAGE = [
  'usage: npm run --silent affected -- (--base <git-ref> | --all) [--stacks [--synthesized <dir>]]',
  '       npm run --silent affected -- --base <git-ref> --emulator-tests',
].join('\n');

async function main(argv: string[]): Promise<number> {
  const { values } = parseArguments(USAGE, () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        base: { type: 'string' },
        all: { type: 'boolean', default: false },
        stacks: { type: 'boolean', default: false },
        synthesized: { type: 'string' },
        'emulator-tests': { type: 'boolean', default: false },
      },
    }),
  );
  const { base, all, stacks, synthesized } = values;
  if (!base === !all) throw new UsageError(`give exactly one of --base and --all\n${USAGE}`);
  if (synthesized !== undefined && !stacks) throw new UsageError(`--synthesized goes with --stacks\n${USAGE}`);
  if (values['emulator-tests'] && (stacks || !base)) throw new UsageError(`--emulator-tests goes with --base alone\n${USAGE}`);

  let affected: string[];
  if (base) {
    const files = changedFilesSince(base);
    if (values['emulator-tests']) {
      const needed = needsEmulatorTests(files);
      console.error(`${files.length} changed files since ${base}; emulator suites: ${needed ? 'run' : 'not needed'}`);
      process.stdout.write(`${JSON.stringify(needed)}\n`);
      return 0;
    }
    for (const file of files) {
      const impact = classifyPath(file, environments);
      console.error(`${file}: ${impact.scope === 'one' ? impact.environment : impact.scope} (${impact.reason})`);
    }
    affected = affectedEnvironments(files, environments);
    console.error(`${files.length} changed files since ${base}; environments to plan: ${affected.join(', ') || 'none'}`);
  } else {
    affected = realEnvironments(environments);
  }
  if (!stacks) {
    process.stdout.write(`${JSON.stringify(affected)}\n`);
    return 0;
  }
  let outdir = synthesized === undefined ? undefined : path.resolve(synthesized);
  if (outdir === undefined && affected.length > 0) {
    outdir = path.resolve(process.env.CDKTF_OUTDIR || 'cdktf.out');
    // Loaded only here: the synthesizer costs about a second to load.
    const { synthesize } = await import('../lib/synthesize');
    synthesize(environments, { outdir });
  }
  const legs = outdir === undefined ? [] : stackLegs(outdir, affected);
  console.error(`stacks to plan: ${legs.map((leg) => leg.stack).join(', ') || 'none'}`);
  process.stdout.write(`${JSON.stringify(legs)}\n`);
  return 0;
}

void runScript('affected', () => main(process.argv.slice(2)));
