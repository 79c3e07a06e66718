import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { environments } from '../environments';
import { affectedEnvironments, classifyPath, needsEmulatorTests, realEnvironments, stackLegs } from '../operations/affected-environments';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

// The shape of the real registry, without loading it: three real environments and an emulator one.
const registry = { dev: {}, staging: {}, prod: {}, local: { emulator: { endpoint: 'http://127.0.0.1:5000' } } };
const ALL = ['dev', 'staging', 'prod'];

describe('affectedEnvironments', () => {
  it.each([
    [['environments/prod.ts'], ['prod']],
    [['environments/staging.ts', 'environments/dev.ts'], ['dev', 'staging']],
    [['environments/local.ts'], []],
    [['environments/local.ts', 'environments/prod.ts'], ['prod']],
  ])('an environment file affects that environment alone, an emulator one none: %j -> %j', (files, expected) => {
    expect(affectedEnvironments(files, registry)).toEqual(expected);
  });

  it.each([
    'constructs/encryption-key.ts',
    'stacks/data-stack.ts',
    'lib/synthesize.ts',
    'lambda/rotation-protocol.ts',
    'policy/rules/common.ts',
    'main.ts',
    'environments/schema.ts',
    'environments/index.ts',
    'environments/rules.ts',
    'package.json',
    'package-lock.json',
    'cdktf.json',
    'tsconfig.json',
    'scripts/synth.mjs',
  ])('shared source %s affects every real environment, never local', (file) => {
    expect(affectedEnvironments([file], registry)).toEqual(ALL);
  });

  it.each(['docs/ci.md', 'docs/runbooks/deploy.md', 'test/synth.test.ts', 'test/__snapshots__/snapshots.test.ts.snap', 'README.md', '.github/workflows/deploy.yml', '.ci/run', 'jest.config.js'])(
    '%s affects none',
    (file) => {
      expect(affectedEnvironments([file], registry)).toEqual([]);
    },
  );

  it('treats an unknown path as affecting everything, and says so', () => {
    expect(affectedEnvironments(['Makefile'], registry)).toEqual(ALL);
    expect(classifyPath('Makefile', registry)).toEqual({ scope: 'all', reason: expect.stringContaining('not a known kind of path') });
  });

  it('does not take a look-alike of an environment file for one', () => {
    // Not registered, or not directly in environments/: shared code, so everything.
    expect(affectedEnvironments(['environments/qa.ts'], registry)).toEqual(ALL);
    expect(affectedEnvironments(['environments/prod/extra.ts'], registry)).toEqual(ALL);
    expect(affectedEnvironments(['docs/environments/prod.ts'], registry)).toEqual([]);
    // A name that is a property of every object, not an environment.
    expect(affectedEnvironments(['environments/constructor.ts'], registry)).toEqual(ALL);
  });

  it('lets one shared file outweigh any number of environment files and docs', () => {
    expect(affectedEnvironments(['docs/ci.md', 'environments/prod.ts', 'lib/ipv4.ts', 'test/x.test.ts'], registry)).toEqual(ALL);
  });

  it('affects nothing when nothing changed', () => {
    expect(affectedEnvironments([], registry)).toEqual([]);
  });

  it('reads real environments from the shipped registry: every one without an emulator', () => {
    expect(realEnvironments(environments)).toEqual(ALL);
    expect(affectedEnvironments(['lib/ipv4.ts'], environments)).toEqual(ALL);
    expect(affectedEnvironments(['environments/local.ts'], environments)).toEqual([]);
  });
});

describe('needsEmulatorTests', () => {
  it.each([
    'stacks/data-stack.ts',
    'constructs/encryption-key.ts',
    'scripts/local.ts',
    'operations/moto.ts',
    'lib/synthesize.ts',
    'lambda/rotation-protocol.ts',
    'environments/local.ts',
    'package-lock.json',
    'test/e2e/local-platform.test.ts',
    'test/state-lock.test.ts',
    'test/support/isolate-environment.ts',
  ])('%s runs the emulator suites', (file) => {
    expect(needsEmulatorTests(['docs/ci.md', file])).toBe(true);
  });

  it.each(['environments/prod.ts', 'environments/schema.ts', 'policy/rules/common.ts', 'docs/ci.md', 'README.md', 'test/github.test.ts', '.github/workflows/drift.yml', 'main.ts'])(
    '%s alone does not',
    (file) => {
      expect(needsEmulatorTests([file])).toBe(false);
    },
  );

  it('nothing changed: nothing to run', () => {
    expect(needsEmulatorTests([])).toBe(false);
  });
});

/** A synthesized output's manifest holding `stacks` (name: dependencies), as cdktf writes it. */
function writeManifest(dir: string, stacks: Record<string, string[]>): void {
  const manifest = { stacks: Object.fromEntries(Object.entries(stacks).map(([name, dependencies]) => [name, { name, workingDirectory: `stacks/${name}`, dependencies }])) };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
}

const SYNTHESIZED = {
  'state-dev': [],
  'network-dev': ['state-dev'],
  'service-dev': ['network-dev', 'state-dev'],
  'state-prod': [],
  'network-prod': ['state-prod'],
  'cluster-prod': ['network-prod', 'state-prod'],
  'gitops-prod': ['cluster-prod'],
  'state-local': [],
  'network-local': ['state-local'],
};

