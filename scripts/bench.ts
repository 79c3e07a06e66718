// npm run bench [-- --runs 5] [--only synth|diff|bindings]
// synth: median wall time and peak RSS of a full synth of every environment, as `npm run synth` runs it
// (the app, with the esbuild bundle reused while its inputs are unchanged), and of the app alone. Peak RSS
// is GNU time's %M over the whole command, which takes the largest of the command and the processes it
// waited for.
// diff: `npm run diff -- --env local` on the deployed local platform against Terraform's own plans of the
// same stacks at the same parallelism, side by side (scripts/bench-diff.ts); it deploys local into a moto
// of its own first, which takes minutes.
// bindings: the AWS bindings prebuilt (the package) against generated from the provider (`cdktn get`):
// install, generation, synth time and memory with each (scripts/bench-bindings.ts).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseArguments, runScript, UsageError } from '../lib/cli';
import { benchBindings } from './bench-bindings';
import { benchDiff } from './bench-diff';
import { measured, median, type Sample } from './bench-measure';

const TARGET = { wallSeconds: 1.5, rssMiB: 300 };
const USAGE = 'usage: npm run bench [-- --runs <n>] [--only synth|diff|bindings]';
const PARTS = ['synth', 'diff', 'bindings'];

function measure(command: string, outdir: string): Sample {
  fs.rmSync(outdir, { recursive: true, force: true });
  return measured('sh', ['-c', command], { env: { ...process.env, CDKTF_OUTDIR: outdir } });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArguments(USAGE, () => parseArgs({ args: argv, options: { runs: { type: 'string', default: '5' }, only: { type: 'string' } } }));
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs must be a whole number of runs (got "${values.runs}")\n${USAGE}`);
  if (values.only !== undefined && !PARTS.includes(values.only)) throw new UsageError(`--only takes ${PARTS.join(', ')} (got "${values.only}")\n${USAGE}`);
  const wanted = (part: string) => values.only === undefined || values.only === part;
  const synthOk = !wanted('synth') || benchSynth(runs);
  // Plans take a minute or more each: three of each side are enough for a median.
  const diffOk = !wanted('diff') || (await benchDiff(Math.min(runs, 3)));
  const bindingsOk = !wanted('bindings') || (await benchBindings(runs));
  return synthOk && diffOk && bindingsOk ? 0 : 1;
}

function benchSynth(runs: number): boolean {
  const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-bench-')), 'cdktf.out');
  const cases: [string, string][] = [
    ['npm run synth (bundle reused + app)', 'node scripts/synth.mjs'],
    ['app only (node dist/main.js)', 'node dist/main.js'],
  ];
  measure(cases[0][1], outdir); // warm the file cache and build dist/ once

  console.log(`${runs} runs each on ${os.cpus().length} cores, node ${process.version}`);
  console.log('what                              median wall   min    max   peak RSS (median)');
  let withinTarget = true;
  for (const [name, command] of cases) {
    const samples = Array.from({ length: runs }, () => measure(command, outdir));
    const walls = samples.map((s) => s.wallSeconds);
    const wall = median(walls);
    const rss = median(samples.map((s) => s.rssMiB));
    console.log(`${name.padEnd(32)}  ${wall.toFixed(2).padStart(9)} s  ${Math.min(...walls).toFixed(2)}  ${Math.max(...walls).toFixed(2)}  ${rss.toFixed(0).padStart(6)} MiB`);
    if (command === cases[0][1]) withinTarget = wall < TARGET.wallSeconds && rss < TARGET.rssMiB;
  }
  const stacks = Object.keys(JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')).stacks).length;
  console.log(`(${stacks} stacks per synth; target for a full synth: median under ${TARGET.wallSeconds} s and ${TARGET.rssMiB} MiB)`);
  fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  if (!withinTarget) console.log('OVER TARGET');
  return withinTarget;
}

void runScript('bench', () => main(process.argv.slice(2)));
