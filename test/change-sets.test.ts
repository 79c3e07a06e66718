import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHANGE_SET_FORMAT, failedStack, fingerprint, mergeChangeSets, plannedStack, readChangeSet, stackDiffs, writeWhole, type ChangeSetFile } from '../operations/change-sets';
import { diffSummary } from '../operations/diff-summary';
import type { SynthesizedStack } from '../operations/environment-stacks';
import { planChanges, type PlanChanges } from '../operations/plan-changes';
import { differencesFromReviewed, fedByUpstream, upstreamOutputsChanging } from '../operations/reviewed-plan';
import { stack as synthesizedStack, tempDir } from './support/synthesized';

// The reviewed change set: what `npm run diff -- --json` records, how records of separate runners merge,
// and how an apply's fresh plan is held against the reviewed one.

function entry(address: string, actions: string[], before: Record<string, unknown> | null, after: Record<string, unknown> | null, extra: Record<string, unknown> = {}) {
  const [type, name] = address.split('.');
  return { address, mode: 'managed', type, name, change: { actions, before, after, after_unknown: {}, ...extra } };
}

function plan(entries: Record<string, unknown>[], outputs: Record<string, { actions: string[] }> = {}): PlanChanges {
  return planChanges(JSON.stringify({ format_version: '1.2', resource_changes: entries, output_changes: outputs }));
}

const CLUSTER = 'aws_rds_cluster.database_cluster_FAF2FB92';
const databaseRenamed = entry(CLUSTER, ['delete', 'create'], { database_name: 'app', master_password: 'old-Secret-1' }, { database_name: 'orders', master_password: 'new-Secret-2' }, {
  replace_paths: [['database_name']],
});
const vpcTagged = entry('aws_vpc.vpc_6776A399', ['update'], { tags: { owner: 'someone' } }, { tags: {} });
const ENDPOINT = 'cross-stack-output-aws_rds_clusterdatabase_cluster_FAF2FB92endpoint';

const stackOf = (name: string, dependencies: string[] = []): SynthesizedStack => ({ name, dir: `/nowhere/${name}`, dependencies });
const STACKS = [stackOf('state-prod'), stackOf('network-prod'), stackOf('data-prod', ['network-prod']), stackOf('service-prod', ['network-prod', 'data-prod'])];

function record(stacks: ChangeSetFile['stacks'], extra: Partial<ChangeSetFile> = {}): ChangeSetFile {
  return { format: CHANGE_SET_FORMAT, environment: 'prod', revision: '3f9c2ab1d4e5', emulator: false, stacks, ...extra };
}

/** A whole-environment record: the database renamed, the service's task definition following its endpoint. */
function wholeRecord(): ChangeSetFile {
  const taskDefinition = entry('aws_ecs_task_definition.app_task-definition_1A2B3C4D', ['delete', 'create'], { container_definitions: '[a]' }, { container_definitions: '[b]' }, {
    replace_paths: [['container_definitions']],
  });
  return record([
    plannedStack(STACKS[0], 0, plan([])),
    failedStack(STACKS[1], 1, 'network-prod: terraform plan exited 1; full output in /logs/network-prod.plan.log\n  password = "hunter2-Secret"\n│ Error: reading VPC: AccessDenied'),
    plannedStack(STACKS[2], 2, plan([databaseRenamed], { [ENDPOINT]: { actions: ['update'] } })),
    plannedStack(STACKS[3], 3, plan([taskDefinition])),
  ]);
}

