import { App } from 'cdktf';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadEnvironments } from '../environments/load';
import { STATE_FROM_REPLICA_CONTEXT } from '../stacks/environment-stack';
import { addPlatform } from '../stacks/platform';
import { nameCollisions, type NamedStack } from './unique-names';

export interface SynthesizeOptions {
  /** Where the finished output goes; replaced only when synthesis succeeds. */
  readonly outdir: string;
  /**
   * Keep stack directories that the new output no longer has. The cdktf CLI deletes those itself after
   * synth and fails if they are already gone. @default false
   */
  readonly keepOrphanedStacks?: boolean;
  /**
   * Environments whose stacks keep their state in the state bucket's replica, for an outage of their
   * region (docs/runbooks/region-outage.md).
   * @default - the comma-separated names in `GROUNDWORK_STATE_FROM_REPLICA`, or none
   */
  readonly stateFromReplica?: readonly string[];
}

export interface StackSummary {
  readonly name: string;
  readonly resources: number;
  readonly dataSources: number;
  readonly outputs: number;
}

/**
 * Validates every environment, synthesizes all their stacks into a staging directory, and only then
 * replaces `outdir`. Invalid config throws a ConfigError before anything is written; a failure during
 * synthesis, or an output that would give two resources one name (`unique-names.ts`), leaves the previous
 * output as it was. Terraform's working files (`.terraform`, the lock file) of stacks that still exist are
 * carried over, so `terraform` in a stack directory keeps working.
 */
export function synthesize(registry: Readonly<Record<string, unknown>>, options: SynthesizeOptions): StackSummary[] {
  const environments = loadEnvironments(registry);
  const stateFromReplica = options.stateFromReplica ?? (process.env.GROUNDWORK_STATE_FROM_REPLICA ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = stateFromReplica.filter((name) => !environments.some((env) => env.name === name));
  if (unknown.length > 0) throw new Error(`GROUNDWORK_STATE_FROM_REPLICA names no environment ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${environments.map((env) => env.name).join(', ')}`);
  const outdir = path.resolve(options.outdir);
  // Publishing replaces outdir whole: never the directory this runs in, or one holding it (an empty CDKTF_OUTDIR).
  const cwd = process.cwd();
  if (cwd === outdir || cwd.startsWith(`${outdir}${path.sep}`)) {
    throw new Error(`refusing to synthesize into ${outdir}: synthesis replaces it whole, and it holds the working directory ${cwd}`);
  }
  const staging = `${outdir}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  let stacks: SynthesizedJson[];
  try {
    withoutTokenCreationStacks(() => {
      const app = new App({ outdir: staging, context: { [STATE_FROM_REPLICA_CONTEXT]: stateFromReplica } });
      for (const env of environments) addPlatform(app, env);
      app.synth();
    });
    stacks = readSynthesized(staging);
    // Names the output would give two resources are a configuration problem: nothing is published.
    const collisions = nameCollisions(stacks);
    if (collisions.length > 0) throw new ConfigError(collisions);
    carryOverWorkingFiles(outdir, staging, options.keepOrphanedStacks ?? false);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  publish(staging, outdir);
  return stacks.map(summarize);
}

/**
 * cdktf records a full stack trace for every token it creates, only to show where a token was made if it
 * later fails to resolve; formatting those traces was a sixth of a full synth. While the app is built, a
 * trace asked for on a plain object (cdktf's records) comes back empty; errors keep theirs.
 * `GROUNDWORK_TOKEN_STACKS=1` keeps cdktf's traces too, for debugging a resolution error.
 */
export function withoutTokenCreationStacks(build: () => void): void {
  if (process.env.GROUNDWORK_TOKEN_STACKS === '1') return build();
  const previous = Error.prepareStackTrace;
  const capture = Error.captureStackTrace;
  Error.prepareStackTrace = (target, frames) =>
    !(target instanceof Error) ? '' : previous ? previous(target, frames) : `${Error.prototype.toString.call(target)}${frames.map((frame) => `\n    at ${frame}`).join('')}`;
  // Not even walked: cdktf asks for every frame (its stackTraceLimit is unbounded), which cost a tenth of a synth.
  Error.captureStackTrace = (target: object, below?: Function) => (target instanceof Error ? capture(target, below) : Object.assign(target, { stack: '' }));
  try {
    build();
  } finally {
    Error.prepareStackTrace = previous;
    Error.captureStackTrace = capture;
  }
}

function carryOverWorkingFiles(previous: string, next: string, keepOrphans: boolean): void {
  const previousStacks = path.join(previous, 'stacks');
  if (!fs.existsSync(previousStacks)) return;
  for (const stack of fs.readdirSync(previousStacks)) {
    const from = path.join(previousStacks, stack);
    const to = path.join(next, 'stacks', stack);
    if (!fs.existsSync(to)) {
      if (keepOrphans) fs.renameSync(from, to);
      continue;
    }
    for (const entry of ['.terraform', '.terraform.lock.hcl']) {
      if (fs.existsSync(path.join(from, entry))) fs.renameSync(path.join(from, entry), path.join(to, entry));
    }
  }
}

/** Swaps the staging directory into place; each step is a rename, so a reader never sees half an output. */
function publish(staging: string, outdir: string): void {
  const retired = `${outdir}.retired-${process.pid}`;
  const hadPrevious = fs.existsSync(outdir);
  if (hadPrevious) fs.renameSync(outdir, retired);
  fs.renameSync(staging, outdir);
  if (hadPrevious) fs.rmSync(retired, { recursive: true, force: true });
}

interface Manifest {
  stacks: Record<string, { name: string; synthesizedStackPath: string }>;
}

interface SynthesizedJson extends NamedStack {
  readonly json: NamedStack['json'] & { data?: Record<string, Record<string, unknown>>; output?: Record<string, unknown> };
}

/** Every stack of a synthesized output, its Terraform JSON read back as written. */
function readSynthesized(outdir: string): SynthesizedJson[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as Manifest;
  return Object.values(manifest.stacks).map((stack) => ({ name: stack.name, json: JSON.parse(fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), 'utf8')) }));
}

/** Counts what a synthesized stack declares. */
function summarize({ name, json }: SynthesizedJson): StackSummary {
  const count = (blocks: Record<string, Record<string, unknown>> = {}) => Object.values(blocks).reduce((sum, byName) => sum + Object.keys(byName).length, 0);
  return { name, resources: count(json.resource), dataSources: count(json.data), outputs: Object.keys(json.output ?? {}).length };
}
