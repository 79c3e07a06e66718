import * as fs from 'node:fs';
import * as path from 'node:path';
import { countChanges, diffMarker, diffSummary, isClean, keptVolumeNotes, statefulKind, statefulWarnings, type StackDiff } from '../operations/diff-summary';
import { planChanges, type ResourceChange } from '../operations/plan-changes';

// What `npm run diff` writes, from plans in the shape `terraform show -json` prints.

/** The resource changes of a plan holding these entries of `resource_changes`. */
function changesOf(...entries: Record<string, unknown>[]): ResourceChange[] {
  return [...planChanges(JSON.stringify({ format_version: '1.2', resource_changes: entries })).resources];
}

function entry(address: string, actions: string[], before: Record<string, unknown> | null, after: Record<string, unknown> | null, extra: Record<string, unknown> = {}) {
  const [type, name] = address.split('.');
  return { address, mode: 'managed', type, name, change: { actions, before, after, after_unknown: {}, ...extra } };
}

const planned = (stack: string, changes: ResourceChange[] = [], extra: Partial<Extract<StackDiff, { status: 'planned' }>> = {}): StackDiff => ({
  stack,
  status: 'planned',
  changes,
  outputs: [],
  ignored: [],
  upstreamChanging: [],
  ...extra,
});

const databaseReplaced = entry('aws_rds_cluster.database_cluster_0A1B2C3D', ['delete', 'create'], { database_name: 'app' }, { database_name: 'orders' }, {
  replace_paths: [['database_name']],
});
const serviceScaled = entry('aws_ecs_service.app_service_4E5F6A7B', ['update'], { desired_count: 2, name: 'app' }, { desired_count: 3, name: 'app' });

