import { execFileSync } from 'node:child_process';
import { environmentStacks } from './environment-stacks';

/** What the classification needs of an environment registry: names, and which are emulator environments. */
export type EnvironmentRegistry = Readonly<Record<string, { readonly emulator?: unknown }>>;

/** Which real environments one changed path can affect, and why, for the log. */
export type PathImpact =
  | { readonly scope: 'none'; readonly reason: string }
  | { readonly scope: 'all'; readonly reason: string }
  | { readonly scope: 'one'; readonly environment: string; readonly reason: string };

/** Paths that never reach a synthesized stack: documentation, tests and the CI that runs them. */
const INERT_DIRECTORIES = ['docs/', 'test/', '.github/', '.ci/'];
const INERT_FILES = new Set(['README.md', 'jest.config.js', '.gitignore']);

/**
 * Paths that feed synthesis (or how it is built and applied: scripts/ holds the synth app and the diff and
 * deploy commands), so a change there can change every environment's stacks.
 */
const SHARED_DIRECTORIES = ['constructs/', 'stacks/', 'lib/', 'operations/', 'lambda/', 'policy/', 'environments/', 'scripts/'];
const SHARED_FILES = new Set(['main.ts', 'package.json', 'package-lock.json', 'cdktf.json', 'tsconfig.json']);

/** The environments that are deployed to AWS: every registered one without an `emulator`, in registry order. */
export function realEnvironments(registry: EnvironmentRegistry): string[] {
  return Object.entries(registry)
    .filter(([, config]) => config.emulator === undefined)
    .map(([name]) => name);
}

/**
 * Decides what one changed path (relative to the repository root, `/`-separated, as git prints it) can
 * affect. An environment's own file affects that environment alone (an emulator environment's, none);
 * shared source affects all; docs, tests and CI affect none; anything unrecognised is assumed to affect all,
 * so a new kind of file errs on the side of planning too much rather than too little.
 */
export function classifyPath(file: string, registry: EnvironmentRegistry): PathImpact {
  const environment = /^environments\/([^/]+)\.ts$/.exec(file)?.[1];
  if (environment !== undefined && Object.hasOwn(registry, environment)) {
    return registry[environment].emulator === undefined
      ? { scope: 'one', environment, reason: `${environment}'s own configuration` }
      : { scope: 'none', reason: `${environment} is an emulator environment, never deployed to AWS` };
  }
  if (INERT_FILES.has(file) || INERT_DIRECTORIES.some((directory) => file.startsWith(directory))) {
    return { scope: 'none', reason: 'documentation, tests or CI: synthesis never reads it' };
  }
  if (SHARED_FILES.has(file) || SHARED_DIRECTORIES.some((directory) => file.startsWith(directory))) {
    return { scope: 'all', reason: 'shared by every environment' };
  }
  return { scope: 'all', reason: 'not a known kind of path: assumed to affect every environment' };
}

/**
 * The real environments (never an emulator one) that a change touching `changedFiles` can affect, in
 * registry order: the list a workflow's matrix plans. Empty when nothing deployable changed.
 */
export function affectedEnvironments(changedFiles: readonly string[], registry: EnvironmentRegistry): string[] {
  const real = realEnvironments(registry);
  const affected = new Set<string>();
  for (const file of changedFiles) {
    const impact = classifyPath(file, registry);
    if (impact.scope === 'all') return real;
    if (impact.scope === 'one') affected.add(impact.environment);
  }
  return real.filter((name) => affected.has(name));
}

/** One leg of a workflow's per-stack matrix: a stack of an environment, planned on a runner of its own. */
export interface StackLeg {
  readonly environment: string;
  /** `<component>-<environment>`, as synthesized. */
  readonly stack: string;
}

/**
 * Every stack of each of `environmentNames` in the synthesized output `outdir`, each environment's in
 * dependency order: the legs of the workflows' plan matrix. Which stacks an environment has comes from the
 * synthesis (its config decides, e.g. `cluster-` and `gitops-` only with `gitops`), never from a list here.
 */
export function stackLegs(outdir: string, environmentNames: readonly string[]): StackLeg[] {
  return environmentNames.flatMap((environment) => environmentStacks(outdir, environment).map((stack) => ({ environment, stack: stack.name })));
}

/**
 * What the emulator suites (moto: test/e2e/, the state lock and bootstrap, rotation, redeploy on rotation,
 * `npm run local`) exercise: the code that builds and drives stacks, the `local` environment they deploy,
 * the dependencies, and the suites and their harness themselves. A change elsewhere (another environment's
 * config, the policy gate, docs, other tests) cannot change what they see.
 */
const EMULATOR_DIRECTORIES = ['stacks/', 'constructs/', 'scripts/', 'operations/', 'lib/', 'lambda/', 'test/e2e/', 'test/support/'];
const EMULATOR_FILES = new Set([
  'environments/local.ts',
  'package.json',
  'package-lock.json',
  'jest.config.js',
  'tsconfig.json',
  'cdktf.json',
  'test/state-lock.test.ts',
  'test/state-bootstrap.test.ts',
  'test/rotation.test.ts',
  'test/redeploy-on-rotation.test.ts',
  'test/local-command.test.ts',
  'test/postgres-rotation.test.ts',
  'test/failover.test.ts',
  '.github/workflows/pull-request.yml',
]);

/** Whether a change touching `changedFiles` must run the emulator suites (see EMULATOR_DIRECTORIES). */
export function needsEmulatorTests(changedFiles: readonly string[]): boolean {
  return changedFiles.some((file) => EMULATOR_FILES.has(file) || EMULATOR_DIRECTORIES.some((directory) => file.startsWith(directory)));
}

/**
 * The files changed between the merge base of `base` and HEAD, and HEAD (`git diff base...HEAD`): what a
 * pull request changes, whatever landed on its base since it branched. Renames are listed as a deletion
 * and an addition, so moving a file out of a shared directory still counts the directory it left.
 */
export function changedFilesSince(base: string, cwd: string = process.cwd()): string[] {
  if (base.startsWith('-')) throw new Error(`--base must name a git ref, not an option (got "${base}")`);
  const git = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    git(['rev-parse', '--verify', '--quiet', `${base}^{commit}`]);
  } catch {
    throw new Error(`no commit "${base}" in ${cwd}: fetch it first (in CI, check out with fetch-depth: 0)`);
  }
  try {
    // -z: names exactly as stored, never quoted or escaped.
    return git(['diff', '--name-only', '--no-renames', '-z', `${base}...HEAD`, '--']).split('\0').filter(Boolean);
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`git diff ${base}...HEAD failed: ${stderr || (error as Error).message}`);
  }
}
