import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { environments } from '../environments';
import { affectedEnvironments, classifyPath, realEnvironments } from '../operations/affected-environments';

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

  it('fails with exit 1 naming a ref it cannot find, and prints no list', async () => {
    const failure = await run(['--base', 'origin/nowhere']).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect((failure as { stderr: string }).stderr).toMatch(/^affected failed: no commit "origin\/nowhere"/);
  });
});
