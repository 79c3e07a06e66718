// `npm run synth` (scripts/synth.mjs) on a copy of the project in which an environment file does not
// compile or throws while loading, or the code has a bug: what it says, its exit code, and that it
// writes nothing. Each case builds the copy's bundle, so they are few.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './support/synthesized';

const ROOT = path.resolve(__dirname, '..');
const SECONDS = 1000;

/** A project copy: what the app is built and run from, the project's node_modules linked beside it. */
interface Copy {
  readonly root: string;
  /** Where synth writes: CDKTF_OUTDIR, inside a directory of its own that exists only if synth wrote. */
  readonly outdir: string;
  /** Applies `edit` to the copy's file and returns the new text. */
  edit(file: string, edit: (text: string) => string): string;
}

const copies: string[] = [];
afterAll(() => {
  for (const root of copies) fs.rmSync(root, { recursive: true, force: true });
});

function projectCopy(): Copy {
  const root = tempDir('synth-entry');
  copies.push(root);
  // The bundle's inputs (main.ts, its sources, tsconfig.json), the scripts that build and run it, and
  // lambda/, whose functions the app bundles while it synthesizes.
  for (const entry of ['main.ts', 'tsconfig.json', 'package.json', 'scripts', 'lib', 'environments', 'stacks', 'constructs', 'lambda']) {
    fs.cpSync(path.join(ROOT, entry), path.join(root, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return {
    root,
    outdir: path.join(root, 'out', 'cdktf.out'),
    edit(file, edit) {
      const text = edit(fs.readFileSync(path.join(root, file), 'utf8'));
      fs.writeFileSync(path.join(root, file), text);
      return text;
    },
  };
}

/** Runs `node scripts/synth.mjs` in the copy, as `npm run synth` does. */
function synth(copy: Copy, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ['scripts/synth.mjs', ...args], {
    cwd: copy.root,
    env: { ...process.env, CDKTF_OUTDIR: copy.outdir },
    encoding: 'utf8',
    timeout: 60 * SECONDS,
  });
}

/** The 1-based number of the only line of `text` that contains `fragment`. */
function lineOf(text: string, fragment: string): number {
  const lines = text.split('\n');
  expect(lines.filter((line) => line.includes(fragment))).toHaveLength(1);
  return lines.findIndex((line) => line.includes(fragment)) + 1;
}

const wroteNothing = (copy: Copy) => !fs.existsSync(path.dirname(copy.outdir));
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A line of a stack trace, as Node prints one. */
const STACK_LINE = /^\s+at /m;

it('refuses any argument, before building anything', () => {
  const copy = projectCopy();
  const run = synth(copy, '--env', 'dev');
  expect(run.status).toBe(2);
  expect(run.stderr).toBe('synth: unexpected argument --env dev\nusage: npm run synth   (no arguments; CDKTF_OUTDIR names the output directory, default cdktf.out)\n');
  expect(fs.existsSync(path.join(copy.root, 'dist'))).toBe(false);
  expect(wroteNothing(copy)).toBe(true);
});

it('names an environment file that throws while loading by its own file and line, without a stack, and writes nothing', () => {
  const copy = projectCopy();
  const text = copy.edit('environments/dev.ts', (dev) => dev.replace(/cidr: '10\.10\.0\.0\/16'/, 'cidr: (undefined as unknown as { cidr: string }).cidr'));
  const line = lineOf(text, '.cidr,');

  const run = synth(copy);
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`^environments/dev\\.ts:${line}:\\d+: TypeError: Cannot read properties of undefined \\(reading 'cidr'\\)\\nNothing was written to ${escaped(copy.outdir)}\\.\\n$`));
  expect(run.stdout).toBe('');
  expect(wroteNothing(copy)).toBe(true);
});

it('names the environment files a load-time error passed through, innermost first', () => {
  const copy = projectCopy();
  const helper = "export function accountOf(name: string): string {\n  throw new Error(`no account is registered for ${name}`);\n}\n";
  fs.writeFileSync(path.join(copy.root, 'environments', 'accounts.ts'), helper);
  const text = copy.edit('environments/dev.ts', (dev) => `import { accountOf } from './accounts';\n${dev.replace("accountId: '111111111111'", "accountId: accountOf('dev')")}`);

  const run = synth(copy);
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(
    new RegExp(
      `^environments/accounts\\.ts:2:\\d+: Error: no account is registered for dev\\n  called from environments/dev\\.ts:${lineOf(text, 'accountOf(')}:\\d+\\nNothing was written to ${escaped(copy.outdir)}\\.\\n$`,
    ),
  );
  expect(wroteNothing(copy)).toBe(true);
});

it('fails on a key written twice in an environment, which tsc rejects and JavaScript accepts, and never reuses the bundle from before', () => {
  const copy = projectCopy();
  expect(spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: copy.root, encoding: 'utf8' }).status).toBe(0);
  const bundle = fs.readFileSync(path.join(copy.root, 'dist', 'main.js'));
  const text = copy.edit('environments/dev.ts', (dev) => dev.replace("  tier: 'dev',\n", "  tier: 'dev',\n  tier: 'prod',\n"));

  for (const attempt of [1, 2]) {
    const run = synth(copy);
    expect({ attempt, status: run.status }).toEqual({ attempt, status: 1 });
    expect(run.stderr).toContain('Duplicate key "tier" in object literal [duplicate-object-key]');
    expect(run.stderr).toContain(`environments/dev.ts:${lineOf(text, "tier: 'prod'")}:`);
    // The place, never the line itself: a line of an environment file may hold a value that must not be logged.
    expect(run.stderr).not.toContain("tier: 'prod'");
    expect(run.stderr).toMatch(new RegExp(`\\nNothing was written to ${escaped(copy.outdir)}\\.\\n$`));
    expect(run.stderr).not.toMatch(STACK_LINE);
  }
  expect(fs.readFileSync(path.join(copy.root, 'dist', 'main.js')).equals(bundle)).toBe(true);
  expect(wroteNothing(copy)).toBe(true);
});

it('reports a syntax error in an environment file with its file and line, and no stack', () => {
  const copy = projectCopy();
  const text = copy.edit('environments/dev.ts', (dev) => dev.replace("  tier: 'dev',\n", "  tier: 'dev'\n"));

  const run = synth(copy);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('[ERROR] Expected "}" but found "accountId"');
  expect(run.stderr).toContain(`environments/dev.ts:${lineOf(text, 'accountId:')}:`);
  expect(run.stderr).toMatch(new RegExp(`\\nNothing was written to ${escaped(copy.outdir)}\\.\\n$`));
  expect(run.stderr).not.toMatch(STACK_LINE);
  expect(run.stderr).not.toContain('esbuild/lib');
  expect(wroteNothing(copy)).toBe(true);
});

it('shows the stack of an error that is not an environment file\'s (a bug), in the TypeScript sources', () => {
  const copy = projectCopy();
  const text = copy.edit('lib/synthesize.ts', (source) => source.replace(/^(export function synthesize\(.*\{)$/m, "$1\n  if (registry) throw new TypeError('a bug in the synthesizer');"));

  const run = synth(copy);
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`^synth failed: TypeError: a bug in the synthesizer\\n    at synthesize \\(lib/synthesize\\.ts:${lineOf(text, 'a bug in the synthesizer')}:\\d+\\)\\n    at runSynth \\(lib/cli\\.ts:\\d+:\\d+\\)\\n`));
  expect(run.stderr).not.toContain('dist/main.js');
  expect(wroteNothing(copy)).toBe(true);
}, 60 * SECONDS);
