import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { failureLines, type StackDiff } from './diff-summary';
import { splitEmulatorResidue } from './emulator-plan-residue';
import type { SynthesizedStack } from './environment-stacks';
import type { PlanChanges, ResourceChange } from './plan-changes';

/**
 * The record a plan leaves for review and for the apply that follows it: per stack, the resources it would
 * touch with their actions and the names of the attributes that change, the outputs that change, and a
 * fingerprint of that change set. Names only, never values, so it can be an ordinary CI artifact and a
 * run summary; the plan files, which hold state values, never leave the machine that made them.
 */
export const CHANGE_SET_FORMAT = 'groundwork-change-set/1';

const resourceChange = z.strictObject({
  address: z.string(),
  type: z.string(),
  actions: z.array(z.string()),
  attributes: z.array(z.string()),
  unknown: z.array(z.string()),
  forcedBy: z.array(z.string()),
  importing: z.boolean(),
});

const stackPosition = {
  stack: z.string(),
  /** Place in the environment's dependency order: merged records keep the order a single run has. */
  position: z.number().int().nonnegative(),
  dependencies: z.array(z.string()),
};

const stackChangeSet = z.discriminatedUnion('status', [
  z.strictObject({
    ...stackPosition,
    status: z.literal('planned'),
    /** Everything the plan would do, an emulator's known artefacts included: an apply of the plan does them too. */
    resources: z.array(resourceChange),
    outputs: z.array(z.string()),
    fingerprint: z.string(),
  }),
  z.strictObject({
    ...stackPosition,
    status: z.literal('failed'),
    /** What the diff may show of the failure: its first line and Terraform's `Error:` lines. */
    reason: z.string(),
  }),
]);

const changeSetFile = z.strictObject({
  format: z.literal(CHANGE_SET_FORMAT),
  environment: z.string(),
  /** The commit planned, when the plan ran in a git checkout. */
  revision: z.string().optional(),
  /** True for an emulator environment: its known read-back artefacts are shown apart. */
  emulator: z.boolean(),
  stacks: z.array(stackChangeSet),
});

export type StackChangeSet = z.infer<typeof stackChangeSet>;
export type PlannedStack = Extract<StackChangeSet, { status: 'planned' }>;
export type ChangeSetFile = z.infer<typeof changeSetFile>;

/**
 * A fingerprint of a change set: equal exactly when the same resources would see the same actions on the
 * same attributes, and the same outputs would change. Order does not matter; values never enter it.
 */
export function fingerprint(changes: PlanChanges): string {
  const canonical = {
    resources: [...changes.resources].sort((a, b) => a.address.localeCompare(b.address)).map(recordOf),
    outputs: [...changes.outputs].sort(),
  };
  return `sha256:${createHash('sha256').update(JSON.stringify(canonical)).digest('hex')}`;
}

/** A resource change as a record holds it: exactly these fields, so a record never carries more than names. */
function recordOf({ address, type, actions, attributes, unknown, forcedBy, importing }: ResourceChange): z.infer<typeof resourceChange> {
  return { address, type, actions: [...actions], attributes: [...attributes], unknown: [...unknown], forcedBy: [...forcedBy], importing };
}

/** One stack's record from its plan. */
export function plannedStack(stack: SynthesizedStack, position: number, changes: PlanChanges): PlannedStack {
  return {
    stack: stack.name,
    position,
    dependencies: [...stack.dependencies],
    status: 'planned',
    resources: changes.resources.map(recordOf),
    outputs: [...changes.outputs],
    fingerprint: fingerprint(changes),
  };
}

/** One stack's record when its plan failed: only what a PR comment may quote of the error. */
export function failedStack(stack: SynthesizedStack, position: number, reason: string): StackChangeSet {
  return { stack: stack.name, position, dependencies: [...stack.dependencies], status: 'failed', reason: failureLines(reason).join('\n') };
}

/** What the diff shows of a record: the stacks in dependency order, each marked when it was planned against outputs this change alters. */
export function stackDiffs(record: ChangeSetFile): StackDiff[] {
  const stacks = [...record.stacks].sort((a, b) => a.position - b.position);
  // A stack reads its dependencies' outputs from their state as it is now, not as this change would leave it.
  const outputsChanging = new Set(stacks.filter((entry) => entry.status === 'planned' && entry.outputs.length > 0).map((entry) => entry.stack));
  return stacks.map((entry): StackDiff => {
    if (entry.status !== 'planned') return { stack: entry.stack, status: entry.status, reason: entry.reason };
    const { unexpected, residue } = record.emulator ? splitEmulatorResidue(entry.resources) : { unexpected: [...entry.resources], residue: [] };
    return {
      stack: entry.stack,
      status: 'planned',
      changes: unexpected,
      outputs: entry.outputs,
      ignored: residue,
      upstreamChanging: entry.dependencies.filter((dependency) => outputsChanging.has(dependency)),
    };
  });
}

/**
 * One environment's record from records of some of its stacks (one runner per stack): the same record a
 * single run over all of them writes. Refuses records of different environments, commits or formats, and
 * a stack recorded twice.
 */
export function mergeChangeSets(records: readonly ChangeSetFile[], sources: readonly string[] = []): ChangeSetFile {
  if (records.length === 0) throw new Error('nothing to merge: name the records of every stack');
  const name = (index: number) => sources[index] ?? `record ${index + 1}`;
  const [first] = records;
  const seen = new Map<string, number>();
  records.forEach((record, index) => {
    for (const key of ['environment', 'revision', 'emulator'] as const) {
      if (record[key] !== first[key]) {
        throw new Error(`${name(index)} is of ${key} ${JSON.stringify(record[key])}, ${name(0)} of ${JSON.stringify(first[key])}: merge the records of one environment, planned at one commit`);
      }
    }
    for (const entry of record.stacks) {
      if (seen.has(entry.stack)) throw new Error(`${entry.stack} is in both ${name(seen.get(entry.stack)!)} and ${name(index)}`);
      seen.set(entry.stack, index);
    }
  });
  return { ...first, stacks: records.flatMap((record) => record.stacks).sort((a, b) => a.position - b.position) };
}

/** Reads a record written by `npm run diff -- --json`, naming the file and the field when it is not one. */
export function readChangeSet(file: string): ChangeSetFile {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not a change-set record (${(error as Error).message})`);
  }
  const parsed = changeSetFile.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new Error(`${file}: not a ${CHANGE_SET_FORMAT} record (from \`npm run diff -- --json\`):\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/** Writes a file whole or not at all: a reader (a later job, a comment bot) never finds half of it. */
export function writeWhole(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(`${file}.partial`, text);
  fs.renameSync(`${file}.partial`, file);
}

/** The commit checked out here (in a pull request's run, the merge commit GitHub built), when this is a git checkout. */
export function checkedOutRevision(cwd = process.cwd()): string | undefined {
  const result = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd, encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}
