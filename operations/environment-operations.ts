import { inDependencyOrder, readStackJson, type StackOutcome, type SynthesizedStack } from './environment-stacks';
import { CHANGE_SET_FORMAT, checkedOutRevision, failedStack, plannedStack, type ChangeSetFile, type StackChangeSet } from './change-sets';
import type { EnvironmentTarget } from './environment-target';
import { differencesFromReviewed, fedByUpstream, upstreamOutputsChanging } from './reviewed-plan';
import { deployStack, destroyStack, planForApply, planStack, type DeployResult, type SavedPlan, type StackContext } from './stack-operations';

/** Stacks Terraform may run at once: each runs the ~700 MB provider, and the machine may have 2 cores. */
const CONCURRENCY = 2;

type Log = (line: string) => void;

/** A last check of a stack's saved plan before it is applied (operations/recovery-point-gate.ts): throwing leaves the stack unapplied. */
export type BeforeApply = (stack: SynthesizedStack, plan: SavedPlan) => Promise<void>;

/**
 * Deploys the stacks, each after its dependencies, printing a line as each starts and ends. Throws after
 * the others finish when any stack failed, naming each failed and skipped stack.
 */
export async function deployInOrder(stacks: readonly SynthesizedStack[], context: StackContext, log: Log): Promise<StackOutcome<DeployResult>[]> {
  return reportOutcomes('deploy', stacks, log, (stack) => deployStack(stack, context), ({ added, changed, destroyed }) => `${added} added, ${changed} changed, ${destroyed} destroyed`);
}

/** Destroys the stacks, each after every stack that depends on it. */
export async function destroyInOrder(stacks: readonly SynthesizedStack[], context: StackContext, log: Log): Promise<StackOutcome<void>[]> {
  return reportOutcomes('destroy', stacks, log, (stack) => destroyStack(stack, context), () => 'destroyed', { reverse: true });
}

/**
 * Plans every stack (refreshing from the real resources), or only `only`, and records what each would do.
 * The plans run side by side regardless of dependencies: a plan reads its dependencies' outputs from their
 * state as it is, so it never waits on theirs. Never throws for a stack: a failed plan is in the record.
 */
export async function planEnvironment(stacks: readonly SynthesizedStack[], context: StackContext, log: Log, options: { only?: string } = {}): Promise<StackChangeSet[]> {
  const planned = stacks.filter((stack) => options.only === undefined || stack.name === options.only);
  const outcomes = await reportOutcomes(
    'plan',
    planned.map((stack) => ({ ...stack, dependencies: [] })),
    log,
    (stack) => planStack(stack, context),
    (changes) => (changes.resources.length === 0 && changes.outputs.length === 0 ? 'no changes' : `${changes.resources.length} resources and ${changes.outputs.length} outputs to change`),
    { throwOnFailure: false },
  );
  return outcomes.map((outcome) => {
    const stack = stacks.find((candidate) => candidate.name === outcome.stack.name)!;
    const position = stacks.indexOf(stack);
    return outcome.status === 'done' ? plannedStack(stack, position, outcome.value) : failedStack(stack, position, outcome.reason);
  });
}

/**
 * Applies the reviewed change set, stack by stack in dependency order: each stack is planned again into a
 * plan file, and that file is applied only when its change set is the reviewed one (for a provisional
 * stack, planned once its dependencies are applied, attributes fed by their changed outputs may differ).
 * Otherwise the stack and its dependents are left untouched, the difference is named, and it throws once
 * the other stacks are done. So too when `beforeApply` throws for the plan that would be applied.
 */
export async function deployReviewed(
  stacks: readonly SynthesizedStack[],
  reviewed: ChangeSetFile,
  context: StackContext,
  log: Log,
  options: { beforeApply?: BeforeApply } = {},
): Promise<StackOutcome<DeployResult>[]> {
  return reportOutcomes(
    'deploy',
    stacks,
    log,
    async (stack) => {
      const entry = reviewed.stacks.find((candidate) => candidate.stack === stack.name);
      if (!entry) throw new Error(`${stack.name}: not in the reviewed change set; nothing of it was applied`);
      if (entry.status !== 'planned') throw new Error(`${stack.name}: its reviewed plan had failed; nothing of it was applied`);
      const upstream = upstreamOutputsChanging(reviewed, entry);
      const plan = await planForApply(stack, context);
      // A record's stack entry is a plan's change set: resources and outputs.
      const fed = upstream.size > 0 ? fedByUpstream(readStackJson(stack), upstream) : undefined;
      const differences = differencesFromReviewed(entry, plan.changes, fed);
      if (differences.length > 0) {
        plan.discard();
        throw new Error(`${stack.name}: the plan now differs from the reviewed one, so nothing of it was applied:\n${differences.map((line) => `    ${line}`).join('\n')}`);
      }
      if (plan.changes.resources.length === 0 && plan.changes.outputs.length === 0) {
        plan.discard();
        return { added: 0, changed: 0, destroyed: 0 };
      }
      if (upstream.size > 0) log(`  ${stack.name}: planned after ${[...upstream.keys()].join(', ')}; matches the reviewed prediction`);
      try {
        await options.beforeApply?.(stack, plan);
      } catch (error) {
        plan.discard();
        throw error;
      }
      return plan.apply();
    },
    ({ added, changed, destroyed }) => `${added} added, ${changed} changed, ${destroyed} destroyed, as reviewed`,
  );
}

const PAST = { deploy: 'deployed', destroy: 'destroyed', plan: 'planned' } as const;

async function reportOutcomes<T>(
  verb: keyof typeof PAST,
  stacks: readonly SynthesizedStack[],
  log: Log,
  task: (stack: SynthesizedStack) => Promise<T>,
  describe: (value: T) => string,
  { reverse = false, throwOnFailure = true }: { reverse?: boolean; throwOnFailure?: boolean } = {},
): Promise<StackOutcome<T>[]> {
  let finished = 0;
  const outcomes = await inDependencyOrder(
    stacks,
    async (stack) => {
      const start = Date.now();
      log(`  ${stack.name}: ${verb} started`);
      try {
        const value = await task(stack);
        log(`  ${stack.name}: ${describe(value)} in ${((Date.now() - start) / 1000).toFixed(0)} s [${++finished}/${stacks.length}]`);
        return value;
      } catch (error) {
        log(`  ${stack.name}: ${verb} FAILED after ${((Date.now() - start) / 1000).toFixed(0)} s [${++finished}/${stacks.length}]`);
        throw error;
      }
    },
    { concurrency: CONCURRENCY, reverse },
  );
  const problems = outcomes.filter((outcome) => outcome.status !== 'done');
  if (throwOnFailure && problems.length > 0) {
    throw new Error(
      problems.map((outcome) => (outcome.status === 'skipped' ? `${outcome.stack.name}: not ${PAST[verb]}, because ${outcome.reason}` : outcome.status === 'failed' ? outcome.reason : '')).join('\n'),
    );
  }
  return outcomes;
}

/** The environment's plans (or one stack's) as a change-set record, at the commit checked out. */
export async function planRecord(target: EnvironmentTarget, log: Log, options: { only?: string } = {}): Promise<ChangeSetFile> {
  const stacks = await planEnvironment(target.stacks, target.context, log, options);
  const revision = checkedOutRevision();
  return { format: CHANGE_SET_FORMAT, environment: target.name, ...(revision ? { revision } : {}), emulator: target.emulator, stacks };
}
