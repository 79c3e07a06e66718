import { BackupClient } from '@aws-sdk/client-backup';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { plannedStack, CHANGE_SET_FORMAT, type ChangeSetFile } from '../operations/change-sets';
import { deployReviewed } from '../operations/environment-operations';
import type { SynthesizedStack } from '../operations/environment-stacks';
import { planChanges } from '../operations/plan-changes';
import {
  AwsBackupRecoveryPoints,
  deletedGraphNodes,
  recoveryPointGate,
  type GateEnvironment,
  type GateOptions,
  type RecoveryPoint,
  type RecoveryPointSource,
} from '../operations/recovery-point-gate';
import { planForApply, type SavedPlan } from '../operations/stack-operations';

// Terraform itself is not run here: deployReviewed's plan comes from this mock, the gate's from a real plan.
jest.mock('../operations/stack-operations', () => ({ ...jest.requireActual('../operations/stack-operations'), planForApply: jest.fn() }));

/**
 * A real `terraform show -json` plan (made against moto: test/fixtures/recovery-point-gate/README.md) that
 * replaces node 1, destroys node 2 and updates node 3 in place.
 */
const FIXTURE = fs.readFileSync(path.join(__dirname, 'fixtures', 'recovery-point-gate', 'graph-nodes.plan.json'), 'utf8');
const NODE_1 = 'aws_instance.graph_node-1_instance_4B5C6D7E';
const NODE_2 = 'aws_instance.graph_node-2_instance_5A6B7C8D';
const NODE_3 = 'aws_instance.graph_node-3_instance_3C4D5E6F';
const VOLUME_1 = 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-207fedcc40f28e2a3';
const VOLUME_2 = 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-aa717040b17b00c92';
const VOLUME_3 = 'arn:aws:ec2:eu-west-1:123456789012:volume/vol-d1fe72e84d4b0de51';

/** The fixture's plan with only the resource changes of the nodes given (1, 2, 3): each node's instance, volume and attachment. */
function planOf(nodes: readonly number[], edit: (change: any) => void = () => undefined): string {
  const plan = JSON.parse(FIXTURE);
  plan.resource_changes = plan.resource_changes.filter((change: any) => nodes.some((node) => change.address.includes(`graph_node-${node}_`)));
  plan.resource_changes.forEach(edit);
  return JSON.stringify(plan);
}

const NOW = new Date('2026-12-04T12:00:00Z');
const hoursBefore = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000);
const point = (volumeArn: string, hoursOld: number): RecoveryPoint => ({
  arn: `arn:aws:backup:eu-west-1:123456789012:recovery-point:${volumeArn.split('/')[1]}-${hoursOld}h`,
  createdAt: hoursBefore(hoursOld),
  vaultName: 'groundwork-prod',
});

/**
 * Stands in for AWS Backup, which moto 5.2.1 lacks (no ListRecoveryPointsByResource, no selections): the
 * latest completed recovery point of each volume, as given. Records which volumes were asked about.
 */
function recoveryPoints(points: Record<string, RecoveryPoint | Error | undefined>): RecoveryPointSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    latestRecoveryPoint: async (arn) => {
      asked.push(arn);
      const found = points[arn];
      if (found instanceof Error) throw found;
      return found;
    },
  };
}

const PROD: GateEnvironment = { name: 'prod', tier: 'prod', region: 'eu-west-1', accountId: '123456789012', maxRecoveryPointAgeHours: 26 };
const DATA: SynthesizedStack = { name: 'data-prod', dir: '/nonexistent/data-prod', dependencies: [] };
const BACKUP_OUTPUTS = { vaultName: 'groundwork-prod', roleArn: 'arn:aws:iam::123456789012:role/groundwork-prod-backup' };

/** A saved plan of the JSON, as planForApply returns it, that records whether it was applied or discarded. */
function savedPlan(json: string): SavedPlan & { applied: boolean; discarded: boolean } {
  const plan = {
    changes: planChanges(json),
    json,
    applied: false,
    discarded: false,
    apply: async () => {
      plan.applied = true;
      return { added: 2, changed: 1, destroyed: 5 };
    },
    discard: () => {
      plan.discarded = true;
    },
  };
  return plan;
}

