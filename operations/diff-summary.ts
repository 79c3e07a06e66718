import { changeAction, describeChange, type ResourceChange } from './plan-changes';

/**
 * Resource types that hold data a replacement or deletion loses (or, for a key, makes unreadable), by what
 * a reviewer calls them. Everything else Groundwork makes can be created again from the code.
 */
const STATEFUL_KINDS: Readonly<Record<string, string>> = {
  aws_rds_cluster: 'database',
  aws_db_instance: 'database',
  aws_rds_global_cluster: 'global database',
  aws_elasticache_replication_group: 'cache',
  aws_ebs_volume: 'data volume',
  aws_s3_bucket: 'bucket',
  aws_backup_vault: 'backup vault',
  aws_kms_key: 'key',
  aws_secretsmanager_secret: 'secret',
  aws_secretsmanager_secret_version: 'secret value',
  aws_ecr_repository: 'image repository',
  aws_cloudwatch_log_group: 'log group',
  aws_sqs_queue: 'queue',
  aws_globalaccelerator_accelerator: 'accelerator',
  aws_prometheus_workspace: 'metrics workspace',
};

/** What is lost, by kind, when the resource goes. */
const LOSS: Readonly<Record<string, string>> = {
  database: 'its data is gone unless restored from a snapshot or recovery point',
  'global database': 'its secondaries are detached and stop following the primary: the standby has no current copy until they are rebuilt',
  cache: 'its data is gone (a cache, but sessions and queues may live there)',
  'data volume': 'the node\'s data on it is gone unless restored from a recovery point (docs/runbooks/restore-graph-volume.md)',
  bucket: 'its objects are gone',
  'backup vault': 'its recovery points are gone',
  key: 'everything encrypted with it becomes unreadable once its deletion window ends',
  secret: 'its value is gone once its recovery window ends; whoever reads it fails',
  'secret value': 'the value is generated anew; whoever holds the old one is locked out',
  'image repository': 'its images are gone; running tasks cannot be replaced from them',
  'log group': 'its logs (flow logs, audit, application) are gone',
  queue: 'the messages waiting in it are gone',
  accelerator: 'its two static addresses are released for good: whatever points at them (DNS records, allow-lists) must change',
  'metrics workspace': 'its metrics (the GitOps loop\'s history) are gone, and its endpoint changes: collectors writing to it must be pointed at the new one',
};

/** The kind of stateful resource a Terraform type is (`database`, `bucket`...), or undefined. */
export function statefulKind(type: string): string | undefined {
  return STATEFUL_KINDS[type];
}

/** What one stack's plan came to, as the diff reports it. */
export type StackDiff =
  | {
      readonly stack: string;
      readonly status: 'planned';
      readonly changes: readonly ResourceChange[];
      readonly outputs: readonly string[];
      /** Changes left out as known emulator artefacts, with why (emulator environments only). */
      readonly ignored: readonly { readonly change: ResourceChange; readonly reason: string }[];
      /** Stacks this one reads outputs from whose outputs this diff would change: its plan used their current values. */
      readonly upstreamChanging: readonly string[];
    }
  | { readonly stack: string; readonly status: 'failed' | 'skipped'; readonly reason: string };

export interface ChangeCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly import: number;
}

/** Terraform's own counting: a replacement is one to add and one to destroy. */
export function countChanges(changes: readonly ResourceChange[]): ChangeCounts {
  const count = (action: string) => changes.filter((change) => change.actions.includes(action)).length;
  return { add: count('create'), change: count('update'), destroy: count('delete'), import: changes.filter((change) => change.importing).length };
}

/** One warning per replacement or deletion of a stateful resource. */
export function statefulWarnings(changes: readonly ResourceChange[]): string[] {
  return changes.flatMap((change) => {
    const kind = statefulKind(change.type);
    if (!kind || !change.actions.includes('delete')) return [];
    const fate = changeAction(change) === 'replace' ? `will be replaced${change.forcedBy.length > 0 ? ` (because of ${change.forcedBy.join(', ')})` : ''}` : 'will be destroyed';
    return [`\`${change.address}\` (${kind}) ${fate}: ${LOSS[kind]}.`];
  });
}

/**
 * A note per volume attachment replaced while no volume is made or goes: a node's instance is replaced (a new image or
 * boot script) and its data volume, kept, is attached to the new one. What a reviewer of a node's update
 * wants to read beside the instance's replacement.
 */
export function keptVolumeNotes(changes: readonly ResourceChange[]): string[] {
  // A volume made or destroyed in the same plan is not the one the node had.
  if (changes.some((change) => change.type === 'aws_ebs_volume' && (change.actions.includes('delete') || change.actions.includes('create')))) return [];
  return changes
    .filter((change) => change.type === 'aws_volume_attachment' && changeAction(change) === 'replace')
    .map((change) => `\`${change.address}\` is replaced with its instance: the data volume is kept, detached from the old instance (stopped first) and attached to the new one.`);
}

/** True when no stack would change anything and every stack was planned. */
export function isClean(diffs: readonly StackDiff[]): boolean {
  return diffs.every((diff) => diff.status === 'planned' && diff.changes.length === 0 && diff.outputs.length === 0);
}

/** The marker that finds this environment's diff again: the PR comment is updated in place by it. */
export function diffMarker(environment: string): string {
  return `<!-- groundwork-diff:${environment} -->`;
}