describe('stackLegs', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-legs-'));
    writeManifest(outdir, SYNTHESIZED);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it("lists each environment's synthesized stacks, dependencies first: what exists is the config's, not a fixed list", () => {
    expect(stackLegs(outdir, ['dev', 'prod'])).toEqual([
      { environment: 'dev', stack: 'state-dev' },
      { environment: 'dev', stack: 'network-dev' },
      { environment: 'dev', stack: 'service-dev' },
      { environment: 'prod', stack: 'state-prod' },
      { environment: 'prod', stack: 'network-prod' },
      { environment: 'prod', stack: 'cluster-prod' },
      { environment: 'prod', stack: 'gitops-prod' },
    ]);
  });

  it('is empty for no environment, and fails for one the output does not hold', () => {
    expect(stackLegs(outdir, [])).toEqual([]);
    expect(() => stackLegs(outdir, ['staging'])).toThrow(/holds no stack of environment "staging"/);
  });
});

describe('npm run affected', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
  };
  const run = (args: string[]) => promisify(execFile)(TSX, [path.join(ROOT, 'scripts', 'affected.ts'), ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'groundwork-affected-'));
    git('init', '--quiet', '--initial-branch=main');
    write('lib/shared.ts', 'export const a = 1;\n');
    write('environments/prod.ts', 'export const prod = 1;\n');
    git('add', '.');
    git('commit', '--quiet', '-m', 'base');
    git('checkout', '--quiet', '-b', 'feature');
    write('environments/prod.ts', 'export const prod = 2;\n');
    write('docs/note.md', 'why\n');
    git('add', '.');
    git('commit', '--quiet', '-m', 'change prod');
    // main moves on after the branch point: a shared change the pull request does not contain.
    git('checkout', '--quiet', 'main');
    write('lib/shared.ts', 'export const a = 2;\n');
    git('commit', '--quiet', '-am', 'shared change on main');
    git('checkout', '--quiet', 'feature');
  });

  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('prints what the branch changed since its merge base with --base, as a JSON array, and exits 0', async () => {
    const { stdout, stderr } = await run(['--base', 'main']);
    // Not the lib/ change that landed on main after the branch point.
    expect(JSON.parse(stdout)).toEqual(['prod']);
    expect(stderr).toContain('environments/prod.ts: prod');
    expect(stderr).toContain('docs/note.md: none');
    expect(stderr).not.toContain('lib/shared.ts');
  });

  it('counts a file moved out of shared code as a change to shared code', async () => {
    git('checkout', '--quiet', '-b', 'moved', 'main~1');
    fs.mkdirSync(path.join(repo, 'docs'), { recursive: true });
    git('mv', 'lib/shared.ts', 'docs/shared.md');
    git('commit', '--quiet', '-m', 'move');
    try {
      const { stdout } = await run(['--base', 'main']);
      expect(JSON.parse(stdout)).toEqual(['dev', 'staging', 'prod']);
    } finally {
      git('checkout', '--quiet', 'feature');
    }
  });

  it('--stacks prints the matrix: every stack of each affected environment, from the synthesized output', async () => {
    const outdir = path.join(repo, '..', `${path.basename(repo)}-out`);
    writeManifest(outdir, SYNTHESIZED);
    try {
      const { stdout, stderr } = await run(['--base', 'main', '--stacks', '--synthesized', outdir]);
      expect(JSON.parse(stdout)).toEqual([
        { environment: 'prod', stack: 'state-prod' },
        { environment: 'prod', stack: 'network-prod' },
        { environment: 'prod', stack: 'cluster-prod' },
        { environment: 'prod', stack: 'gitops-prod' },
      ]);
      expect(stderr).toContain('stacks to plan: state-prod, network-prod, cluster-prod, gitops-prod');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('--all names every real environment without asking git', async () => {
    const { stdout } = await run(['--all']);
    expect(JSON.parse(stdout)).toEqual(['dev', 'staging', 'prod']);
  });

  it('--emulator-tests says whether the change touches what the emulator suites exercise', async () => {
    // environments/prod.ts and docs/: no.
    expect(JSON.parse((await run(['--base', 'main', '--emulator-tests'])).stdout)).toBe(false);
    git('checkout', '--quiet', '-b', 'emulator', 'feature');
    write('lib/shared.ts', 'export const a = 3;\n');
    git('commit', '--quiet', '-am', 'shared change');
    try {
      expect(JSON.parse((await run(['--base', 'main', '--emulator-tests'])).stdout)).toBe(true);
    } finally {
      git('checkout', '--quiet', 'feature');
    }
  });

  it.each([
    [[], /give exactly one of --base and --all/],
    [['--base', 'main', '--all'], /give exactly one of --base and --all/],
    [['--all', '--synthesized', 'x'], /--synthesized goes with --stacks/],
    [['--all', '--emulator-tests'], /--emulator-tests goes with --base alone/],
  ])('exits 2 on wrong usage %j, printing no list', async (args, message) => {
    const failure = await run(args).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2, stdout: '' });
    expect((failure as { stderr: string }).stderr).toMatch(message);
  });

  it('fails with exit 1 naming a ref it cannot find, and prints no list', async () => {
    const failure = await run(['--base', 'origin/nowhere']).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect((failure as { stderr: string }).stderr).toMatch(/^affected failed: no commit "origin\/nowhere"/);
  });
});
