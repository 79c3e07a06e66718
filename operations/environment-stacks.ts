import * as fs from 'node:fs';
import * as path from 'node:path';

/** One synthesized stack of an environment, as the cdktf manifest describes it. */
export interface SynthesizedStack {
  /** `<component>-<env>`. */
  readonly name: string;
  /** Absolute path of the stack's directory (its `cdk.tf.json`, and Terraform's working files). */
  readonly dir: string;
  /** Stacks of the same environment that must be applied before this one. */
  readonly dependencies: readonly string[];
}

/** A synthesized stack's Terraform JSON, as far as the operations read it. */
export interface StackJson {
  readonly terraform?: unknown;
  readonly provider?: Record<string, readonly Record<string, unknown>[]>;
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { readonly value?: unknown }>;
}

/** The stack's `cdk.tf.json`; `T` narrows what a reader relies on. */
export function readStackJson<T extends object = StackJson>(stack: Pick<SynthesizedStack, 'dir'>): T {
  return JSON.parse(fs.readFileSync(path.join(stack.dir, 'cdk.tf.json'), 'utf8')) as T;
}

interface Manifest {
  stacks: Record<string, { name: string; workingDirectory: string; dependencies?: string[] }>;
}

/**
 * The stacks of one environment in a synthesized output, in an order that applies every stack after the
 * stacks it depends on (ties by name, so the order is stable). Stacks named in `exclude` are left out.
 */
export function environmentStacks(outdir: string, environment: string, exclude: readonly string[] = []): SynthesizedStack[] {
  const manifestFile = path.join(outdir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) throw new Error(`${manifestFile} does not exist: synthesize first`);
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
  // `<component>-<env>`: components have no hyphen, environment names may.
  const stacks = Object.values(manifest.stacks)
    .filter((stack) => stack.name.slice(stack.name.indexOf('-') + 1) === environment && !exclude.includes(stack.name))
    .map((stack) => ({ name: stack.name, dir: path.resolve(outdir, stack.workingDirectory), dependencies: stack.dependencies ?? [] }));
  if (stacks.length === 0) throw new Error(`${outdir} holds no stack of environment "${environment}"`);
  return dependencyOrder(stacks);
}

/** Orders stacks so each comes after its dependencies within the set; fails on a cycle. */
export function dependencyOrder(stacks: readonly SynthesizedStack[]): SynthesizedStack[] {
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const ordered: SynthesizedStack[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (stack: SynthesizedStack): void => {
    if (placed.has(stack.name)) return;
    if (visiting.has(stack.name)) throw new Error(`the stacks depend on each other in a cycle through ${stack.name}`);
    visiting.add(stack.name);
    for (const dependency of [...stack.dependencies].sort()) {
      const found = byName.get(dependency);
      if (found) visit(found);
    }
    visiting.delete(stack.name);
    placed.add(stack.name);
    ordered.push(stack);
  };
  for (const stack of [...stacks].sort((a, b) => a.name.localeCompare(b.name))) visit(stack);
  return ordered;
}

/**
 * Runs `task` on every stack, each only after every dependency within the set succeeded, at most
 * `concurrency` at a time. A failed stack's dependents are skipped; stacks already running finish. Resolves
 * with what happened to each stack, in the stacks' order.
 */
export async function inDependencyOrder<T>(
  stacks: readonly SynthesizedStack[],
  task: (stack: SynthesizedStack) => Promise<T>,
  options: { concurrency?: number; reverse?: boolean } = {},
): Promise<StackOutcome<T>[]> {
  const names = new Set(stacks.map((stack) => stack.name));
  // Reversed (for destroy), a stack waits for every stack that depends on it instead.
  const waitsFor = new Map(
    stacks.map((stack) => [
      stack.name,
      options.reverse
        ? stacks.filter((other) => other.dependencies.includes(stack.name)).map((other) => other.name)
        : stack.dependencies.filter((dependency) => names.has(dependency)),
    ]),
  );
  const outcomes = new Map<string, StackOutcome<T>>();
  const running = new Set<string>();
  const concurrency = options.concurrency ?? 2;
  await new Promise<void>((resolve) => {
    const schedule = (): void => {
      // Skips first, until none is left: a skip can unblock another skip anywhere in the list.
      for (let skipped = true; skipped; ) {
        skipped = false;
        for (const stack of stacks) {
          if (outcomes.has(stack.name) || running.has(stack.name)) continue;
          const failed = waitsFor.get(stack.name)!.find((blocker) => outcomes.has(blocker) && outcomes.get(blocker)!.status !== 'done');
          if (failed) {
            outcomes.set(stack.name, { stack, status: 'skipped', reason: `${failed} did not succeed` });
            skipped = true;
          }
        }
      }
      for (const stack of stacks) {
        if (outcomes.has(stack.name) || running.has(stack.name)) continue;
        const ready = waitsFor.get(stack.name)!.every((blocker) => outcomes.get(blocker)?.status === 'done');
        if (running.size >= concurrency || !ready) continue;
        running.add(stack.name);
        task(stack).then(
          (value) => finish({ stack, status: 'done', value }),
          (error: Error) => finish({ stack, status: 'failed', reason: error.message }),
        );
      }
      if (outcomes.size === stacks.length) return resolve();
      // Nothing running and nothing could start: the rest wait on each other.
      if (running.size === 0) {
        for (const stack of stacks) {
          if (!outcomes.has(stack.name)) outcomes.set(stack.name, { stack, status: 'skipped', reason: 'its dependencies wait on each other in a cycle' });
        }
        resolve();
      }
    };
    const finish = (outcome: StackOutcome<T>): void => {
      running.delete(outcome.stack.name);
      outcomes.set(outcome.stack.name, outcome);
      schedule();
    };
    schedule();
  });
  return stacks.map((stack) => outcomes.get(stack.name)!);
}

export type StackOutcome<T> =
  | { readonly stack: SynthesizedStack; readonly status: 'done'; readonly value: T }
  | { readonly stack: SynthesizedStack; readonly status: 'failed' | 'skipped'; readonly reason: string };
