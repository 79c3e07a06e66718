import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { readValue, setValue } from '../operations/environment-file';
import { isBackwards, planPromotion, writePromotion } from '../operations/promotion';
import { tempDir } from './support/synthesized';

// The command's tests each start tsx processes that load every environment (about 10 s alone, three times
// that beside the other suite on two busy cores).
jest.setTimeout(120_000);

const PROJECT = path.join(__dirname, '..');
const TSX = path.join(PROJECT, 'node_modules', '.bin', 'tsx');
const TAG = ['service', 'image', 'tag'];
const REVISION = ['gitops', 'repository', 'revision'];
/** A tag no shipped environment runs, so there is always something to promote. */
const RELEASE = '2099.01.01-abc1234';

/**
 * A copy of the project's environments to promote in: environments/ and lib/ (which the schema imports
 * from), with the project's node_modules linked beside them so zod resolves as in the project.
 */
const copies: string[] = [];
function environmentsCopy(): string {
  const root = tempDir('promote');
  copies.push(root);
  for (const dir of ['environments', 'lib']) fs.cpSync(path.join(PROJECT, dir), path.join(root, dir), { recursive: true });
  fs.symlinkSync(path.join(PROJECT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return path.join(root, 'environments');
}

function editFile(dir: string, name: string, edit: (text: string) => string): void {
  const file = path.join(dir, `${name}.ts`);
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
}

afterAll(() => {
  for (const root of copies) fs.rmSync(root, { recursive: true, force: true });
});

const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, `${name}.ts`), 'utf8');

/** An environment as the real loader resolves it, in a fresh process (this one caches modules). */
function loadedEnvironment(dir: string, name: string): Record<string, any> {
  const script = `const r = require(${JSON.stringify(path.join(dir, 'index.ts'))}); process.stdout.write(JSON.stringify(r.loadEnvironments(r.environments).find((e) => e.name === ${JSON.stringify(name)})));`;
  const child = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '--eval', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  return JSON.parse(child.stdout);
}

describe('promotion', () => {
  it('changes only the tag line of the target, keeps every comment, and a second promotion changes nothing', () => {
    const dir = environmentsCopy();
    editFile(dir, 'staging', (text) => setValue(text, TAG, RELEASE));
    const before = read(dir, 'prod');

    const plan = planPromotion({ from: 'staging', to: 'prod', environmentsDir: dir });
    expect(plan.tag).toBe(RELEASE);
    expect(plan.edits).toEqual([{ path: 'service.image.tag', from: readValue(before, TAG), to: RELEASE }]);
    expect(writePromotion(plan)).toEqual([]);

    const after = read(dir, 'prod');
    const changed = after.split('\n').filter((line, i) => line !== before.split('\n')[i]);
    expect(after.split('\n')).toHaveLength(before.split('\n').length);
    expect(changed).toEqual([`    image: { tag: '${RELEASE}', keepImages: 100 },`]);
    expect(after).toContain('      // Any second of the last 35 days; copies in the DR region are snapshots.\n');

    const again = planPromotion({ from: 'staging', to: 'prod', environmentsDir: dir });
    expect(again.edits).toEqual([]);
    expect(again.newText).toBe(after);
  });

  it('refuses a value the schema rejects and leaves the target byte for byte as it was', () => {
    const dir = environmentsCopy();
    editFile(dir, 'staging', (text) => setValue(text, TAG, 'latest'));
    const before = fs.readFileSync(path.join(dir, 'prod.ts'));

    const problems = writePromotion(planPromotion({ from: 'staging', to: 'prod', environmentsDir: dir }));
    expect(problems).toContainEqual(expect.stringMatching(/^environment schema: prod\.service\.image\.tag: may not be "latest"/));
    expect(fs.readFileSync(path.join(dir, 'prod.ts')).equals(before)).toBe(true);
  });

  it('adds a revision the source pins and the target lacks, as TypeScript the loader reads back', () => {
    const dir = environmentsCopy();
    editFile(dir, 'staging', (text) => setValue(setValue(text, TAG, RELEASE), REVISION, 'release-2099.01'));
    expect(readValue(read(dir, 'prod'), REVISION)).toBeUndefined();

    const plan = planPromotion({ from: 'staging', to: 'prod', environmentsDir: dir });
    expect(plan.edits.map((edit) => [edit.path, edit.from, edit.to])).toEqual([
      ['service.image.tag', readValue(plan.originalText, TAG), RELEASE],
      ['gitops.repository.revision', undefined, 'release-2099.01'],
    ]);
    expect(writePromotion(plan)).toEqual([]);
    expect(read(dir, 'prod')).toContain("    repository: { url: 'https://github.com/example/groundwork-apps.git', revision: 'release-2099.01' },\n");
    const prod = loadedEnvironment(dir, 'prod');
    expect(prod.gitops.repository.revision).toBe('release-2099.01');
    expect(prod.service.image.tag).toBe(RELEASE);
  });

  it("keeps the target's pinned revision when the source follows its default branch, and says so", () => {
    const dir = environmentsCopy();
    editFile(dir, 'prod', (text) => setValue(text, REVISION, 'v41'));
    const plan = planPromotion({ from: 'staging', to: 'prod', environmentsDir: dir });
    expect(plan.edits.map((edit) => edit.path)).not.toContain('gitops.repository.revision');
    expect(plan.notes).toEqual([expect.stringContaining('prod pins gitops.repository.revision to v41 and staging does not set it')]);
    expect(readValue(plan.newText, REVISION)).toBe('v41');
  });

  it('fails, naming the file and the path, when a release value is not a literal', () => {
    const dir = environmentsCopy();
    editFile(dir, 'prod', (text) => text.replace(/image: \{[^}]*\}/, 'image: releaseImage()'));
    expect(() => planPromotion({ from: 'staging', to: 'prod', environmentsDir: dir })).toThrow(/prod\.ts: service\.image: is a call `releaseImage\(\)`, not an object literal/);

    editFile(dir, 'staging', (text) => text.replace(/tag: '[^']*'/, 'tag: process.env.IMAGE_TAG!'));
    expect(() => planPromotion({ from: 'staging', to: 'prod', environmentsDir: dir })).toThrow(/staging\.ts: service\.image\.tag: is an expression `process\.env\.IMAGE_TAG!`, not a string, number or boolean literal/);
  });
});

