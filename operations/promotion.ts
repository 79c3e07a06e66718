/**
 * Promotion: moving a release from one environment to the next by copying the values that make up the
 * release from one environment file to the other, and proving the result is a valid environment before
 * it is kept. Used by `npm run promote`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tierRank, type Tier } from '../environments/tiers';
import { EnvironmentFileError, hasProperty, readValue, setValue, type LiteralValue } from './environment-file';

/** A value that belongs to a release: what a promotion copies from one environment to the next. */
export interface ReleaseValue {
  /** The property path in an environment file. */
  readonly path: readonly string[];
  /** Whether the source must set it; an optional one is copied only when the source sets it explicitly. */
  readonly required: boolean;
  /** Why it belongs to a release rather than to the environment. */
  readonly why: string;
}

/**
 * The values that make up a release. Everything else in an environment file (sizes, accounts, retention,
 * certificates) belongs to the environment and differs on purpose between staging and prod.
 */
export const RELEASE_VALUES: readonly ReleaseValue[] = [
  {
    path: ['service', 'image', 'tag'],
    required: true,
    why: 'The build the service runs. Tags are immutable in the image repository, so a tag names one build for good: promoting it runs in the target exactly the build the source ran.',
  },
  {
    path: ['gitops', 'repository', 'revision'],
    required: false,
    why: 'The revision of the GitOps repository ArgoCD syncs: the cluster workloads released together with the image. Unset, an environment follows its default branch (develop for tier dev, main otherwise), which is no release, so only a pinned revision is copied.',
  },
];

/**
 * Whether promoting from an environment of tier `from` to one of tier `to` moves the release backwards,
 * down dev → staging → prod (prod to staging, say). Between environments of one tier it does not.
 */
export function isBackwards(from: Tier, to: Tier): boolean {
  return tierRank(from) > tierRank(to);
}

/** The project's environments directory, which `npm run promote` edits unless told otherwise. */
export const DEFAULT_ENVIRONMENTS_DIR = path.resolve(__dirname, '..', 'environments');

/** One change a promotion makes to the target file. */
export interface PlannedEdit {
  /** The property path, dotted (`service.image.tag`). */
  readonly path: string;
  /** The target's value before; undefined when the target did not set it. */
  readonly from: LiteralValue | undefined;
  readonly to: LiteralValue;
}

/** What promoting `from` to `to` would change; nothing is written until {@link writePromotion}. */
export interface PromotionPlan {
  readonly from: string;
  readonly to: string;
  readonly environmentsDir: string;
  /** Absolute path of the file the promotion edits (`<dir>/<to>.ts`). */
  readonly targetFile: string;
  /** The source's image tag: the release's name. */
  readonly tag: string;
  /** Empty when the target already runs the source's release. */
  readonly edits: readonly PlannedEdit[];
  /** What was deliberately not copied, and why. */
  readonly notes: readonly string[];
  readonly originalText: string;
  readonly newText: string;
}

/**
 * Plans copying the release values ({@link RELEASE_VALUES}) of environment `from` into environment `to`:
 * reads `<dir>/<from>.ts` and `<dir>/<to>.ts` and returns the edits and the target's new text, without
 * writing anything.
 * @throws EnvironmentFileError when a release value is not a literal in either file, or sits behind
 *   something that is not an object literal; Error when the source sets no image tag.
 */
export function planPromotion(options: { from: string; to: string; environmentsDir?: string }): PromotionPlan {
  const { from, to } = options;
  const environmentsDir = path.resolve(options.environmentsDir ?? DEFAULT_ENVIRONMENTS_DIR);
  const sourceFile = environmentFile(environmentsDir, from);
  const targetFile = environmentFile(environmentsDir, to);
  const sourceName = displayPath(sourceFile);
  const targetName = displayPath(targetFile);
  const sourceText = fs.readFileSync(sourceFile, 'utf8');
  const originalText = fs.readFileSync(targetFile, 'utf8');

  const tag = readValue(sourceText, ['service', 'image', 'tag'], sourceName);
  if (typeof tag !== 'string') throw new Error(`${sourceName}: service.image.tag ${tag === undefined ? 'is not set' : 'is not a string'}; ${from} has no release to promote`);

  let newText = originalText;
  const edits: PlannedEdit[] = [];
  const notes: string[] = [];
  for (const release of RELEASE_VALUES) {
    const dotted = release.path.join('.');
    const value = readValue(sourceText, release.path, sourceName);
    if (value === undefined) {
      if (release.required) throw new Error(`${sourceName}: ${dotted} is not set; ${from} has no release to promote`);
      const pinned = literalIfReadable(newText, release.path);
      if (pinned !== undefined) notes.push(`${to} pins ${dotted} to ${pinned} and ${from} does not set it (it follows its default); left ${to}'s as it is.`);
      continue;
    }
    const parent = release.path.slice(0, -1);
    if (!release.required && !hasProperty(newText, parent, targetName)) {
      notes.push(`${from} pins ${dotted} to ${value}, but ${to} has no ${parent.join('.')}; not copied.`);
      continue;
    }
    const current = readValue(newText, release.path, targetName);
    if (current === value) continue;
    newText = setValue(newText, release.path, value, targetName);
    edits.push({ path: dotted, from: current, to: value });
  }
  return { from, to, environmentsDir, targetFile, tag, edits, notes, originalText, newText };
}

