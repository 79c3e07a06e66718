// The diff's cost beyond Terraform's own: `npm run diff -- --env local` on the deployed local platform,
// against `terraform plan` of the same stacks, two at a time as the diff runs them, taken in turns so all
// see the same machine. The target is the issue's: the diff within 1.15x of the plans. A third row
// adds what else the diff needs of Terraform: `terraform show -json` of each plan that has changes (the
// only source of the changed attributes' names), so the gap left between that and the diff is the
// script's own (its start, synth, inits). Part of `npm run bench`.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median } from './bench-measure';

const TARGET_RATIO = 1.15;
const ROOT = path.resolve(__dirname, '..');

/** Wall seconds of a command run to its end, and its exit code; its output is kept only to explain a failure. */
function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; success?: number[] }): Promise<{ seconds: number; code: number }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== null && (options.success ?? [0]).includes(code)) return resolve({ seconds: Number(process.hrtime.bigint() - start) / 1e9, code });
      reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.split('\n').slice(-30).join('\n')}`));
    });
  });
}

const timed = async (...args: Parameters<typeof run>) => (await run(...args)).seconds;

/** Runs the tasks at most `concurrency` at a time, in order. */
async function pool(tasks: (() => Promise<unknown>)[], concurrency: number): Promise<void> {
  const queue = [...tasks];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    for (let task = queue.shift(); task; task = queue.shift()) await task();
  }));
}


export async function benchDiff(runs: number): Promise<boolean> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-bench-diff-'));
  // The scripts' working files go here; operations/local-environment reads this when loaded, so it is loaded after.
  process.env.GROUNDWORK_WORK_DIR = workDir;
  const { startMoto } = await import('../operations/moto');
  const moto = await startMoto();
  try {
    const env = { ...process.env, AWS_ENDPOINT_URL: moto.endpoint, GROUNDWORK_WORK_DIR: workDir };
    console.log(`\nDeploying local into moto at ${moto.endpoint} to plan against (minutes)...`);
    const deploy = await timed('npm', ['run', '--silent', 'local'], { cwd: ROOT, env });
    // The first diff initializes every stack, as a user's first diff does; the runs measure the ones after.
    await timed('npm', ['run', '--silent', 'diff', '--', '--env', 'local'], { cwd: ROOT, env, success: [0, 2] });
    process.env.AWS_ENDPOINT_URL = moto.endpoint;
    const { prepareLocalEnvironment } = await import('../operations/local-environment');
    const local = await prepareLocalEnvironment({ startEmulator: false, log: () => undefined });
    const plan = ['plan', '-input=false', '-no-color', '-lock=false', '-detailed-exitcode'];
    const terraformRun = (read: boolean) =>
      pool(
        local.stacks.map((stack) => async () => {
          const options = { cwd: stack.dir, env: local.context.env, success: [0, 2] };
          if (!read) {
            await run('terraform', plan, options);
            return;
          }
          const file = path.join(workDir, `${stack.name}.tfplan`);
          // Exit 2 says the plan has changes: only then does the diff read it.
          const { code } = await run('terraform', [...plan, `-out=${file}`], options);
          if (code === 2) await run('terraform', ['show', '-json', file], { ...options, success: [0] });
          fs.rmSync(file, { force: true });
        }),
        2,
      );
    const diffs: number[] = [];
    const plans: number[] = [];
    const plansRead: number[] = [];
    for (let round = 0; round < runs; round++) {
      diffs.push(await timed('npm', ['run', '--silent', 'diff', '--', '--env', 'local'], { cwd: ROOT, env, success: [0, 2] }));
      for (const [samples, read] of [[plans, false], [plansRead, true]] as const) {
        const start = process.hrtime.bigint();
        await terraformRun(read);
        samples.push(Number(process.hrtime.bigint() - start) / 1e9);
      }
    }
    const ratio = median(diffs) / median(plans);
    console.log(`local deployed in ${deploy.toFixed(0)} s; ${runs} runs each, ${local.stacks.length} stacks, 2 at a time`);
    console.log(`${'what'.padEnd(48)}  median wall   min    max`);
    const rows = [['npm run diff -- --env local', diffs], ["Terraform's own plans", plans], ['the plans and `show -json` of those with changes', plansRead]] as const;
    for (const [name, samples] of rows) {
      console.log(`${name.padEnd(48)}  ${median(samples).toFixed(1).padStart(6)} s  ${Math.min(...samples).toFixed(1)}  ${Math.max(...samples).toFixed(1)}`);
    }
    console.log(`diff / Terraform's plans: ${ratio.toFixed(2)} (target: at most ${TARGET_RATIO})`);
    console.log(`diff / Terraform's plans and shows: ${(median(diffs) / median(plansRead)).toFixed(2)} (what remains is the script's own cost)`);
    if (ratio > TARGET_RATIO) console.log('OVER TARGET');
    return ratio <= TARGET_RATIO;
  } finally {
    await moto.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