/** Runs the environment's gate on the plan: the error's message when it refuses, undefined when it lets it through. */
async function refusal(env: GateEnvironment, json: string, options: Partial<GateOptions> & Pick<GateOptions, 'recoveryPoints'>): Promise<string | undefined> {
  const gate = recoveryPointGate(env, { now: () => NOW, onDemandBackup: async () => BACKUP_OUTPUTS, ...options });
  if (!gate) return undefined;
  try {
    await gate(DATA, savedPlan(json));
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the graph nodes a plan would delete', () => {
  it('are the tagged instances it replaces or destroys, with volume ARNs from the instances\' own ARNs', () => {
    expect(deletedGraphNodes(FIXTURE, { region: 'us-east-1', accountId: '999999999999' })).toEqual([
      { address: NODE_1, name: 'groundwork-prod-graph-1', action: 'replace', volumeId: 'vol-207fedcc40f28e2a3', volumeArn: VOLUME_1, region: 'eu-west-1' },
      { address: NODE_2, name: 'groundwork-prod-graph-2', action: 'destroy', volumeId: 'vol-aa717040b17b00c92', volumeArn: VOLUME_2, region: 'eu-west-1' },
    ]);
  });

  it('include a replacement that creates first (create_before_destroy), and build the ARN from the environment when the state has none', () => {
    const nodes = deletedGraphNodes(
      planOf([1], (change) => {
        if (change.address !== NODE_1) return;
        change.change.actions = ['create', 'delete'];
        delete change.change.before.arn;
      }),
      { region: 'cn-north-1', accountId: '111122223333' },
    );
    expect(nodes).toEqual([expect.objectContaining({ address: NODE_1, action: 'replace', volumeArn: 'arn:aws-cn:ec2:cn-north-1:111122223333:volume/vol-207fedcc40f28e2a3' })]);
  });

  it('read the tag from tags_all when only the provider\'s default tags carry it', () => {
    const nodes = deletedGraphNodes(
      planOf([2], (change) => {
        if (change.address === NODE_2) delete change.change.before.tags['groundwork:data-volume'];
      }),
      PROD,
    );
    expect(nodes.map((node) => node.volumeArn)).toEqual([VOLUME_2]);
  });

  it('leave out instances without the tag', () => {
    const untagged = planOf([1], (change) => {
      if (change.address === NODE_1) change.change.before.tags = change.change.before.tags_all = { Name: 'groundwork-prod-graph-1' };
    });
    expect(deletedGraphNodes(untagged, PROD)).toEqual([]);
  });
});

