// How the `npm run` scripts take their arguments: an environment is one of the registry's own keys
// (`constructor` and `toString` are none), and an unknown environment or a usage mistake exits 2 with
// the environments or the usage, before anything runs or is written. And
// lib/cli's helpers that give every script that behaviour.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments } from '../environments';
import { environmentName, runScript, UsageError } from '../lib/cli';
import { tempDir } from './support/synthesized';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const SECONDS = 1000;
const ENVIRONMENTS = `environments: ${Object.keys(environments).join(', ')}`;
const FAILOVER_USAGE = 'usage: npm run failover -- --env <name> [--yes] [--detach] [--wait-for-tasks <seconds>]\n       npm run failback -- --env <name> [--yes] [--wait-for-tasks <seconds>]';
const DIFF_USAGE = 'usage: npm run diff -- --env <name> [--stack <stack>] [--json <file>] [--out <file>]\n       npm run diff -- --merge <record...> [--json <file>] [--out <file>]';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the script left in its work and output directories. */
  readonly wrote: readonly string[];
}

/** Runs `tsx scripts/<script>.ts <args>` from the project root, with work and output directories of its own. */
function script(name: string, ...args: string[]): Promise<Run> {
  const work = tempDir(`arguments-${name}`);
  const env: NodeJS.ProcessEnv = { ...process.env, GROUNDWORK_WORK_DIR: path.join(work, 'work'), CDKTF_OUTDIR: path.join(work, 'cdktf.out') };
  return new Promise((resolve, reject) => {
    // stdin is not a terminal, as in CI.
    const child = spawn(TSX, [path.join('scripts', `${name}.ts`), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60 * SECONDS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wrote = fs.readdirSync(work);
      fs.rmSync(work, { recursive: true, force: true });
      resolve({ code, stdout, stderr, wrote });
    });
  });
}

describe('the scripts that take --env', () => {
  // Each is a separate process of a second or two: run side by side.
  it.concurrent.each([
    ['bootstrap-state', ['--env', 'constructor'], 2, `bootstrap: --env: no environment "constructor"; ${ENVIRONMENTS}\nusage: npm run bootstrap -- --env <name> [--yes]\n`],
    ['deploy', ['--env', 'toString', '--yes'], 2, `deploy: --env: no environment "toString"; ${ENVIRONMENTS}\n`],
    ['diff', ['--env', 'constructor'], 2, `diff: --env: no environment "constructor"; ${ENVIRONMENTS}\n`],
    ['unlock', ['--env', 'hasOwnProperty', '--stack', 'network-dev'], 2, `unlock: --env: no environment "hasOwnProperty"; ${ENVIRONMENTS}\nusage: npm run unlock -- --env <name> --stack <component>-<env> [--yes]\n`],
    ['policy', ['--env', 'toString'], 2, expect.stringMatching(new RegExp(`^policy: --env: no environment "toString"; ${ENVIRONMENTS}\\nusage: npm run policy -- `))],
    ['failover', ['failback', '--env', 'constructor'], 2, `failback: --env: no environment "constructor"; ${ENVIRONMENTS}\n${FAILOVER_USAGE}\n`],
  ])(
    '%s %j is refused as an unknown environment, listing the environments',
    async (name, args, code, stderr) => {
      const run = await script(name, ...args);
      expect(run).toEqual({ code, stdout: '', stderr, wrote: [] });
    },
    90 * SECONDS,
  );

  it.concurrent.each([
    ['deploy', ['--env', 'dev', '--force'], 2, "deploy: Unknown option '--force'", 'usage: npm run deploy -- --env <name> [--reviewed <record>] [--yes]'],
    ['diff', [], 2, 'diff: --env is missing', DIFF_USAGE],
    ['diff', ['--merge'], 2, 'diff: --merge needs the records to merge', DIFF_USAGE],
    ['diff', ['--merge', 'a.json', '--env', 'dev'], 2, 'diff: --merge takes records, not --env or --stack', DIFF_USAGE],
    ['diff', ['--env', 'dev', 'stray'], 2, 'diff: unexpected argument stray', DIFF_USAGE],
    ['failover', ['sideways', '--env', 'prod'], 2, 'failover: expected failover or failback first, not "sideways"', FAILOVER_USAGE],
    ['failover', ['failover', '--env', 'prod', 'now'], 2, 'failover: unexpected argument now', FAILOVER_USAGE],
    ['failover', ['failover', '--env', 'prod', '--wait-for-tasks', 'soon'], 2, 'failover: --wait-for-tasks must be a whole number of seconds', FAILOVER_USAGE],
  ])(
    '%s %j is a usage mistake: the message and the usage, no stack',
    async (name, args, code, message, usage) => {
      const run = await script(name, ...args);
      expect(run.code).toBe(code);
      expect(run.stderr.startsWith(message)).toBe(true);
      expect(run.stderr.endsWith(`\n${usage}\n`)).toBe(true);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.wrote).toEqual([]);
    },
    90 * SECONDS,
  );

  it('deploy --reviewed with a file that is not a record fails before anything is synthesized, naming the file', async () => {
    const dir = tempDir('not-a-record');
    try {
      const file = path.join(dir, 'reviewed.json');
      fs.writeFileSync(file, JSON.stringify({ format: 'groundwork-change-set/1', environment: 'dev', emulator: false, stacks: [{ stack: 'network-dev' }] }));
      const run = await script('deploy', '--env', 'dev', '--reviewed', file, '--yes');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`deploy failed: ${file}: not a groundwork-change-set/1 record (from \`npm run diff -- --json\`):\n  stacks.0.`);
      expect(run.wrote).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90 * SECONDS);

  it('failover of an environment without a standby is refused before any AWS call', async () => {
    const run = await script('failover', 'failover', '--env', 'dev', '--yes');
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'failover: dev has no failover, so no standby to fail over to (README, "Region failover")\n', wrote: [] });
  }, 90 * SECONDS);

  it('diff --stack names a stack the environment has, or lists them', async () => {
    const run = await script('diff', '--env', 'dev', '--stack', 'network-prod');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^diff: dev has no stack "network-prod"; its stacks: state-dev, .*network-dev/m);
    expect(run.stdout).toBe('');
  }, 90 * SECONDS);
});