describe('diffSummary', () => {
  it('says "no changes" for every stack of a clean environment, and starts with the marker the PR comment is found by', () => {
    const diffs = ['state-prod', 'network-prod', 'data-prod'].map((stack) => planned(stack));
    const summary = diffSummary('prod', diffs, '3f9c2ab1d4e5');
    expect(summary.split('\n')[0]).toBe(diffMarker('prod'));
    expect(summary.split('\n')[1]).toBe('### Groundwork diff: `prod` at `3f9c2ab1d4e5`');
    expect(summary).toContain('No changes: all 3 stacks match the code.');
    for (const stack of ['state-prod', 'network-prod', 'data-prod']) expect(summary).toContain(`| \`${stack}\` | 0 | 0 | 0 | no changes |`);
    expect(isClean(diffs)).toBe(true);
    expect(summary).not.toContain('Warning');
  });

  it('lists each change under its stack with the attributes it changes, and counts a replacement as one to add and one to destroy', () => {
    const diffs = [planned('network-prod'), planned('data-prod', changesOf(databaseReplaced)), planned('service-prod', changesOf(serviceScaled))];
    const summary = diffSummary('prod', diffs);
    expect(isClean(diffs)).toBe(false);
    expect(summary).toContain('1 to add, 1 to change, 1 to destroy in 2 of 3 stacks, **1 stateful resource replaced or destroyed**.');
    expect(summary).toContain('| `data-prod` | 1 | 0 | 1 | **1 stateful** |');
    expect(summary).toContain('| `service-prod` | 0 | 1 | 0 |  |');
    expect(summary).toContain('| `network-prod` | 0 | 0 | 0 | no changes |');
    expect(summary).toContain('#### `data-prod`: 1 to add, 0 to change, 1 to destroy');
    expect(summary).toContain('- `aws_rds_cluster.database_cluster_0A1B2C3D`: replace (database_name)');
    expect(summary).toContain('- `aws_ecs_service.app_service_4E5F6A7B`: update (desired_count)');
  });

  it('warns for every stateful resource replaced or destroyed, and for nothing updated in place or stateless', () => {
    const changes = changesOf(
      databaseReplaced,
      entry('aws_s3_bucket.logs', ['delete'], { bucket: 'logs' }, null),
      entry('aws_kms_key.data', ['delete'], { description: 'k' }, null),
      entry('aws_rds_cluster.other', ['update'], { deletion_protection: true }, { deletion_protection: false }),
      entry('aws_lb.balancer', ['create', 'delete'], { name: 'a' }, { name: 'b' }, { replace_paths: [['name']] }),
      entry('aws_secretsmanager_secret.key_base', ['create'], null, { name: 'k' }),
    );
    const warnings = statefulWarnings(changes);
    expect(warnings).toEqual([
      expect.stringMatching(/^`aws_rds_cluster\.database_cluster_0A1B2C3D` \(database\) will be replaced \(because of database_name\): its data is gone/),
      expect.stringMatching(/^`aws_s3_bucket\.logs` \(bucket\) will be destroyed: its objects are gone/),
      expect.stringMatching(/^`aws_kms_key\.data` \(key\) will be destroyed: everything encrypted with it becomes unreadable/),
    ]);
    const summary = diffSummary('dev', [planned('data-dev', changes)]);
    expect(summary.split('\n').filter((line) => line.startsWith('> **Warning**: '))).toHaveLength(3);
  });

  it('says a replaced node keeps its data volume, and warns instead when the volume goes too', () => {
    const instance = entry('aws_instance.graph_node-1_instance_0A1B2C3D', ['delete', 'create'], { ami: 'ami-1' }, { ami: 'ami-2' }, { replace_paths: [['ami']] });
    const attachment = entry('aws_volume_attachment.graph_node-1_data-attachment_0A1B2C3D', ['delete', 'create'], { instance_id: 'i-1' }, { instance_id: null }, { replace_paths: [['instance_id']], after_unknown: { instance_id: true } });
    const kept = diffSummary('prod', [planned('data-prod', changesOf(instance, attachment))]);
    expect(kept.split('\n').filter((line) => line.startsWith('> '))).toEqual([
      '> **Note**: `aws_volume_attachment.graph_node-1_data-attachment_0A1B2C3D` is replaced with its instance: the data volume is kept, detached from the old instance (stopped first) and attached to the new one.',
    ]);
    expect(kept).toContain('- `aws_instance.graph_node-1_instance_0A1B2C3D`: replace (ami)');
    expect(kept).not.toContain('stateful');

    const volumeGone = changesOf(instance, attachment, entry('aws_ebs_volume.graph_node-1_data_0A1B2C3D', ['delete', 'create'], { availability_zone: 'eu-west-1a' }, { availability_zone: 'eu-west-1b' }, { replace_paths: [['availability_zone']] }));
    expect(keptVolumeNotes(volumeGone)).toEqual([]);
    expect(statefulWarnings(volumeGone)).toEqual([expect.stringMatching(/^`aws_ebs_volume\.graph_node-1_data_0A1B2C3D` \(data volume\) will be replaced \(because of availability_zone\): the node's data on it is gone unless restored from a recovery point/)]);
  });

  it('never prints a value from the plan, only names', () => {
    const secretValue = 'hunter2-very-secret-value';
    const changes = changesOf(entry('aws_secretsmanager_secret_version.token', ['update'], { secret_string: 'old-value' }, { secret_string: secretValue }));
    const summary = diffSummary('dev', [planned('secrets-dev', changes, { outputs: ['token_arn'] })]);
    expect(summary).toContain('`aws_secretsmanager_secret_version.token`: update (secret_string)');
    expect(summary).toContain('- output `token_arn` changes');
    expect(summary).not.toContain(secretValue);
    expect(summary).not.toContain('old-value');
  });

  it('counts imports and shows them as such', () => {
    const changes = changesOf(entry('aws_iam_role.task', ['no-op'], { name: 'r' }, { name: 'r' }, { importing: { id: 'groundwork-dev-task' } }));
    expect(countChanges(changes)).toEqual({ add: 0, change: 0, destroy: 0, import: 1 });
    const summary = diffSummary('dev', [planned('service-dev', changes)]);
    expect(summary).toContain('- `aws_iam_role.task`: import');
    expect(summary).toContain('0 to add, 0 to change, 0 to destroy, 1 to import');
  });

  it('marks a stack planned against outputs this change alters as provisional', () => {
    const summary = diffSummary('dev', [
      planned('data-dev', changesOf(serviceScaled), { outputs: ['database_endpoint'] }),
      planned('service-dev', changesOf(serviceScaled), { upstreamChanging: ['data-dev'] }),
    ]);
    expect(summary).toContain('| `service-dev` | 0 | 1 | 0 | provisional |');
    expect(summary).toContain('> Planned against the current outputs of `data-dev`, which this change alters: run the diff again after it is applied.');
  });

  it('marks a stack with nothing planned against outputs this change alters as provisional, not "no changes"', () => {
    // observability reads the node's instance id: today's plan sees the old one and changes nothing.
    const summary = diffSummary('prod', [planned('data-prod', changesOf(serviceScaled), { outputs: ['graph_uri'] }), planned('observability-prod', [], { upstreamChanging: ['data-prod'] })]);
    expect(summary).toContain('| `observability-prod` | 0 | 0 | 0 | provisional |');
    expect(summary).toContain('#### `observability-prod`: 0 to add, 0 to change, 0 to destroy\n\n> Planned against the current outputs of `data-prod`, which this change alters: run the diff again after it is applied.');
  });

  it('says the diff is incomplete when a plan failed, quoting why, and names the skipped stacks', () => {
    const diffs: StackDiff[] = [
      {
        stack: 'network-dev',
        status: 'failed',
        reason: 'network-dev: terraform plan exited 1; full output in x.log\n  │ Error: no valid credential sources\n  │ with password = "hunter2-in-an-error"\n  ```',
      },
      { stack: 'data-dev', status: 'skipped', reason: 'network-dev did not succeed' },
      planned('state-dev'),
    ];
    const summary = diffSummary('dev', diffs);
    expect(isClean(diffs)).toBe(false);
    expect(summary).toContain('**2 of 3 stacks could not be planned**: the diff below is incomplete.');
    expect(summary).toContain('| `network-dev` | | | | plan failed |');
    expect(summary).toContain('| `data-dev` | | | | not planned |');
    expect(summary).toContain('    network-dev: terraform plan exited 1; full output in x.log\n    Error: no valid credential sources\n');
    // Only Terraform's one-line error summaries: the rest of its output may quote values, and stays in the log.
    expect(summary).not.toContain('hunter2-in-an-error');
    expect(summary).not.toContain('```');
    expect(summary).not.toContain('No changes');
  });

  it('sets the emulator artefacts apart, uncounted, with their reasons', () => {
    const [artefact] = changesOf(entry('aws_kms_key.state', ['update'], { rotation_period_in_days: 90 }, { rotation_period_in_days: 0 }));
    const diffs = [planned('state-local', [], { ignored: [{ change: artefact, reason: 'moto ignores the rotation period' }] })];
    const summary = diffSummary('local', diffs);
    expect(isClean(diffs)).toBe(true);
    expect(summary).toContain('| `state-local` | 0 | 0 | 0 | no changes |');
    expect(summary).toContain('state-local: 1 known emulator artefact, not counted');
    expect(summary).toContain('`aws_kms_key.state`: update (rotation_period_in_days) (moto ignores the rotation period)');
  });
});

describe('statefulKind', () => {
  it('names only resource types the AWS provider has (a typo would silently warn about nothing)', () => {
    const kinds = [
      'aws_rds_cluster',
      'aws_db_instance',
      'aws_rds_global_cluster',
      'aws_elasticache_replication_group',
      'aws_ebs_volume',
      'aws_s3_bucket',
      'aws_backup_vault',
      'aws_kms_key',
      'aws_secretsmanager_secret',
      'aws_secretsmanager_secret_version',
      'aws_ecr_repository',
      'aws_cloudwatch_log_group',
      'aws_sqs_queue',
      'aws_globalaccelerator_accelerator',
      'aws_prometheus_workspace',
    ];
    for (const type of kinds) {
      expect(statefulKind(type)).toBeDefined();
      const binding = path.join(__dirname, '..', 'node_modules', '@cdktf', 'provider-aws', 'lib', type.replace(/^aws_/, '').replace(/_/g, '-'), 'index.js');
      expect(fs.existsSync(binding)).toBe(true);
    }
    expect(statefulKind('aws_lb')).toBeUndefined();
    expect(statefulKind('aws_ecs_service')).toBeUndefined();
  });
});
