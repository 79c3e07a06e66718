import { inDependencyOrder, type StackOutcome, type SynthesizedStack } from './environment-stacks';
import type { StackDiff } from './diff-summary';
import { splitEmulatorResidue } from './emulator-plan-residue';
import { deployStack, destroyStack, planStack, type DeployResult, type StackContext } from './stack-operations';

/** Stacks Terraform may run at once: each runs the ~700 MB provider, and the machine may have 2 cores. */
const CONCURRENCY = 2;

type Log = (line: string) => void;

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
 * Plans every stack (refreshing from the real resources), each after the stacks it depends on, and reports
 * what each would do. Never throws for a stack: a failed plan is in the result, and its dependents are
 * still planned (a plan changes nothing, and their drift still counts). In an emulator environment, the emulator's known read-back artefacts are set apart.
 */
export async function diffEnvironment(stacks: readonly SynthesizedStack[], context: StackContext, log: Log, options: { emulator: boolean }): Promise<StackDiff[]> {
  const outcomes = await reportOutcomes(
    'plan',
    stacks,
    log,
    (stack) => planStack(stack, context),
    (changes) => (changes.resources.length === 0 && changes.outputs.length === 0 ? 'no changes' : `${changes.resources.length} resources and ${changes.outputs.length} outputs to change`),
    { throwOnFailure: false, continueAfterFailure: true },
  );
  // A stack reads its dependencies' outputs from their state as it is now, not as this change would leave it.
  const outputsChanging = new Set(outcomes.filter((outcome) => outcome.status === 'done' && outcome.value.outputs.length > 0).map((outcome) => outcome.stack.name));
  return outcomes.map((outcome): StackDiff => {
    if (outcome.status !== 'done') return { stack: outcome.stack.name, status: outcome.status, reason: outcome.reason };
    const { unexpected, residue } = options.emulator ? splitEmulatorResidue(outcome.value.resources) : { unexpected: [...outcome.value.resources], residue: [] };
    return {
      stack: outcome.stack.name,
      status: 'planned',
      changes: unexpected,
      outputs: outcome.value.outputs,
      ignored: residue,
      upstreamChanging: outcome.stack.dependencies.filter((dependency) => outputsChanging.has(dependency)),
    };
  });
}

const PAST = { deploy: 'deployed', destroy: 'destroyed', plan: 'planned' } as const;

async function reportOutcomes<T>(
  verb: keyof typeof PAST,
  stacks: readonly SynthesizedStack[],
  log: Log,
  task: (stack: SynthesizedStack) => Promise<T>,
  describe: (value: T) => string,
  { reverse = false, throwOnFailure = true, continueAfterFailure = false }: { reverse?: boolean; throwOnFailure?: boolean; continueAfterFailure?: boolean } = {},
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
    { concurrency: CONCURRENCY, reverse, continueAfterFailure },
  );
  const problems = outcomes.filter((outcome) => outcome.status !== 'done');
  if (throwOnFailure && problems.length > 0) {
    throw new Error(
      problems.map((outcome) => (outcome.status === 'skipped' ? `${outcome.stack.name}: not ${PAST[verb]}, because ${outcome.reason}` : outcome.status === 'failed' ? outcome.reason : '')).join('\n'),
    );
  }
  return outcomes;
}