describe('the scripts that take no arguments', () => {
  it.concurrent.each([
    ['local', ['--env', 'dev'], "local: Unknown option '--env'", 'usage: npm run local   (no arguments; '],
    ['dr-drill', ['now'], "dr:drill: Unexpected argument 'now'", 'usage: npm run dr:drill   (no arguments; '],
  ])(
    '%s %j refuses it with exit 2 and the usage, before starting anything',
    async (name, args, message, usage) => {
      const run = await script(name, ...args);
      expect(run.code).toBe(2);
      expect(run.stderr.startsWith(message)).toBe(true);
      expect(run.stderr).toContain(`\n${usage}`);
      expect(run.stdout).toBe('');
      expect(run.wrote).toEqual([]);
    },
    90 * SECONDS,
  );
});

describe('lib/cli', () => {
  it('environmentName takes only the registry\'s own keys', () => {
    const registry = { dev: {}, prod: {} };
    /** What `environmentName` threw: its class and message. */
    const refusal = (name: string | undefined, options?: Parameters<typeof environmentName>[2]) => {
      try {
        return { returned: environmentName(registry, name, options) };
      } catch (error) {
        return { usageError: error instanceof UsageError, message: (error as Error).message };
      }
    };
    expect(refusal('prod')).toEqual({ returned: 'prod' });
    for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(refusal(inherited)).toEqual({ usageError: true, message: `--env: no environment "${inherited}"; environments: dev, prod` });
    }
    expect(refusal(undefined, { flag: '--to', usage: 'usage: x' })).toEqual({ usageError: true, message: '--to is missing; environments: dev, prod\nusage: x' });
  });

  describe('runScript', () => {
    let stderr: jest.SpyInstance;
    const before = process.exitCode;
    beforeEach(() => {
      stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
      process.exitCode = undefined;
    });
    afterEach(() => {
      stderr.mockRestore();
      process.exitCode = before;
    });
    const printed = () => stderr.mock.calls.map(([chunk]) => String(chunk)).join('');

    it('exits with what main returns, and leaves the code alone when it returns nothing', async () => {
      await runScript('x', () => 3);
      expect(process.exitCode).toBe(3);
      process.exitCode = 5;
      await runScript('x', async () => undefined);
      expect(process.exitCode).toBe(5);
      expect(printed()).toBe('');
    });

    it('exits 2 after a usage mistake, 1 after any other error, one line each', async () => {
      await runScript('x', () => {
        throw new UsageError('--env is missing');
      });
      expect([process.exitCode, printed()]).toEqual([2, 'x: --env is missing\n']);
      await runScript('y', async () => Promise.reject(new UsageError('--out is missing')));
      expect(process.exitCode).toBe(2);
      await runScript('z', async () => {
        throw new Error('the bucket is gone');
      });
      expect(process.exitCode).toBe(1);
      expect(printed()).toBe('x: --env is missing\ny: --out is missing\nz failed: the bucket is gone\n');
    });
  });
});
