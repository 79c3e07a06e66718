// Orphans: real AWS resources tagged as one environment's (`environment=<env>`, `managed-by=groundwork`,
// the providers' default_tags) that no stack's state holds, each with the `imports` entry that would adopt
// it, or the manual step. What finds them is here; what deletes them is in operations/orphan-deletion.ts.
import { DescribeAddressesCommand, DescribeNatGatewaysCommand, EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient, ListRolesCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { partitionOfRegion } from '../lib/aws-partitions';
import { readStackJson, type SynthesizedStack } from './environment-stacks';
import { lockLocation, readStateLock, stackBackend, type StateLock } from './state-lock';

/** Where and as whom the AWS SDK clients call: an emulator's endpoint and keys, or the ambient chain. */
export interface AwsAccess {
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** The access a Terraform environment (`StackContext.env`) describes: its endpoint and keys when it has them. */
export function awsAccess(env: NodeJS.ProcessEnv): AwsAccess {
  return {
    ...(env.AWS_ENDPOINT_URL && { endpoint: env.AWS_ENDPOINT_URL }),
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN } }),
  };
}

export function clientConfig(access: AwsAccess, region: string) {
  return { region, maxAttempts: 3, ...(access.endpoint && { endpoint: access.endpoint }), ...(access.credentials && { credentials: access.credentials }) };
}

/** The parts of an ARN this needs. `id` is the resource's identifier: a name, an id, or (S3, SNS, SQS) the whole resource part. */
export interface ParsedArn {
  readonly service: string;
  readonly region: string;
  readonly account: string;
  /** `role`, `vpc`, `log-group`, `secret`, `bucket`, `topic`, `queue`, ... */
  readonly type: string;
  readonly id: string;
}

export function parseArn(arn: string): ParsedArn {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') throw new Error(`not an ARN: ${arn}`);
  const [, , service, region, account] = parts;
  // A log group's ARN may end in `:*` (every stream); the group is the same.
  const resource = parts.slice(5).join(':').replace(/:\*$/, '');
  const bare = { s3: 'bucket', sns: 'topic', sqs: 'queue' }[service];
  if (bare) return { service, region, account, type: bare, id: resource };
  const split = /^([A-Za-z0-9-]+)[/:](.*)$/.exec(resource);
  return split ? { service, region, account, type: split[1], id: split[2] } : { service, region, account, type: '', id: resource };
}

/** How each tagged resource type maps to Terraform: its types, its import id, and what deleting it would lose. */
interface TypeRule {
  readonly terraform: readonly string[];
  /** The import id the AWS provider documents for the type. @default the ARN's id */
  readonly importId?: (arn: string, parsed: ParsedArn) => string;
  /** Why it is never deleted here (it holds data, or losing it loses data), or 'if-empty'. Absent: it is deleted. */
  readonly keep?: string | 'if-empty';
}

const ec2 = (terraform: string): TypeRule => ({ terraform: [terraform] });
const TYPE_RULES: Record<string, TypeRule> = {
  'iam:role': { terraform: ['aws_iam_role'] },
  'ec2:vpc': ec2('aws_vpc'),
  'ec2:subnet': ec2('aws_subnet'),
  'ec2:security-group': { terraform: ['aws_security_group', 'aws_default_security_group'] },
  'ec2:route-table': ec2('aws_route_table'),
  'ec2:internet-gateway': ec2('aws_internet_gateway'),
  'ec2:natgateway': ec2('aws_nat_gateway'),
  'ec2:elastic-ip': ec2('aws_eip'),
  'ec2:vpc-flow-log': ec2('aws_flow_log'),
  // moto's spelling of the same.
  'ec2:flow-logs': ec2('aws_flow_log'),
  'sns:topic': { terraform: ['aws_sns_topic'], importId: (arn) => arn },
  'cloudwatch:alarm': { terraform: ['aws_cloudwatch_metric_alarm'] },
  'lambda:function': { terraform: ['aws_lambda_function'], importId: (_, p) => p.id.split(':')[0] },
  // `<name>` on the default bus, `<bus>/<name>` on another: the provider's import id either way.
  'events:rule': { terraform: ['aws_cloudwatch_event_rule'] },
  's3:bucket': { terraform: ['aws_s3_bucket'], keep: 'if-empty' },
  'backup:backup-vault': { terraform: ['aws_backup_vault'], keep: 'if-empty' },
  'kms:key': { terraform: ['aws_kms_key'], keep: 'a KMS key: whatever it encrypted is unreadable without it' },
  'secretsmanager:secret': { terraform: ['aws_secretsmanager_secret'], importId: (arn) => arn, keep: 'a secret: its value may be the only copy' },
  'logs:log-group': { terraform: ['aws_cloudwatch_log_group'], keep: 'a log group: it holds logs' },
  'rds:cluster': { terraform: ['aws_rds_cluster'], keep: 'a database' },
  'rds:global-cluster': { terraform: ['aws_rds_global_cluster'], keep: 'a global database' },
  'rds:db': { terraform: ['aws_db_instance', 'aws_rds_cluster_instance'], keep: 'a database' },
  'rds:subgrp': { terraform: ['aws_db_subnet_group'] , keep: 'a database subnet group (delete it after its database)' },
  'rds:pg': { terraform: ['aws_db_parameter_group'], keep: 'a database parameter group' },
  'rds:cluster-pg': { terraform: ['aws_rds_cluster_parameter_group'], keep: 'a database parameter group' },
  'elasticache:replicationgroup': { terraform: ['aws_elasticache_replication_group'], keep: 'a cache' },
  'elasticache:subnetgroup': { terraform: ['aws_elasticache_subnet_group'], keep: 'a cache subnet group (delete it after its cache)' },
  'sqs:queue': { terraform: ['aws_sqs_queue'], importId: (_, p) => `https://sqs.${p.region}.amazonaws.com/${p.account}/${p.id}`, keep: 'a queue: it may hold messages' },
  'ecr:repository': { terraform: ['aws_ecr_repository'], keep: 'an image repository: it holds images' },
};