/**
 * The environment's diff as Markdown: a table of every stack (dependencies first) with its counts, then
 * per stack with changes the resources behind them and a warning for each stateful replacement or
 * deletion. Names only, never values: a plan's values may be secrets. `revision` names the commit planned.
 */
export function diffSummary(environment: string, diffs: readonly StackDiff[], revision?: string): string {
  const planned = diffs.filter((diff) => diff.status === 'planned');
  const total = countChanges(planned.flatMap((diff) => diff.changes));
  const changedStacks = planned.filter((diff) => diff.changes.length > 0 || diff.outputs.length > 0);
  const warnings = planned.flatMap((diff) => statefulWarnings(diff.changes));
  const problems = diffs.filter((diff) => diff.status !== 'planned');
  // The commit planned: a reader of an edited-in-place comment sees which push it shows.
  const lines = [diffMarker(environment), `### Groundwork diff: \`${environment}\`${revision ? ` at \`${revision}\`` : ''}`, ''];
  if (problems.length > 0) lines.push(`**${problems.length} of ${diffs.length} stacks could not be planned**: the diff below is incomplete.`, '');
  lines.push(
    changedStacks.length === 0 && problems.length === 0
      ? `No changes: all ${diffs.length} stacks match the code.`
      : `${describeCounts(total)} in ${changedStacks.length} of ${diffs.length} stacks` +
          (warnings.length > 0 ? `, **${warnings.length} stateful resource${warnings.length === 1 ? '' : 's'} replaced or destroyed**.` : '.'),
    '',
    '| Stack | Add | Change | Destroy | |',
    '| --- | ---: | ---: | ---: | --- |',
    ...diffs.map(tableRow),
  );
  for (const diff of diffs) lines.push(...stackSection(diff));
  return `${lines.join('\n')}\n`;
}

function tableRow(diff: StackDiff): string {
  if (diff.status !== 'planned') return `| \`${diff.stack}\` | | | | ${diff.status === 'failed' ? 'plan failed' : 'not planned'} |`;
  const counts = countChanges(diff.changes);
  const warnings = statefulWarnings(diff.changes).length;
  // Nothing planned against outputs this change alters is not "no changes": the plan after them may differ.
  const note =
    diff.changes.length === 0 && diff.outputs.length === 0
      ? diff.upstreamChanging.length > 0
        ? 'provisional'
        : 'no changes'
      : [
          warnings > 0 ? `**${warnings} stateful**` : '',
          counts.import > 0 ? `${counts.import} to import` : '',
          diff.changes.length === 0 ? 'outputs only' : '',
          diff.upstreamChanging.length > 0 ? 'provisional' : '',
        ]
          .filter(Boolean)
          .join(', ');
  return `| \`${diff.stack}\` | ${counts.add} | ${counts.change} | ${counts.destroy} | ${note} |`;
}

function stackSection(diff: StackDiff): string[] {
  if (diff.status !== 'planned') {
    return ['', `#### \`${diff.stack}\`: ${diff.status === 'failed' ? 'plan failed' : 'not planned'}`, '', ...failureLines(diff.reason).map((line) => `    ${line}`)];
  }
  const lines: string[] = [];
  if (diff.changes.length > 0 || diff.outputs.length > 0 || diff.upstreamChanging.length > 0) {
    lines.push('', `#### \`${diff.stack}\`: ${describeCounts(countChanges(diff.changes))}`, '');
    lines.push(...statefulWarnings(diff.changes).map((warning) => `> **Warning**: ${warning}`));
    lines.push(...keptVolumeNotes(diff.changes).map((note) => `> **Note**: ${note}`));
    if (diff.upstreamChanging.length > 0) {
      lines.push(
        `> Planned against the current outputs of ${diff.upstreamChanging.map((name) => `\`${name}\``).join(', ')}, which this change alters: run the diff again after ${diff.upstreamChanging.length === 1 ? 'it is' : 'they are'} applied.`,
      );
    }
    if (lines[lines.length - 1] !== '') lines.push('');
    lines.push(...diff.changes.map((change) => `- \`${describeChange(change).replace(': ', '`: ')}`));
    lines.push(...diff.outputs.map((output) => `- output \`${output}\` changes`));
  }
  if (diff.ignored.length > 0) {
    lines.push(
      '',
      `<details><summary>${diff.stack}: ${diff.ignored.length} known emulator artefact${diff.ignored.length === 1 ? '' : 's'}, not counted</summary>`,
      '',
      ...diff.ignored.map(({ change, reason }) => `- \`${describeChange(change).replace(': ', '`: ')} (${reason})`),
      '',
      '</details>',
    );
  }
  return lines;
}

/**
 * What a failure may say in a PR comment or an issue: its first line (which command, and where its full
 * log is) and Terraform's one-line `Error:` summaries. The rest of Terraform's output can quote
 * attribute values, so it stays in the log.
 */
export function failureLines(reason: string): string[] {
  const [first, ...rest] = reason.split('\n');
  return [first, ...rest.map((line) => line.trim()).filter((line) => /^(│ )?Error: /.test(line)).map((line) => line.replace(/^│ /, ''))];
}

function describeCounts(counts: ChangeCounts): string {
  const parts = [`${counts.add} to add`, `${counts.change} to change`, `${counts.destroy} to destroy`];
  if (counts.import > 0) parts.push(`${counts.import} to import`);
  return parts.join(', ');
}