describe('the change-set record', () => {
  it('holds names and actions, never values, and keeps of a failure only its first line and Terraform\'s Error: lines', () => {
    const text = JSON.stringify(wholeRecord());
    for (const value of ['old-Secret-1', 'new-Secret-2', 'orders', 'hunter2-Secret']) expect(text).not.toContain(value);
    const data = wholeRecord().stacks.find((entry) => entry.stack === 'data-prod');
    expect(data).toMatchObject({ status: 'planned', outputs: [ENDPOINT], resources: [{ address: CLUSTER, actions: ['delete', 'create'], forcedBy: ['database_name'] }] });
    expect(wholeRecord().stacks[1]).toMatchObject({ status: 'failed', reason: 'network-prod: terraform plan exited 1; full output in /logs/network-prod.plan.log\nError: reading VPC: AccessDenied' });
  });

  it('fingerprints the change set: the same whatever the order, different for another attribute, action or output', () => {
    const base = plan([databaseRenamed, vpcTagged], { endpoint: { actions: ['update'] } });
    expect(fingerprint(base)).toBe(fingerprint({ resources: [...base.resources].reverse(), outputs: base.outputs }));
    expect(fingerprint(base)).toMatch(/^sha256:[0-9a-f]{64}$/);
    const others = [
      plan([databaseRenamed, entry('aws_vpc.vpc_6776A399', ['update'], { tags: {}, cidr_block: 'a' }, { tags: { a: '1' }, cidr_block: 'b' })], { endpoint: { actions: ['update'] } }),
      plan([databaseRenamed, entry('aws_vpc.vpc_6776A399', ['delete'], { tags: {} }, null)], { endpoint: { actions: ['update'] } }),
      plan([databaseRenamed, vpcTagged]),
    ];
    for (const other of others) expect(fingerprint(other)).not.toBe(fingerprint(base));
    // Values never enter it: a different secret, the same change set.
    const samePasswordChange = entry(CLUSTER, ['delete', 'create'], { database_name: 'x', master_password: 'a' }, { database_name: 'y', master_password: 'b' }, { replace_paths: [['database_name']] });
    expect(fingerprint(plan([samePasswordChange, vpcTagged], { endpoint: { actions: ['update'] } }))).toBe(fingerprint(base));
  });

  it('marks a stack provisional when a dependency\'s outputs change, from the record alone', () => {
    const diffs = stackDiffs(wholeRecord());
    expect(diffs.map((diff) => diff.stack)).toEqual(['state-prod', 'network-prod', 'data-prod', 'service-prod']);
    expect(diffs[3]).toMatchObject({ status: 'planned', upstreamChanging: ['data-prod'] });
    expect(diffs[2]).toMatchObject({ status: 'planned', upstreamChanging: [] });
  });

  it('merges the records of one runner per stack into the whole record and the same summary, byte for byte, in any order', () => {
    const whole = wholeRecord();
    const perStack = whole.stacks.map((stack) => ({ ...whole, stacks: [stack] })).reverse();
    const merged = mergeChangeSets(perStack);
    expect(merged).toEqual(whole);
    expect(diffSummary(merged.environment, stackDiffs(merged), merged.revision)).toBe(diffSummary(whole.environment, stackDiffs(whole), whole.revision));
  });

  it('refuses to merge records of different environments, commits, or the same stack twice, naming the files', () => {
    const whole = wholeRecord();
    const one = (index: number, extra: Partial<ChangeSetFile> = {}) => ({ ...whole, stacks: [whole.stacks[index]], ...extra });
    expect(() => mergeChangeSets([one(0), one(1, { environment: 'staging' })], ['a.json', 'b.json'])).toThrow(/b\.json is of environment "staging", a\.json of "prod"/);
    expect(() => mergeChangeSets([one(0), one(1, { revision: '000000000000' })], ['a.json', 'b.json'])).toThrow(/b\.json is of revision "000000000000"/);
    expect(() => mergeChangeSets([one(0), one(0)], ['a.json', 'b.json'])).toThrow('state-prod is in both a.json and b.json');
    expect(() => mergeChangeSets([])).toThrow(/nothing to merge/);
  });

  it('reads back what it wrote, and names the file and the field of a record that is not one', () => {
    const dir = tempDir('change-set');
    try {
      const file = path.join(dir, 'reviewed.json');
      writeWhole(file, JSON.stringify(wholeRecord()));
      expect(readChangeSet(file)).toEqual(wholeRecord());
      expect(fs.readdirSync(dir)).toEqual(['reviewed.json']);
      const broken = { ...wholeRecord(), stacks: [{ ...wholeRecord().stacks[0], fingerprint: 7, extra: 'value' }] };
      fs.writeFileSync(file, JSON.stringify(broken));
      expect(() => readChangeSet(file)).toThrow(/reviewed\.json: not a groundwork-change-set\/1 record[\s\S]*stacks\.0\.fingerprint/);
      fs.writeFileSync(file, '{"format":');
      expect(() => readChangeSet(file)).toThrow(/reviewed\.json: not a change-set record/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a fresh plan held against the reviewed one', () => {
  const reviewed = plan([databaseRenamed, vpcTagged]);

  it('matches itself, whatever the values', () => {
    expect(differencesFromReviewed(reviewed, plan([vpcTagged, databaseRenamed]))).toEqual([]);
    expect(differencesFromReviewed(plan([]), plan([]))).toEqual([]);
  });

  it('names a resource changed by hand since the review, one the review had and the plan lost, and an attribute more', () => {
    const handChange = entry('aws_security_group.service_3C4D', ['update'], { ingress: [] }, { ingress: [{}] });
    expect(differencesFromReviewed(reviewed, plan([databaseRenamed, vpcTagged, handChange]))).toEqual(['`aws_security_group.service_3C4D`: reviewed no change, now update (ingress)']);
    expect(differencesFromReviewed(reviewed, plan([databaseRenamed]))).toEqual(['`aws_vpc.vpc_6776A399`: reviewed update (tags), now no change']);
    const moreTags = entry('aws_vpc.vpc_6776A399', ['update'], { tags: {}, enable_dns_support: false }, { tags: { a: '1' }, enable_dns_support: true });
    expect(differencesFromReviewed(reviewed, plan([databaseRenamed, moreTags]))).toEqual(['`aws_vpc.vpc_6776A399`: reviewed update (tags), now update (enable_dns_support, tags)']);
    expect(differencesFromReviewed(plan([], { url: { actions: ['update'] } }), plan([]))).toEqual(['output `url`: reviewed to change, now unchanged']);
  });

  describe('for a provisional stack', () => {
    const service = synthesizedStack('service-prod');
    const taskDefinition = Object.keys(service.resource.aws_ecs_task_definition)[0];
    const ecsService = Object.keys(service.resource.aws_ecs_service)[0];
    const endpointOutput = /outputs\.(cross-stack-output-aws_rds_cluster\w+?endpoint)\b/.exec(JSON.stringify(service.resource))![1];
    const fed = fedByUpstream(service, new Map([['data-prod', [endpointOutput]]]));

    it('finds what the changed dependency output feeds, through the resources it feeds', () => {
      expect(fed.has(`aws_ecs_task_definition.${taskDefinition}.container_definitions`)).toBe(true);
      // The service follows the task definition the endpoint replaces.
      expect(fed.has(`aws_ecs_service.${ecsService}.task_definition`)).toBe(true);
      expect(fed.has(`aws_ecs_service.${ecsService}.desired_count`)).toBe(false);
      expect(fedByUpstream(service, new Map())).toEqual(new Set());
    });

    it('follows a changed output through data sources: a new database secret ARN changes the policies that name it', () => {
      // prod has a standby, so its master credentials are the secrets stack's secret, not RDS's.
      const secretOutput = /outputs\.(cross-stack-output-aws_secretsmanager_secret_versiondatabase-credentials[\w-]+?arn)\b/.exec(JSON.stringify(service))![1];
      const fedBySecret = fedByUpstream(service, new Map([['secrets-prod', [secretOutput]]]));
      const executionPolicy = Object.keys(service.resource.aws_iam_role_policy).find((name) => name.startsWith('app_execution-policy'))!;
      // The role policy reads a policy document (a data source), which reads the secret's ARN.
      expect(JSON.stringify(service.resource.aws_iam_role_policy[executionPolicy].policy)).toMatch(/^"\$\{data\.aws_iam_policy_document\./);
      expect(fedBySecret.has(`aws_iam_role_policy.${executionPolicy}.policy`)).toBe(true);
      const queuePolicy = Object.keys(service.resource.aws_sqs_queue_policy)[0];
      expect(fedBySecret.has(`aws_sqs_queue_policy.${queuePolicy}.policy`)).toBe(true);
      // Not everything: the load balancer does not care which secret the database has.
      expect([...fedBySecret].some((key) => key.startsWith('aws_lb.'))).toBe(false);
    });

    it('lets the fed attributes differ, and a resource whose every change is fed appear, but nothing else', () => {
      const address = `aws_ecs_service.${ecsService}`;
      const followed = entry(address, ['update'], { task_definition: 'a' }, { task_definition: 'b' });
      const scaled = entry(address, ['update'], { task_definition: 'a', desired_count: 2 }, { task_definition: 'b', desired_count: 3 });
      expect(differencesFromReviewed(plan([]), plan([followed]), fed)).toEqual([]);
      expect(differencesFromReviewed(plan([]), plan([followed]))).toHaveLength(1);
      expect(differencesFromReviewed(plan([]), plan([scaled]), fed)).toEqual([`\`${address}\`: reviewed no change, now update (desired_count, task_definition)`]);
      const replaced = entry(`aws_ecs_task_definition.${taskDefinition}`, ['delete', 'create'], { container_definitions: 'a' }, { container_definitions: 'b' }, { replace_paths: [['container_definitions']] });
      expect(differencesFromReviewed(plan([]), plan([replaced]), fed)).toEqual([]);
    });

    it('takes the changed outputs of its dependencies from the reviewed record', () => {
      const whole = wholeRecord();
      const service = whole.stacks[3];
      if (service.status !== 'planned') throw new Error('planned above');
      expect(upstreamOutputsChanging(whole, service)).toEqual(new Map([['data-prod', [ENDPOINT]]]));
      const data = whole.stacks[2];
      if (data.status !== 'planned') throw new Error('planned above');
      expect(upstreamOutputsChanging(whole, data)).toEqual(new Map());
    });
  });
});