const ruleOf = (parsed: ParsedArn): TypeRule | undefined => TYPE_RULES[`${parsed.service}:${parsed.type}`];

/** What `--delete` does with a resource of this ARN's type: delete it, delete it only when empty, or keep it (why). */
export function disposition(arn: string): { action: 'delete' } | { action: 'if-empty' } | { action: 'keep'; reason: string } {
  const rule = ruleOf(parseArn(arn));
  if (!rule) return { action: 'keep', reason: 'not a type this command deletes' };
  if (rule.keep === 'if-empty') return { action: 'if-empty' };
  return rule.keep ? { action: 'keep', reason: rule.keep } : { action: 'delete' };
}

/** The name a resource carries in its ARN: a secret's without the 6 characters Secrets Manager appends. */
function arnName(parsed: ParsedArn): string {
  if (parsed.service === 'secretsmanager') return parsed.id.replace(/-[A-Za-z0-9]{6}$/, '');
  if (parsed.service === 'events' || parsed.service === 'elasticloadbalancing') return parsed.id.split('/').at(parsed.service === 'events' ? -1 : 1)!;
  return parsed.id;
}

/** What a state holds: every managed resource instance's identifiers, by type. */
export interface StateEntry {
  readonly address: string;
  readonly type: string;
  readonly identifiers: readonly string[];
}

/** The managed resources of a Terraform state (format 4, as `terraform state pull` prints it). */
export function stateEntries(stateJson: string): StateEntry[] {
  const state = JSON.parse(stateJson) as { resources?: { mode: string; type: string; name: string; module?: string; instances: { attributes?: Record<string, unknown> }[] }[] };
  return (state.resources ?? [])
    .filter((resource) => resource.mode === 'managed')
    .flatMap((resource) =>
      resource.instances.map((instance) => ({
        address: `${resource.module ? `${resource.module}.` : ''}${resource.type}.${resource.name}`,
        type: resource.type,
        identifiers: ['arn', 'id', 'name', 'bucket', 'function_name', 'alarm_name', 'allocation_id', 'cluster_identifier', 'identifier', 'replication_group_id', 'key_id']
          .map((key) => instance.attributes?.[key])
          .filter((value): value is string => typeof value === 'string' && value !== ''),
      })),
    );
}

/**
 * Whether a state entry is this ARN's resource: the ARN itself, or (for a Terraform type of the ARN's
 * resource type) its id or name, compared whole: a substring would let `groundwork-<env>` hide everything.
 */
export function holds(entry: StateEntry, arn: string): boolean {
  if (entry.identifiers.some((identifier) => identifier.replace(/:\*$/, '') === arn.replace(/:\*$/, ''))) return true;
  const parsed = parseArn(arn);
  const rule = ruleOf(parsed);
  if (!rule?.terraform.includes(entry.type)) return false;
  return entry.identifiers.includes(parsed.id) || entry.identifiers.includes(arnName(parsed));
}

