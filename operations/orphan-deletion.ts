// What `npm run orphans` does with the orphans operations/orphans.ts finds: who may delete (the consent,
// settled before any AWS call), which buckets and vaults are empty, the deletions themselves (stateless
// types only, dependents first), and the report a human reads.
import { BackupClient, DeleteBackupVaultCommand, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, DeleteAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DeleteFlowLogsCommand, DeleteInternetGatewayCommand, DeleteNatGatewayCommand, DeleteRouteTableCommand, DeleteSecurityGroupCommand, DeleteSubnetCommand, DeleteVpcCommand,
  DescribeAddressesCommand, DescribeInternetGatewaysCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DetachInternetGatewayCommand, DisassociateAddressCommand,
  DisassociateRouteTableCommand, EC2Client, ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { DeleteRuleCommand, EventBridgeClient, ListTargetsByRuleCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteRoleCommand, DeleteRolePolicyCommand, DetachRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand, ListInstanceProfilesForRoleCommand, ListRolePoliciesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { DeleteFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Tier } from '../environments/tiers';
import { UsageError } from '../lib/cli';
import { clientConfig, importEntry, parseArn, type AwsAccess, type Orphan, type OrphanReport } from './orphans';

export interface DeletionFlags {
  readonly delete: boolean;
  readonly yes: boolean;
  /** `--confirm <env>`: the environment's name, typed on the command line. */
  readonly confirm?: string;
}

/**
 * Whether and how a run may delete, from its flags alone (no AWS call has been made): `list` (no
 * `--delete`), `prompt` (ask for the environment's name on the terminal), or `given`. A UsageError when
 * it may not: `--yes`/`--confirm` without `--delete`, a `--confirm` naming another environment, a prod-tier
 * environment without both `--yes` and `--confirm <env>`, or no terminal and neither of them.
 */
export function deletionConsent(environment: string, tier: Tier, flags: DeletionFlags, interactive: boolean): 'list' | 'prompt' | 'given' {
  if (!flags.delete) {
    if (flags.yes || flags.confirm !== undefined) throw new UsageError('--yes and --confirm go with --delete');
    return 'list';
  }
  if (flags.confirm !== undefined && flags.confirm !== environment) throw new UsageError(`--confirm "${flags.confirm}" is not this environment's name (${environment}); nothing was listed or deleted`);
  if (tier === 'prod') {
    if (flags.yes && flags.confirm === environment) return 'given';
    throw new UsageError(`${environment} is a prod-tier environment: --delete needs both --yes and --confirm ${environment}; nothing was listed or deleted`);
  }
  if (flags.yes || flags.confirm === environment) return 'given';
  if (interactive) return 'prompt';
  throw new UsageError(`--delete needs --yes when there is no terminal to type ${environment}'s name on; nothing was listed or deleted`);
}

/** A bucket or a backup vault: deleted only when provably empty. Anything else is kept. */
export async function inspectContainer(arn: string, access: AwsAccess, region: string): Promise<{ action: 'delete' | 'keep'; reason?: string }> {
  const parsed = parseArn(arn);
  if (parsed.service === 's3') {
    const s3 = new S3Client({ ...clientConfig(access, region), forcePathStyle: !!access.endpoint, followRegionRedirects: true });
    try {
      const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: parsed.id, MaxKeys: 1 }));
      const held = (listed.Versions?.length ?? 0) + (listed.DeleteMarkers?.length ?? 0);
      return held ? { action: 'keep', reason: 'a bucket with objects' } : { action: 'delete' };
    } finally {
      s3.destroy();
    }
  }
  if (parsed.service === 'backup') {
    const backup = new BackupClient(clientConfig(access, parsed.region));
    try {
      const listed = await backup.send(new ListRecoveryPointsByBackupVaultCommand({ BackupVaultName: parsed.id, MaxResults: 1 }));
      return listed.RecoveryPoints?.length ? { action: 'keep', reason: 'a backup vault with recovery points' } : { action: 'delete' };
    } catch (error) {
      return { action: 'keep', reason: `a backup vault whose recovery points could not be listed (${(error as Error).name}: ${(error as Error).message})` };
    } finally {
      backup.destroy();
    }
  }
  return { action: 'keep', reason: 'not a type this command deletes' };
}