describe('the recovery point gate', () => {
  it('lets a replacement through when the volume\'s latest completed recovery point is within the limit', async () => {
    const source = recoveryPoints({ [VOLUME_1]: point(VOLUME_1, 25.9) });
    await expect(refusal(PROD, planOf([1]), { recoveryPoints: source })).resolves.toBeUndefined();
    expect(source.asked).toEqual([VOLUME_1]);
  });

  it('refuses a replacement whose latest recovery point is older than the limit, naming the node, the point and its age, and the backup to start', async () => {
    const message = await refusal(PROD, planOf([1]), { recoveryPoints: recoveryPoints({ [VOLUME_1]: point(VOLUME_1, 30.25) }) });
    expect(message).toBe(
      [
        'data-prod: refusing to apply: a graph node would be replaced or destroyed without a recovery point of its data volume from the last 26 hours (graph.backup.maxRecoveryPointAgeHours of prod); nothing of it was applied:',
        `    - groundwork-prod-graph-1 (\`${NODE_1}\`, replace): data volume vol-207fedcc40f28e2a3 (${VOLUME_1}): its latest completed recovery point, ` +
          'arn:aws:backup:eu-west-1:123456789012:recovery-point:vol-207fedcc40f28e2a3-30.25h (vault groundwork-prod), was created 2026-12-03T05:45:00.000Z, 30.3 hours ago: older than 26 hours. ' +
          `Back it up now with \`aws backup start-backup-job --region eu-west-1 --backup-vault-name groundwork-prod --iam-role-arn arn:aws:iam::123456789012:role/groundwork-prod-backup --resource-arn ${VOLUME_1}\`, ` +
          "wait until `aws backup describe-backup-job --region eu-west-1 --backup-job-id <the job's id>` says COMPLETED, and deploy again.",
      ].join('\n'),
    );
  });

  it('refuses a node whose volume has no completed recovery point at all', async () => {
    const message = await refusal(PROD, planOf([2]), { recoveryPoints: recoveryPoints({}) });
    expect(message).toContain(`- groundwork-prod-graph-2 (\`${NODE_2}\`, destroy): data volume vol-aa717040b17b00c92 (${VOLUME_2}): it has no completed recovery point in AWS Backup.`);
    expect(message).toContain(`--resource-arn ${VOLUME_2}`);
  });

  it('refuses, rather than guess, when the recovery points cannot be listed', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: backup:ListRecoveryPointsByResource'), { name: 'AccessDeniedException' });
    const message = await refusal(PROD, planOf([1]), { recoveryPoints: recoveryPoints({ [VOLUME_1]: denied }) });
    expect(message).toContain('its recovery points could not be listed (AccessDeniedException: User is not authorized to perform: backup:ListRecoveryPointsByResource), so its backup is unknown');
  });

  it('does not check a node only updated in place', async () => {
    const source = recoveryPoints({});
    await expect(refusal(PROD, planOf([3]), { recoveryPoints: source })).resolves.toBeUndefined();
    expect(source.asked).toEqual([]);
  });

  it('is no gate in a dev-tier or emulator environment, and one in staging', async () => {
    const source = recoveryPoints({});
    expect(recoveryPointGate({ ...PROD, name: 'dev', tier: 'dev' }, { recoveryPoints: source })).toBeUndefined();
    expect(recoveryPointGate({ ...PROD, name: 'local', tier: 'prod', emulator: { endpoint: 'http://127.0.0.1:5000' } }, { recoveryPoints: source })).toBeUndefined();
    await expect(refusal({ ...PROD, name: 'staging', tier: 'staging' }, planOf([1]), { recoveryPoints: source })).resolves.toContain('graph.backup.maxRecoveryPointAgeHours of staging');
  });

  it('gives one line per refused node, and none for a node whose backup is recent', async () => {
    const plan = planOf([1, 2, 3], (change) => {
      // Node 3 replaced this time, with a fresh recovery point.
      if (change.address === NODE_3) change.change.actions = ['delete', 'create'];
    });
    const message = await refusal({ ...PROD, maxRecoveryPointAgeHours: 12 }, plan, {
      recoveryPoints: recoveryPoints({ [VOLUME_1]: point(VOLUME_1, 13), [VOLUME_3]: point(VOLUME_3, 1) }),
    });
    const lines = message!.split('\n');
    expect(lines[0]).toMatch(/^data-prod: refusing to apply: 2 graph nodes would be replaced or destroyed without a recovery point of their data volumes from the last 12 hours/);
    expect(lines.slice(1).map((line) => line.slice(0, line.indexOf(':')))).toEqual([`    - groundwork-prod-graph-1 (\`${NODE_1}\`, replace)`, `    - groundwork-prod-graph-2 (\`${NODE_2}\`, destroy)`]);
    expect(lines[1]).toContain('13.0 hours ago: older than 12 hours');
  });

  it('says where the vault and role are when the backup stack\'s outputs cannot be read', async () => {
    const message = await refusal(PROD, planOf([2]), {
      recoveryPoints: recoveryPoints({}),
      onDemandBackup: async () => {
        throw new Error('no state');
      },
    });
    expect(message).toContain(
      `\`aws backup start-backup-job --region eu-west-1 --backup-vault-name <vault_name> --iam-role-arn <role_arn> --resource-arn ${VOLUME_2}\` (vault_name and role_arn are outputs of the stack backup-prod: \`terraform output\` in its directory)`,
    );
  });
});

describe('a deploy with the gate', () => {
  const backup: SynthesizedStack = { name: 'backup-prod', dir: '/nonexistent/backup-prod', dependencies: ['data-prod'] };
  const reviewed = (json: string): ChangeSetFile => ({
    format: CHANGE_SET_FORMAT,
    environment: 'prod',
    emulator: false,
    stacks: [plannedStack(DATA, 0, planChanges(json)), plannedStack(backup, 1, { resources: [], outputs: [] })],
  });
  const context = { outdir: '/nonexistent', env: {}, logDir: '/nonexistent/logs' };

  it('applies nothing of a stack the gate refuses, discards its plan, and skips its dependents', async () => {
    const json = planOf([1]);
    const plans = new Map([
      ['data-prod', savedPlan(json)],
      ['backup-prod', savedPlan(JSON.stringify({ resource_changes: [] }))],
    ]);
    jest.mocked(planForApply).mockImplementation(async (stack) => plans.get(stack.name)!);
    const gate = recoveryPointGate(PROD, { recoveryPoints: recoveryPoints({ [VOLUME_1]: point(VOLUME_1, 48) }), now: () => NOW, onDemandBackup: async () => BACKUP_OUTPUTS })!;
    const log: string[] = [];
    const deploy = deployReviewed([DATA, backup], reviewed(json), context, (line) => log.push(line), { beforeApply: gate });
    await expect(deploy).rejects.toThrow(/^data-prod: refusing to apply: a graph node would be replaced[^\n]*\n {4}- groundwork-prod-graph-1 [^\n]*48\.0 hours ago[^\n]*\nbackup-prod: not deployed, because data-prod did not succeed$/);
    expect(plans.get('data-prod')).toMatchObject({ applied: false, discarded: true });
    expect(jest.mocked(planForApply).mock.calls.map(([stack]) => stack.name)).toEqual(['data-prod']);
  });

  it('applies the plan the gate lets through', async () => {
    const json = planOf([1]);
    const plan = savedPlan(json);
    jest.mocked(planForApply).mockReset().mockImplementation(async () => plan);
    const gate = recoveryPointGate(PROD, { recoveryPoints: recoveryPoints({ [VOLUME_1]: point(VOLUME_1, 2) }), now: () => NOW })!;
    await deployReviewed([DATA], { ...reviewed(json), stacks: [plannedStack(DATA, 0, planChanges(json))] }, context, () => undefined, { beforeApply: gate });
    expect(plan.applied).toBe(true);
  });
});