/** The target's value when it is a readable literal: only for a note, so what cannot be read goes unmentioned. */
function literalIfReadable(text: string, path: readonly string[]): LiteralValue | undefined {
  try {
    return readValue(text, path);
  } catch (error) {
    if (error instanceof EnvironmentFileError) return undefined;
    throw error;
  }
}

/**
 * Writes the plan's new text to the target file, then validates the edited environments
 * ({@link validateEnvironments}). When they are not valid, or validation itself fails, the file's
 * original bytes are put back. Returns the problems: empty when the promotion was written and is valid.
 * @throws Error when the target file changed since the promotion was planned (nothing is written).
 */
export function writePromotion(plan: PromotionPlan): string[] {
  const original = fs.readFileSync(plan.targetFile);
  if (original.toString('utf8') !== plan.originalText) throw new Error(`${displayPath(plan.targetFile)} changed since the promotion was planned; run it again`);
  fs.writeFileSync(plan.targetFile, plan.newText);
  let problems: string[];
  try {
    problems = validateEnvironments(plan.environmentsDir);
  } catch (error) {
    fs.writeFileSync(plan.targetFile, original);
    throw error;
  }
  if (problems.length > 0) fs.writeFileSync(plan.targetFile, original);
  return problems;
}

/**
 * The problems the real loader finds in an environments directory; empty when they are valid. A fresh
 * Node.js process compiles `<dir>/index.ts` and every file it imports with tsx, as `npm run` scripts
 * do, and calls its `loadEnvironments(environments)`, the schema every command applies. Fresh, because
 * this process may hold the files as they were before an edit in its module cache. (No separate type
 * check: EnvironmentConfig is the schema's input type and its objects are strict, so for literal values
 * the schema rejects whatever the type would; `npm run lint` type-checks the pull request anyway.)
 */
export function validateEnvironments(environmentsDir: string): string[] {
  return loaderProblems(path.resolve(environmentsDir));
}

/** Exit code of the loader process when the loader rejected the environments (problems as JSON on stdout). */
const CONFIG_ERROR_EXIT = 3;

function loaderProblems(environmentsDir: string): string[] {
  const index = path.join(environmentsDir, 'index.ts');
  const script = [
    `let registry;`,
    `try { registry = require(${JSON.stringify(index)}); }`,
    `catch (error) { process.stderr.write(String(error && error.message || error)); process.exit(1); }`,
    `try { registry.loadEnvironments(registry.environments); }`,
    `catch (error) {`,
    `  if (!(error instanceof registry.ConfigError)) throw error;`,
    `  process.stdout.write(JSON.stringify(error.problems)); process.exit(${CONFIG_ERROR_EXIT});`,
    `}`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '--eval', script], { encoding: 'utf8', timeout: 120_000 });
  if (child.error) throw new Error(`could not start Node.js to load ${displayPath(index)}: ${child.error.message}`);
  if (child.status === 0) return [];
  if (child.status === CONFIG_ERROR_EXIT) return (JSON.parse(child.stdout) as string[]).map((problem) => `environment schema: ${problem}`);
  return [`loading ${displayPath(index)} failed: ${firstLines(child.stderr || `exit ${child.status ?? child.signal}`)}`];
}

function firstLines(text: string, count = 12): string {
  const lines = text.trim().split('\n');
  return lines.length > count ? [...lines.slice(0, count), '...'].join('\n') : lines.join('\n');
}

function environmentFile(environmentsDir: string, name: string): string {
  // The registry's convention: key = file name = environment name.
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`"${name}" is not an environment name`);
  const file = path.join(environmentsDir, `${name}.ts`);
  if (!fs.existsSync(file)) throw new Error(`${displayPath(file)} does not exist; every environment lives in <environments>/<name>.ts`);
  return file;
}

/** A path as the user would type it: relative to the working directory when under it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : path.resolve(file);
}
