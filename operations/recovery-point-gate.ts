// The deploy's check on graph nodes' backups: in staging and prod, `npm run deploy` refuses to apply a
// stack's plan that would replace or destroy a graph node (an EC2 instance whose data is on an EBS volume
// of its own) when the volume's latest completed recovery point in AWS Backup is missing or older than
// `graph.backup.maxRecoveryPointAgeHours`. Each refused node is named with its volume and recovery point,
// and with the command that backs the volume up now.
import { BackupClient, paginateListRecoveryPointsByResource } from '@aws-sdk/client-backup';
import { partitionOf } from '../lib/arn';
import type { BeforeApply } from './environment-operations';
import type { SynthesizedStack } from './environment-stacks';
import { initStack, stackOutputs, type StackContext } from './stack-operations';

/** The tag on a graph node's instance naming its data volume (`vol-…`): constructs/stateful-node.ts. */
export const DATA_VOLUME_TAG = 'groundwork:data-volume';

/** The tiers whose deploys are gated; dev and emulator environments are not. */
const GATED_TIERS: ReadonlySet<string> = new Set(['staging', 'prod']);

/** A graph node that a plan would replace or destroy. */
export interface NodeDeletion {
  /** The instance's Terraform address in its stack. */
  readonly address: string;
  /** The instance's `Name` tag (`groundwork-<env>-graph-<n>`), when it has one. */
  readonly name?: string;
  readonly action: 'replace' | 'destroy';
  readonly volumeId: string;
  readonly volumeArn: string;
  /** The volume's region: its recovery points are in that region's vaults. */
  readonly region: string;
}

/** A recovery point of a resource in AWS Backup. */
export interface RecoveryPoint {
  readonly arn: string;
  readonly createdAt: Date;
  readonly vaultName?: string;
}

/** What the gate asks AWS Backup. */
export interface RecoveryPointSource {
  /** The resource's newest recovery point whose status is COMPLETED, or undefined when it has none. */
  latestRecoveryPoint(resourceArn: string): Promise<RecoveryPoint | undefined>;
}

/** What `aws backup start-backup-job` needs beyond the volume: the backup stack's `vault_name` and `role_arn`. */
export interface OnDemandBackup {
  readonly vaultName: string;
  readonly roleArn: string;
}

/** The environment as the gate reads it (an `Environment` has these, `maxRecoveryPointAgeHours` aside). */
export interface GateEnvironment {
  readonly name: string;
  readonly tier: 'dev' | 'staging' | 'prod';
  /** Set for an emulator environment (`local`), which is never gated. */
  readonly emulator?: unknown;
  readonly region: string;
  readonly accountId: string;
  /** `graph.backup.maxRecoveryPointAgeHours`, or its default when the environment has no `graph`. */
  readonly maxRecoveryPointAgeHours: number;
}

export interface GateOptions {
  readonly recoveryPoints: RecoveryPointSource;
  /** The time a recovery point's age is measured at. @default - the clock */
  readonly now?: () => Date;
  /**
   * The vault and role for the on-demand backup command, asked only when refusing; undefined (or a
   * failure) names where to find them instead. @default - none: the message names the backup stack's outputs
   */
  readonly onDemandBackup?: () => Promise<OnDemandBackup | undefined>;
}

/** Whether deploys of the environment are gated: staging and prod, never an emulator. */
export function isGated(env: Pick<GateEnvironment, 'tier' | 'emulator'>): boolean {
  return !env.emulator && GATED_TIERS.has(env.tier);
}

/**
 * The gate for deploys of the environment, to run before each stack's apply; undefined when the
 * environment is not gated. It throws, naming the stack and every node refused, when the plan would
 * replace or destroy a graph node whose data volume has no completed recovery point from the last
 * `maxRecoveryPointAgeHours` (or whose recovery points cannot be listed).
 */
export function recoveryPointGate(env: GateEnvironment, options: GateOptions): BeforeApply | undefined {
  if (!isGated(env)) return undefined;
  return async (stack, plan) => {
    if (plan.json === undefined) return;
    const nodes = deletedGraphNodes(plan.json, env);
    const refusals = await recoveryPointRefusals(nodes, env, options);
    if (refusals.length === 0) return;
    throw new Error(
      `${stack.name}: refusing to apply: ${refusals.length === 1 ? 'a graph node' : `${refusals.length} graph nodes`} would be replaced or destroyed without a recovery point ` +
        `of ${refusals.length === 1 ? 'its data volume' : 'their data volumes'} from the last ${env.maxRecoveryPointAgeHours} hours ` +
        `(graph.backup.maxRecoveryPointAgeHours of ${env.name}); nothing of it was applied:\n${refusals.map((line) => `    - ${line}`).join('\n')}`,
    );
  };
}

/** The subset of `terraform show -json`'s plan the gate reads. */
interface PlanJson {
  resource_changes?: {
    address: string;
    type: string;
    mode: string;
    change: { actions: string[]; before: Record<string, unknown> | null };
  }[];
}

/**
 * Every EC2 instance the plan would delete (replace, either way round, or destroy) whose tags before the
 * change name a data volume. The volume's ARN is built from the instance's own ARN (partition, region,
 * account), or from `where` when the state lacks it.
 */