/** One resource of a synthesized stack, with what identifies it before it exists. */
export interface SynthesizedResource {
  readonly stack: string;
  readonly component: string;
  readonly type: string;
  readonly address: string;
  /** `<stack>/<construct path>`: the `resource` of an `imports` entry. */
  readonly path: string;
  readonly region: string;
  /** Literal names, the `Name` tag, a key's description: none an interpolation. */
  readonly keys: readonly string[];
}

interface OrphanStackJson {
  provider?: { aws?: { alias?: string; region?: string }[] };
  resource?: Record<string, Record<string, Record<string, unknown> & { '//'?: { metadata?: { path?: string } }; provider?: string; tags?: Record<string, string> }>>;
}

/** Every region the environment's stacks deploy into: their AWS providers' regions (the DR vault's second one included). */
export function environmentRegions(stacks: readonly SynthesizedStack[]): string[] {
  const regions = stacks.flatMap((stack) => (readStackJson<OrphanStackJson>(stack).provider?.aws ?? []).map((provider) => provider.region).filter((region): region is string => !!region));
  return [...new Set(regions)].sort();
}

export function synthesizedResources(stacks: readonly SynthesizedStack[]): SynthesizedResource[] {
  return stacks.flatMap((stack) => {
    const json = readStackJson<OrphanStackJson>(stack);
    const providers = json.provider?.aws ?? [];
    const regionOf = (alias?: string) => providers.find((provider) => (alias ? provider.alias === alias.replace(/^aws\./, '') : !provider.alias))?.region ?? '';
    return Object.entries(json.resource ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName).map(([name, config]) => ({
        stack: stack.name,
        component: stack.name.slice(0, stack.name.indexOf('-')),
        type,
        address: `${type}.${name}`,
        path: config['//']?.metadata?.path ?? `${stack.name}/${name}`,
        region: regionOf(config.provider),
        keys: [...['name', 'bucket', 'function_name', 'alarm_name', 'identifier', 'cluster_identifier', 'replication_group_id', 'description'].map((key) => config[key]), config.tags?.Name].filter(
          (value): value is string => typeof value === 'string' && value !== '' && !value.includes('${'),
        ),
      })),
    );
  });
}

/** A tagged resource as found, with what identifies it beyond its ARN (its tags; a key's description). */
export interface TaggedResource {
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly description?: string;
}

export type ImportMatch =
  | {
      readonly resource: string;
      readonly id: string;
      readonly address: string;
      /** Other orphans that match the same resource (two killed applies each left one): adopt one only. */
      readonly contendedBy?: readonly string[];
    }
  | { readonly ambiguous: readonly string[] };

/**
 * The synthesized resource an orphan would be adopted as: of a Terraform type of its kind, in its region,
 * in the stack of its `component` tag, not in that stack's state, with a literal name (or `Name` tag, or
 * for a key its description) equal to the orphan's. Undefined when none is; `ambiguous` when several are.
 */
export function importMatch(orphan: TaggedResource, resources: readonly SynthesizedResource[], states: ReadonlyMap<string, readonly StateEntry[]>): ImportMatch | undefined {
  const parsed = parseArn(orphan.arn);
  const rule = ruleOf(parsed);
  if (!rule) return undefined;
  const names = [arnName(parsed), orphan.tags.Name, orphan.description].filter((value): value is string => !!value);
  const candidates = resources.filter(
    (resource) =>
      rule.terraform.includes(resource.type) &&
      (parsed.region === '' || resource.region === parsed.region) &&
      (!orphan.tags.component || resource.component === orphan.tags.component) &&
      resource.keys.some((key) => names.includes(key)) &&
      !(states.get(resource.stack) ?? []).some((entry) => entry.address === resource.address),
  );
  if (candidates.length > 1) return { ambiguous: candidates.map((candidate) => candidate.path) };
  if (candidates.length === 0) return undefined;
  return { resource: candidates[0].path, id: rule.importId ? rule.importId(orphan.arn, parsed) : parsed.id, address: candidates[0].address };
}

/** An `imports` entry as environments/<env>.ts takes it. */
export const importEntry = (match: { resource: string; id: string }): string => `{ resource: '${match.resource}', id: '${match.id}' }`;

/** One orphan, with what `--delete` would do to it and how to adopt it instead. */
export interface Orphan extends TaggedResource {
  readonly match?: ImportMatch;
  /** delete, or keep with the reason. Resolved for buckets and vaults by looking inside them. */
  readonly action: 'delete' | 'keep';
  readonly reason?: string;
}