describe('npm run promote', () => {
  const promote = (...args: string[]) => promisify(execFile)(TSX, ['scripts/promote.ts', ...args], { cwd: PROJECT, encoding: 'utf8' });
  const failure = (...args: string[]) =>
    promote(...args).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );

  it('promotes, prints the change and the commands that open the pull request', async () => {
    const dir = environmentsCopy();
    editFile(dir, 'staging', (text) => setValue(text, TAG, RELEASE));
    const previous = readValue(read(dir, 'prod'), TAG);

    const { stdout } = await promote('--dir', dir, '--from', 'staging', '--to', 'prod');
    expect(stdout).toContain(`prod.ts: service.image.tag ${previous} -> ${RELEASE}\n`);
    expect(stdout).toContain(`  git switch -c promote/prod-${RELEASE}\n`);
    expect(stdout).toMatch(new RegExp(`  git commit -m 'Promote ${RELEASE} from staging to prod' \\S*prod\\.ts\\n`));
    expect(stdout).toContain(`  git push -u origin promote/prod-${RELEASE}\n`);
    expect(stdout).toContain(`  gh pr create --base main --title 'Promote ${RELEASE} from staging to prod' --body '`);
    expect(stdout).toContain('Merging does not deploy prod');
    expect(readValue(read(dir, 'prod'), TAG)).toBe(RELEASE);

    const again = await promote('--dir', dir, '--from', 'staging', '--to', 'prod');
    expect(again.stdout).toContain(`prod already runs staging's release (service.image.tag ${RELEASE})`);
  });

  it('refuses, as usage mistakes (exit 2), the same environment twice, an unknown one (an inherited name too) and an emulator one', async () => {
    const [same, unknown, inherited, emulator] = await Promise.all([
      failure('--from', 'staging', '--to', 'staging'),
      failure('--from', 'staging', '--to', 'qa'),
      failure('--from', 'constructor', '--to', 'prod'),
      failure('--from', 'local', '--to', 'prod'),
    ]);
    expect(same).toEqual({ code: 2, stderr: expect.stringMatching(/^promote: --from and --to are both staging/) });
    expect(unknown).toEqual({ code: 2, stderr: expect.stringMatching(/^promote: --to: no environment "qa"; environments: .*\bstaging\b.*\bprod\b.*\nusage: npm run promote -- /) });
    expect(inherited).toEqual({ code: 2, stderr: expect.stringMatching(/^promote: --from: no environment "constructor"; environments: /) });
    expect(emulator).toEqual({ code: 2, stderr: expect.stringMatching(/^promote: --from: local is an emulator environment/) });
  });

  it('refuses to move a release backwards, down dev -> staging -> prod, unless told --backwards', async () => {
    const dir = environmentsCopy();
    editFile(dir, 'prod', (text) => setValue(text, TAG, RELEASE));
    const staging = fs.readFileSync(path.join(dir, 'staging.ts'));

    const refused = await failure('--dir', dir, '--from', 'prod', '--to', 'staging');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'promote: --from prod --to staging moves a release backwards, from tier prod to tier staging (releases go dev -> staging -> prod). ' +
        "If staging should run prod's release (to undo a bad release there), pass --backwards.\n",
    );
    expect(fs.readFileSync(path.join(dir, 'staging.ts')).equals(staging)).toBe(true);

    const { stdout } = await promote('--dir', dir, '--from', 'prod', '--to', 'staging', '--backwards');
    expect(readValue(read(dir, 'staging'), TAG)).toBe(RELEASE);
    expect(stdout).toContain(`(\`npm run promote -- --from prod --to staging --backwards\`), backwards: to a lower tier:`);
  });
});

describe('isBackwards', () => {
  it('is a move to a lower tier, and nothing else', () => {
    expect([isBackwards('prod', 'staging'), isBackwards('staging', 'dev'), isBackwards('prod', 'dev')]).toEqual([true, true, true]);
    expect([isBackwards('dev', 'staging'), isBackwards('staging', 'prod'), isBackwards('dev', 'dev'), isBackwards('prod', 'prod')]).toEqual([false, false, false, false]);
  });
});