export function deletedGraphNodes(planJson: string, where: Pick<GateEnvironment, 'region' | 'accountId'>): NodeDeletion[] {
  const plan = JSON.parse(planJson) as PlanJson;
  const nodes: NodeDeletion[] = [];
  for (const change of plan.resource_changes ?? []) {
    if (change.mode !== 'managed' || change.type !== 'aws_instance' || !change.change.actions.includes('delete')) continue;
    const before = change.change.before ?? {};
    const tags = { ...stringTags(before.tags_all), ...stringTags(before.tags) };
    const volume = tags[DATA_VOLUME_TAG];
    if (!volume) continue;
    const instanceArn = /^arn:([^:]+):ec2:([^:]+):(\d+):instance\//.exec(typeof before.arn === 'string' ? before.arn : '');
    const [partition, region, account] = instanceArn ? instanceArn.slice(1) : [partitionOf(where.region), where.region, where.accountId];
    // The tag holds the volume's id; an ARN is taken as it is.
    const volumeArn = volume.startsWith('arn:') ? volume : `arn:${partition}:ec2:${region}:${account}:volume/${volume}`;
    nodes.push({
      address: change.address,
      ...(tags.Name ? { name: tags.Name } : {}),
      action: change.change.actions.includes('create') ? 'replace' : 'destroy',
      volumeId: volumeArn.slice(volumeArn.lastIndexOf('/') + 1),
      volumeArn,
      region: volumeArn.split(':')[3],
    });
  }
  return nodes;
}

function stringTags(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const HOUR_MS = 3_600_000;

/**
 * One line per node refused: its volume has no completed recovery point, the latest is older than the
 * limit, or its recovery points could not be listed (a node is never let through unchecked). Each line
 * names the node, the volume and the recovery point, and says how to back the volume up.
 */
export async function recoveryPointRefusals(nodes: readonly NodeDeletion[], env: Pick<GateEnvironment, 'name' | 'maxRecoveryPointAgeHours'>, options: GateOptions): Promise<string[]> {
  if (nodes.length === 0) return [];
  const now = (options.now ?? (() => new Date()))();
  const limitMs = env.maxRecoveryPointAgeHours * HOUR_MS;
  const problems = await Promise.all(
    nodes.map(async (node): Promise<string | undefined> => {
      let point: RecoveryPoint | undefined;
      try {
        point = await options.recoveryPoints.latestRecoveryPoint(node.volumeArn);
      } catch (error) {
        return `its recovery points could not be listed (${(error as Error).name}: ${(error as Error).message}), so its backup is unknown`;
      }
      if (!point) return 'it has no completed recovery point in AWS Backup';
      const ageMs = now.getTime() - point.createdAt.getTime();
      if (ageMs <= limitMs) return undefined;
      return `its latest completed recovery point, ${point.arn}${point.vaultName ? ` (vault ${point.vaultName})` : ''}, was created ${point.createdAt.toISOString()}, ${(ageMs / HOUR_MS).toFixed(1)} hours ago: older than ${env.maxRecoveryPointAgeHours} hours`;
    }),
  );
  const refused = nodes.map((node, index) => ({ node, problem: problems[index] })).filter((entry): entry is { node: NodeDeletion; problem: string } => entry.problem !== undefined);
  if (refused.length === 0) return [];
  const backup = await options.onDemandBackup?.().catch(() => undefined);
  return refused.map(({ node, problem }) => {
    const vault = backup?.vaultName ?? '<vault_name>';
    const role = backup?.roleArn ?? '<role_arn>';
    const command = `aws backup start-backup-job --region ${node.region} --backup-vault-name ${vault} --iam-role-arn ${role} --resource-arn ${node.volumeArn}`;
    const where = backup ? '' : ` (vault_name and role_arn are outputs of the stack backup-${env.name}: \`terraform output\` in its directory)`;
    return (
      `${node.name ?? '(no Name tag)'} (\`${node.address}\`, ${node.action}): data volume ${node.volumeId} (${node.volumeArn}): ${problem}. ` +
      `Back it up now with \`${command}\`${where}, wait until \`aws backup describe-backup-job --region ${node.region} --backup-job-id <the job's id>\` says COMPLETED, and deploy again.`
    );
  });
}

/**
 * AWS Backup's own answer: every page of ListRecoveryPointsByResource for the resource, in its region,
 * the newest COMPLETED recovery point kept.
 */
export class AwsBackupRecoveryPoints implements RecoveryPointSource {
  /** @param clientFor a client for a region, used for one lookup and then destroyed */
  constructor(private readonly clientFor: (region: string) => BackupClient = (region) => new BackupClient({ region, maxAttempts: 5 })) {}

  async latestRecoveryPoint(resourceArn: string): Promise<RecoveryPoint | undefined> {
    const client = this.clientFor(resourceArn.split(':')[3]);
    try {
      let latest: RecoveryPoint | undefined;
      for await (const page of paginateListRecoveryPointsByResource({ client }, { ResourceArn: resourceArn })) {
        for (const point of page.RecoveryPoints ?? []) {
          if (point.Status !== 'COMPLETED' || !point.RecoveryPointArn || !point.CreationDate) continue;
          if (latest && point.CreationDate.getTime() <= latest.createdAt.getTime()) continue;
          latest = { arn: point.RecoveryPointArn, createdAt: point.CreationDate, ...(point.BackupVaultName ? { vaultName: point.BackupVaultName } : {}) };
        }
      }
      return latest;
    } finally {
      client.destroy();
    }
  }
}

/**
 * The vault and role of the environment's backup stack (`backup-<env>`), read from its state's outputs;
 * undefined when the environment has no such stack or its outputs cannot be read.
 */
export function backupStackOutputs(stacks: readonly SynthesizedStack[], context: StackContext, environment: string): () => Promise<OnDemandBackup | undefined> {
  return async () => {
    const stack = stacks.find((candidate) => candidate.name === `backup-${environment}`);
    if (!stack) return undefined;
    await initStack(stack, context);
    const outputs = await stackOutputs(stack, context);
    const { vault_name: vaultName, role_arn: roleArn } = outputs;
    return typeof vaultName === 'string' && typeof roleArn === 'string' ? { vaultName, roleArn } : undefined;
  };
}