describe('AWS Backup as the gate asks it', () => {
  /**
   * A Backup client whose HTTP handler records each request and answers with the next of `pages`: bodies
   * of ListRecoveryPointsByResource written from the API reference (Backup's restJson1 protocol, dates in
   * epoch seconds), not recorded from AWS. The SDK's own serializer and deserializer run on both.
   */
  function answering(pages: object[]) {
    const requests: { method: string; hostname: string; path: string; query: Record<string, unknown> }[] = [];
    const client = new BackupClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      requestHandler: {
        handle: async (request: any) => {
          requests.push({ method: request.method, hostname: request.hostname, path: request.path, query: { ...request.query } });
          const body = JSON.stringify(pages[requests.length - 1]);
          return { response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Readable.from([Buffer.from(body)]) } };
        },
      } as any,
    });
    return { client, requests };
  }
  const seconds = (date: Date) => date.getTime() / 1000;
  const entry = (id: string, status: string, created: Date) => ({
    RecoveryPointArn: `arn:aws:ec2:eu-west-1::snapshot/${id}`,
    CreationDate: seconds(created),
    Status: status,
    BackupVaultName: 'groundwork-prod',
    BackupSizeBytes: 107374182400,
    ResourceName: 'groundwork-prod-graph-1-data',
  });

  it('reads every page and keeps the newest COMPLETED point, whatever the order', async () => {
    const { client, requests } = answering([
      {
        RecoveryPoints: [entry('snap-old', 'COMPLETED', hoursBefore(50)), entry('snap-partial', 'PARTIAL', hoursBefore(3)), entry('snap-running', 'CREATING', hoursBefore(1))],
        NextToken: 'page-2',
      },
      { RecoveryPoints: [entry('snap-newest', 'COMPLETED', hoursBefore(20)), entry('snap-expired', 'EXPIRED', hoursBefore(10)), entry('snap-middle', 'COMPLETED', hoursBefore(30))] },
    ]);
    const latest = await new AwsBackupRecoveryPoints(() => client).latestRecoveryPoint(VOLUME_1);
    expect(latest).toEqual({ arn: 'arn:aws:ec2:eu-west-1::snapshot/snap-newest', createdAt: hoursBefore(20), vaultName: 'groundwork-prod' });
    expect(requests).toEqual([
      { method: 'GET', hostname: 'backup.eu-west-1.amazonaws.com', path: `/resources/${encodeURIComponent(VOLUME_1)}/recovery-points`, query: {} },
      { method: 'GET', hostname: 'backup.eu-west-1.amazonaws.com', path: `/resources/${encodeURIComponent(VOLUME_1)}/recovery-points`, query: { nextToken: 'page-2' } },
    ]);
  });

  it('finds none when no point is COMPLETED', async () => {
    const { client } = answering([{ RecoveryPoints: [entry('snap-partial', 'PARTIAL', hoursBefore(3))] }]);
    await expect(new AwsBackupRecoveryPoints(() => client).latestRecoveryPoint(VOLUME_1)).resolves.toBeUndefined();
  });

  it('asks the volume\'s own region', async () => {
    const regions: string[] = [];
    const { client } = answering([{ RecoveryPoints: [] }]);
    await new AwsBackupRecoveryPoints((region) => (regions.push(region), client)).latestRecoveryPoint('arn:aws:ec2:ap-southeast-2:123456789012:volume/vol-1');
    expect(regions).toEqual(['ap-southeast-2']);
  });
});