export interface OrphanReport {
  readonly environment: string;
  readonly regions: readonly string[];
  readonly stacks: readonly string[];
  /** Stacks whose state is locked: an apply may be running, and its state not yet written. */
  readonly locked: readonly { stack: string; lock: StateLock; location: string }[];
  readonly orphans: readonly Orphan[];
  /** Resources tagged for the environment and already being deleted (keys pending deletion, NAT gateways deleted): not orphans any more. */
  readonly pendingDeletion: number;
}

/** Reads a stack's state straight from its S3 backend (what `terraform state pull` prints): none yet, no entries. */
async function readState(stack: SynthesizedStack, outdir: string, access: AwsAccess): Promise<StateEntry[]> {
  const backend = stackBackend(outdir, stack.name);
  const s3 = new S3Client({ ...clientConfig(access, backend.region), ...(backend.endpoint && { endpoint: backend.endpoint }), forcePathStyle: backend.pathStyle });
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: backend.bucket, Key: backend.key }));
    return stateEntries(await object.Body!.transformToString());
  } catch (error) {
    // No state object yet (never applied), or no state bucket at all (never bootstrapped): it holds nothing.
    if (error instanceof S3ServiceException && (error.name === 'NoSuchKey' || error.name === 'NoSuchBucket' || error.$metadata.httpStatusCode === 404)) return [];
    throw new Error(`could not read ${stack.name}'s state s3://${backend.bucket}/${backend.key}: ${(error as Error).message || (error as Error).name}`);
  } finally {
    s3.destroy();
  }
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function pooled<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  }));
  return results;
}

/**
 * Everything tagged `environment=<env>` and `managed-by=groundwork`: the Resource Groups Tagging API in each
 * region; IAM roles (global, and not in that API) by ListRoles and their tags; Elastic IPs by EC2's own
 * tag filter too, their ARNs built in `account` (moto's tagging API lacks them; the real one has them: the two are merged).
 */
export async function taggedResources(environment: string, account: string, regions: readonly string[], access: AwsAccess): Promise<TaggedResource[]> {
  const wanted = { environment, 'managed-by': 'groundwork' };
  const found = new Map<string, TaggedResource>();
  const add = (arn: string, tags: Record<string, string>) => found.set(arn, { arn, tags });
  const toRecord = (tags: { Key?: string; Value?: string }[] = []) => Object.fromEntries(tags.map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  for (const region of regions) {
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig(access, region));
    const ec2 = new EC2Client(clientConfig(access, region));
    try {
      let token: string | undefined;
      do {
        const page = await tagging.send(new GetResourcesCommand({ TagFilters: Object.entries(wanted).map(([Key, Value]) => ({ Key, Values: [Value] })), ResourcesPerPage: 100, PaginationToken: token }));
        for (const mapping of page.ResourceTagMappingList ?? []) add(mapping.ResourceARN!, toRecord(mapping.Tags));
        token = page.PaginationToken || undefined;
      } while (token);
      const addresses = await ec2.send(new DescribeAddressesCommand({ Filters: Object.entries(wanted).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })) }));
      for (const address of addresses.Addresses ?? []) {
        if (![...found.keys()].some((known) => known.endsWith(`:elastic-ip/${address.AllocationId}`))) add(`arn:${partition(region)}:ec2:${region}:${account}:elastic-ip/${address.AllocationId}`, toRecord(address.Tags));
      }
    } finally {
      tagging.destroy();
      ec2.destroy();
    }
  }
  const iam = new IAMClient(clientConfig(access, regions[0] ?? 'us-east-1'));
  try {
    const roles: { RoleName?: string; Arn?: string; Path?: string }[] = [];
    let marker: string | undefined;
    do {
      const page = await iam.send(new ListRolesCommand({ Marker: marker }));
      roles.push(...(page.Roles ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    // Service-linked roles are AWS's, never tagged by Terraform.
    const candidates = roles.filter((role) => !role.Path?.startsWith('/aws-service-role/'));
    await pooled(candidates, 8, async (role) => {
      const tags = toRecord((await iam.send(new ListRoleTagsCommand({ RoleName: role.RoleName! }))).Tags);
      if (Object.entries(wanted).every(([key, value]) => tags[key] === value)) add(role.Arn!, tags);
    });
  } finally {
    iam.destroy();
  }
  return [...found.values()];
}

const partition = (region: string): string => partitionOfRegion(region)?.id ?? 'aws';

/**
 * Drops what is already on its way out, still listed and tagged: KMS keys scheduled for deletion (for
 * their whole waiting period), NAT gateways deleting or deleted (about an hour). Adds a key's description.
 */
async function withoutDeleted(resources: TaggedResource[], access: AwsAccess): Promise<{ resources: TaggedResource[]; pendingDeletion: number }> {
  let pendingDeletion = 0;
  const kept = await pooled(resources, 8, async (resource) => {
    const parsed = parseArn(resource.arn);
    if (parsed.service === 'ec2' && parsed.type === 'natgateway') {
      const ec2 = new EC2Client(clientConfig(access, parsed.region));
      try {
        const gateway = (await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [parsed.id] }))).NatGateways?.[0];
        if (gateway?.State !== 'deleted' && gateway?.State !== 'deleting') return resource;
        pendingDeletion++;
        return undefined;
      } finally {
        ec2.destroy();
      }
    }
    if (parsed.service !== 'kms' || parsed.type !== 'key') return resource;
    const kms = new KMSClient(clientConfig(access, parsed.region));
    try {
      const { KeyMetadata: key } = await kms.send(new DescribeKeyCommand({ KeyId: resource.arn }));
      if (key?.KeyState === 'PendingDeletion' || key?.KeyState === 'PendingReplicaDeletion') {
        pendingDeletion++;
        return undefined;
      }
      return { ...resource, ...(key?.Description && { description: key.Description }) };
    } finally {
      kms.destroy();
    }
  });
  return { resources: kept.filter((resource): resource is TaggedResource => resource !== undefined), pendingDeletion };
}