/** Dependents before what they depend on: a VPC last, after its gateways, addresses, subnets, routes and groups. */
const DELETE_ORDER = ['ec2:vpc-flow-log', 'ec2:flow-logs', 'ec2:natgateway', 'ec2:elastic-ip', 'ec2:internet-gateway', 'ec2:subnet', 'ec2:route-table', 'ec2:security-group', 'ec2:vpc'];
const rank = (arn: string): number => {
  const parsed = parseArn(arn);
  return DELETE_ORDER.indexOf(`${parsed.service}:${parsed.type}`);
};

export interface DeletionResult {
  readonly deleted: readonly string[];
  readonly failed: readonly { arn: string; message: string }[];
}

/** Deletes every orphan marked `delete`, dependents first, going on past a failure; says what it did as it goes. */
export async function deleteOrphans(orphans: readonly Orphan[], access: AwsAccess, log: (line: string) => void): Promise<DeletionResult> {
  const deleted: string[] = [];
  const failed: { arn: string; message: string }[] = [];
  for (const orphan of orphans.filter((candidate) => candidate.action === 'delete').sort((a, b) => rank(a.arn) - rank(b.arn))) {
    try {
      await deleteOne(orphan.arn, access);
      deleted.push(orphan.arn);
      log(`deleted ${orphan.arn}`);
    } catch (error) {
      failed.push({ arn: orphan.arn, message: `${(error as Error).name}: ${(error as Error).message}` });
      log(`could not delete ${orphan.arn}: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return { deleted, failed };
}

async function deleteOne(arn: string, access: AwsAccess): Promise<void> {
  const parsed = parseArn(arn);
  const kind = `${parsed.service}:${parsed.type}`;
  const config = clientConfig(access, parsed.region || 'us-east-1');
  if (parsed.service === 'ec2') return deleteEc2(kind, parsed.id, new EC2Client(config));
  if (kind === 'iam:role') {
    const iam = new IAMClient(config);
    const RoleName = parsed.id.split('/').at(-1)!;
    try {
      for (const policy of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? []) await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: policy.PolicyArn }));
      for (const PolicyName of (await iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? []) await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
      for (const profile of (await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName }))).InstanceProfiles ?? []) {
        await iam.send(new RemoveRoleFromInstanceProfileCommand({ RoleName, InstanceProfileName: profile.InstanceProfileName }));
      }
      await iam.send(new DeleteRoleCommand({ RoleName }));
    } finally {
      iam.destroy();
    }
    return;
  }
  if (kind === 'sns:topic') return using(new SNSClient(config), (sns) => sns.send(new DeleteTopicCommand({ TopicArn: arn })));
  if (kind === 'cloudwatch:alarm') return using(new CloudWatchClient(config), (cloudwatch) => cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [parsed.id] })));
  if (kind === 'lambda:function') return using(new LambdaClient(config), (lambda) => lambda.send(new DeleteFunctionCommand({ FunctionName: parsed.id.split(':')[0] })));
  if (kind === 'events:rule') {
    const [Name, EventBusName] = parsed.id.split('/').reverse();
    return using(new EventBridgeClient(config), async (events) => {
      const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: Name, EventBusName }))).Targets ?? [];
      if (targets.length) await events.send(new RemoveTargetsCommand({ Rule: Name, EventBusName, Ids: targets.map((target) => target.Id!) }));
      await events.send(new DeleteRuleCommand({ Name, EventBusName }));
    });
  }
  if (kind === 's3:bucket' || kind === 'backup:backup-vault') {
    // Looked at again right before: an object written since the listing keeps it.
    const now = await inspectContainer(arn, access, parsed.region || 'us-east-1');
    if (now.action !== 'delete') throw new Error(`not deleted: it is ${now.reason} now`);
    if (kind === 'backup:backup-vault') return using(new BackupClient(config), (backup) => backup.send(new DeleteBackupVaultCommand({ BackupVaultName: parsed.id })));
    return using(new S3Client({ ...config, forcePathStyle: !!access.endpoint, followRegionRedirects: true }), (s3) => s3.send(new DeleteBucketCommand({ Bucket: parsed.id })));
  }
  throw new Error(`${kind} is not a type this command deletes`);
}

async function using<C extends { destroy(): void }>(client: C, task: (client: C) => Promise<unknown>): Promise<void> {
  try {
    await task(client);
  } finally {
    client.destroy();
  }
}

async function deleteEc2(kind: string, id: string, ec2: EC2Client): Promise<void> {
  try {
    if (kind === 'ec2:vpc') await ec2.send(new DeleteVpcCommand({ VpcId: id }));
    else if (kind === 'ec2:subnet') await ec2.send(new DeleteSubnetCommand({ SubnetId: id }));
    else if (kind === 'ec2:security-group') await ec2.send(new DeleteSecurityGroupCommand({ GroupId: id }));
    else if (kind === 'ec2:vpc-flow-log' || kind === 'ec2:flow-logs') await ec2.send(new DeleteFlowLogsCommand({ FlowLogIds: [id] }));
    else if (kind === 'ec2:route-table') {
      const table = (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.[0];
      for (const association of table?.Associations ?? []) {
        if (!association.Main && association.RouteTableAssociationId) await ec2.send(new DisassociateRouteTableCommand({ AssociationId: association.RouteTableAssociationId }));
      }
      await ec2.send(new DeleteRouteTableCommand({ RouteTableId: id }));
    } else if (kind === 'ec2:internet-gateway') {
      const gateway = (await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [id] }))).InternetGateways?.[0];
      for (const attachment of gateway?.Attachments ?? []) await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId: attachment.VpcId }));
      await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: id }));
    } else if (kind === 'ec2:elastic-ip') {
      const address = (await ec2.send(new DescribeAddressesCommand({ AllocationIds: [id] }))).Addresses?.[0];
      if (address?.AssociationId) await ec2.send(new DisassociateAddressCommand({ AssociationId: address.AssociationId }));
      await ec2.send(new ReleaseAddressCommand({ AllocationId: id }));
    } else if (kind === 'ec2:natgateway') {
      await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId: id }));
      // Its Elastic IP is released, and its subnet deleted, only once it is gone: a minute or two on AWS.
      const deadline = Date.now() + 600_000;
      while ((await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [id] }))).NatGateways?.some((gateway) => gateway.State !== 'deleted')) {
        if (Date.now() > deadline) throw new Error(`NAT gateway ${id} still exists 10 minutes after its deletion`);
        await new Promise((resolve) => setTimeout(resolve, 5000));
      }
    } else throw new Error(`${kind} is not a type this command deletes`);
  } finally {
    ec2.destroy();
  }
}

/** What to do by hand with an orphan nothing adopts, by type. */
function manualStep(orphan: Orphan): string {
  const parsed = parseArn(orphan.arn);
  const steps: Record<string, string> = {
    'kms:key': `once nothing it encrypted is needed: aws kms schedule-key-deletion --region ${parsed.region} --key-id ${parsed.id} --pending-window-in-days 30`,
    'secretsmanager:secret': `once its value is not needed: aws secretsmanager delete-secret --region ${parsed.region} --secret-id '${orphan.arn}' (30 days to restore it)`,
    's3:bucket': `empty it once its objects are not needed (every version: aws s3api list-object-versions --bucket ${parsed.id}), then re-run with --delete`,
    'logs:log-group': `once its logs are not needed: aws logs delete-log-group --region ${parsed.region} --log-group-name '${parsed.id}'`,
    'backup:backup-vault': `delete its recovery points once they are not needed (aws backup list-recovery-points-by-backup-vault --backup-vault-name ${parsed.id}), then re-run with --delete`,
  };
  return steps[`${parsed.service}:${parsed.type}`] ?? 'look at it in the console; take a final snapshot or copy of what it holds before deleting it by hand';
}

/** The listing a human reads: every orphan, what --delete does with it, and its imports entry or manual step. */
export function formatReport(report: OrphanReport, configFile: string): string {
  const lines: string[] = [];
  for (const { stack, lock, location } of report.locked) {
    lines.push(`warning: ${stack}'s state is locked (${lock.Who || 'unknown holder'}, ${lock.Operation || 'no operation'}, since ${lock.Created}; ${location}): an apply may be running, and what it created is not in the state yet. --delete refuses until no lock is held (npm run unlock).`);
  }
  const where = `${report.regions.join(', ')} and IAM`;
  if (report.orphans.length === 0) {
    lines.push(`${report.environment}: no orphans: every resource tagged environment=${report.environment}, managed-by=groundwork in ${where} is in the state of one of its ${report.stacks.length} stacks.`);
  } else {
    lines.push(`${report.environment}: ${report.orphans.length} orphan${report.orphans.length === 1 ? '' : 's'}: tagged environment=${report.environment}, managed-by=groundwork in ${where}, in no state of its ${report.stacks.length} stacks.`, '');
    for (const orphan of report.orphans) {
      lines.push(orphan.arn);
      if (orphan.tags.component) lines.push(`  component: ${orphan.tags.component}${orphan.tags.Name ? ` (Name ${orphan.tags.Name})` : ''}`);
      lines.push(`  --delete:  ${orphan.action === 'delete' ? 'deletes it' : `keeps it: ${orphan.reason}`}`);
      const match = orphan.match;
      if (match && 'resource' in match) {
        lines.push(`  adopt:     ${importEntry(match)}  (${match.address})`);
        if (match.contendedBy) lines.push(`             ${match.contendedBy.length} other orphan${match.contendedBy.length === 1 ? '' : 's'} match${match.contendedBy.length === 1 ? 'es' : ''} ${match.resource} too: adopt one, delete the others`);
      }
      else if (match) lines.push(`  adopt:     several resources could be it (${match.ambiguous.join(', ')}): pick one for an imports entry`);
      else lines.push(`  adopt:     no resource of its stacks that is missing from their state matches it`);
      if (orphan.action === 'keep' && !(match && 'resource' in match)) lines.push(`  manual:    ${manualStep(orphan)}`);
    }
    // One entry per resource: of several orphans it could adopt, the first (the others are named above).
    const entries = [...new Set(report.orphans.flatMap((orphan) => (orphan.match && 'resource' in orphan.match ? [orphan.match.resource] : [])))].map((resource) => {
      const orphan = report.orphans.find((candidate) => candidate.match && 'resource' in candidate.match && candidate.match.resource === resource)!;
      return `${importEntry(orphan.match as { resource: string; id: string })},${orphan.match && 'contendedBy' in orphan.match && orphan.match.contendedBy ? ' // or another orphan that matches it' : ''}`;
    });
    if (entries.length) {
      lines.push('', `To adopt instead of delete, add to ${configFile} (then deploy; remove them once deployed: docs/runbooks/import.md):`, '  imports: [', ...entries.map((entry) => `    ${entry}`), '  ],');
    }
  }
  if (report.pendingDeletion) lines.push(`(${report.pendingDeletion} more tagged for ${report.environment} already being deleted (KMS keys pending deletion, NAT gateways deleted), not listed.)`);
  return `${lines.join('\n')}\n`;
}