/**
 * The environment's orphans: its tagged resources that no stack's state holds, each matched to the
 * synthesized resource that would adopt it. `inspect` settles what `--delete` would do with a bucket or a
 * vault (operations/orphan-deletion.ts looks inside).
 */
export async function findOrphans(
  environment: string,
  account: string,
  stacks: readonly SynthesizedStack[],
  outdir: string,
  access: AwsAccess,
  inspect: (arn: string) => Promise<{ action: 'delete' | 'keep'; reason?: string }>,
): Promise<OrphanReport> {
  const regions = environmentRegions(stacks);
  const locked: OrphanReport['locked'][number][] = [];
  const states = new Map<string, StateEntry[]>();
  await pooled(stacks, 4, async (stack) => {
    const backend = stackBackend(outdir, stack.name);
    const lock = await readStateLock(backend, { AWS_ACCESS_KEY_ID: access.credentials?.accessKeyId, AWS_SECRET_ACCESS_KEY: access.credentials?.secretAccessKey, AWS_SESSION_TOKEN: access.credentials?.sessionToken });
    if (lock) locked.push({ stack: stack.name, lock, location: lockLocation(backend) });
    states.set(stack.name, await readState(stack, outdir, access));
  });
  const held = [...states.values()].flat();
  const { resources, pendingDeletion } = await withoutDeleted(await taggedResources(environment, account, regions, access), access);
  const synthesized = synthesizedResources(stacks);
  const orphans: Orphan[] = [];
  for (const resource of resources.filter((tagged) => !held.some((entry) => holds(entry, tagged.arn))).sort((a, b) => a.arn.localeCompare(b.arn))) {
    const planned = disposition(resource.arn);
    const settled = planned.action === 'if-empty' ? await inspect(resource.arn) : planned;
    orphans.push({ ...resource, match: importMatch(resource, synthesized, states), action: settled.action, ...('reason' in settled && settled.reason && { reason: settled.reason }) });
  }
  return { environment, regions, stacks: stacks.map((stack) => stack.name), locked: locked.sort((a, b) => a.stack.localeCompare(b.stack)), orphans: markContended(orphans), pendingDeletion };
}

/** One synthesized resource adopts one object: where several orphans match the same, each names the others. */
export function markContended(orphans: readonly Orphan[]): Orphan[] {
  const claimants = (path: string) => orphans.filter((orphan) => orphan.match && 'resource' in orphan.match && orphan.match.resource === path).map((orphan) => orphan.arn);
  return orphans.map((orphan) => {
    const match = orphan.match;
    if (!match || !('resource' in match)) return orphan;
    const others = claimants(match.resource).filter((arn) => arn !== orphan.arn);
    return others.length ? { ...orphan, match: { ...match, contendedBy: others } } : orphan;
  });
}
