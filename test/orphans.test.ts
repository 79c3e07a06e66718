import * as path from 'node:path';
import { environments } from '../environments';
import { UsageError } from '../lib/cli';
import { environmentStacks, type SynthesizedStack } from '../operations/environment-stacks';
import { deletionConsent, formatReport } from '../operations/orphan-deletion';
import { disposition, environmentRegions, holds, importMatch, markContended, parseArn, stateEntries, synthesizedResources, type OrphanReport, type StateEntry } from '../operations/orphans';
import { runProcess } from './support/run-process';
import { synthesizeInto } from './support/synthesized';

// `npm run orphans` without AWS: who may delete (refused before any AWS call), which types are deleted
// and which kept, what a state holds, and which synthesized resource an orphan's imports entry names. The
// run against moto, after a killed apply, is in test/state-lock.test.ts.
const ROOT = path.resolve(__dirname, '..');
const ACCOUNT = environments.local.accountId;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/groundwork-local-vpc-flow-logs`;
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:groundwork/local/secret-key-base-AbC123`;
const local = { environment: 'local', 'managed-by': 'groundwork' };

describe('who may delete: decided from the flags alone', () => {
  const consent = (tier: 'dev' | 'prod', flags: { delete?: boolean; yes?: boolean; confirm?: string }, interactive = false, name = tier === 'prod' ? 'prod' : 'dev') =>
    deletionConsent(name, tier, { delete: false, yes: false, ...flags }, interactive);

  it('lists without --delete; --yes and --confirm belong to --delete', () => {
    expect(consent('prod', {})).toBe('list');
    expect(() => consent('dev', { yes: true })).toThrow(new UsageError('--yes and --confirm go with --delete'));
    expect(() => consent('dev', { confirm: 'dev' })).toThrow(UsageError);
  });

  it('a dev or staging environment: the typed name on a terminal, --yes without one, or --confirm <name>', () => {
    expect(consent('dev', { delete: true }, true)).toBe('prompt');
    expect(() => consent('dev', { delete: true }, false)).toThrow('--delete needs --yes when there is no terminal');
    expect(consent('dev', { delete: true, yes: true })).toBe('given');
    expect(consent('dev', { delete: true, confirm: 'dev' })).toBe('given');
    expect(() => consent('dev', { delete: true, yes: true, confirm: 'staging' })).toThrow('--confirm "staging" is not this environment\'s name (dev)');
    expect(deletionConsent('staging', 'staging', { delete: true, yes: false }, true)).toBe('prompt');
  });

  it('a prod-tier environment: only --yes and --confirm <name> together, terminal or not', () => {
    for (const interactive of [true, false]) {
      expect(() => consent('prod', { delete: true }, interactive)).toThrow('prod is a prod-tier environment: --delete needs both --yes and --confirm prod');
      expect(() => consent('prod', { delete: true, yes: true }, interactive)).toThrow(UsageError);
      expect(() => consent('prod', { delete: true, confirm: 'prod' }, interactive)).toThrow(UsageError);
    }
    expect(consent('prod', { delete: true, yes: true, confirm: 'prod' })).toBe('given');
    // The tier decides, not the name.
    expect(() => deletionConsent('live', 'prod', { delete: true, yes: true }, false)).toThrow('live is a prod-tier environment');
  });

  it('the script refuses with exit 2 before it synthesizes or calls AWS', async () => {
    // An endpoint nobody listens on, no credentials and no terraform on PATH: any AWS call or synth would fail otherwise.
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', PATH: path.dirname(process.execPath), CDKTF_OUTDIR: '/nonexistent/cdktf.out' };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE', 'AWS_SESSION_TOKEN']) delete env[name];
    // stdin is not a terminal, as in CI.
    const run = (...args: string[]) => runProcess(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/orphans.ts', ...args], { cwd: ROOT, env, timeoutMs: 90_000 });
    const cases: [string[], string][] = [
      [['--env', 'prod', '--delete'], 'prod is a prod-tier environment: --delete needs both --yes and --confirm prod; nothing was listed or deleted'],
      [['--env', 'prod', '--delete', '--yes'], 'prod is a prod-tier environment'],
      [['--env', 'dev', '--delete'], '--delete needs --yes when there is no terminal'],
    ];
    // Separate processes of a few seconds each: side by side.
    const results = await Promise.all(cases.map(([args]) => run(...args)));
    for (const [index, [args, message]] of cases.entries()) {
      const result = results[index];
      expect({ args, code: result.code, stdout: result.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain('Reading the state');
    }
  }, 120_000);
});

describe('what --delete does with each type', () => {
  it('deletes the stateless, deletes buckets and vaults only when empty, and keeps whatever holds data', () => {
    const deleted = [
      ROLE_ARN,
      'arn:aws:ec2:us-east-1:1:vpc/vpc-1',
      'arn:aws:ec2:us-east-1:1:subnet/subnet-1',
      'arn:aws:ec2:us-east-1:1:security-group/sg-1',
      'arn:aws:ec2:us-east-1:1:elastic-ip/eipalloc-1',
      'arn:aws:ec2:us-east-1:1:natgateway/nat-1',
      'arn:aws:sns:us-east-1:1:groundwork-dev-alarms',
      'arn:aws:cloudwatch:us-east-1:1:alarm:groundwork-dev-5xx',
      'arn:aws:lambda:us-east-1:1:function:groundwork-dev-rotate',
      'arn:aws:events:us-east-1:1:rule/groundwork-dev-redeploy',
    ];
    const ifEmpty = ['arn:aws:s3:::groundwork-dev-logs', 'arn:aws:backup:eu-central-1:1:backup-vault:groundwork-dev-dr'];
    const kept = {
      'arn:aws:rds:us-east-1:1:cluster:groundwork-dev': 'a database',
      'arn:aws:rds:us-east-1:1:db:groundwork-dev-writer': 'a database',
      'arn:aws:elasticache:us-east-1:1:replicationgroup:groundwork-dev': 'a cache',
      'arn:aws:kms:us-east-1:1:key/0a1b': 'a KMS key',
      [SECRET_ARN]: 'a secret',
      'arn:aws:logs:us-east-1:1:log-group:/groundwork/dev/app:*': 'a log group',
      'arn:aws:sqs:us-east-1:1:groundwork-dev-dlq': 'a queue',
      'arn:aws:ecr:us-east-1:1:repository/groundwork-dev': 'an image repository',
      'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/groundwork-dev/abc': 'not a type this command deletes',
    };
    expect(deleted.map((arn) => [arn, disposition(arn).action])).toEqual(deleted.map((arn) => [arn, 'delete']));
    expect(ifEmpty.map((arn) => disposition(arn).action)).toEqual(['if-empty', 'if-empty']);
    for (const [arn, reason] of Object.entries(kept)) expect(disposition(arn)).toEqual({ action: 'keep', reason: expect.stringContaining(reason) });
  });

  it('reads ARNs of every shape', () => {
    expect(parseArn(ROLE_ARN)).toEqual({ service: 'iam', region: '', account: ACCOUNT, type: 'role', id: 'groundwork-local-vpc-flow-logs' });
    expect(parseArn('arn:aws:logs:us-east-1:1:log-group:/groundwork/dev/app:*')).toMatchObject({ type: 'log-group', id: '/groundwork/dev/app' });
    expect(parseArn('arn:aws:s3:::groundwork-dev-logs')).toMatchObject({ type: 'bucket', id: 'groundwork-dev-logs', region: '' });
    expect(parseArn('arn:aws:sns:us-east-1:1:groundwork-dev-alarms')).toMatchObject({ type: 'topic', id: 'groundwork-dev-alarms' });
    expect(parseArn(SECRET_ARN)).toMatchObject({ type: 'secret', id: 'groundwork/local/secret-key-base-AbC123' });
    expect(() => parseArn('vpc-1')).toThrow('not an ARN: vpc-1');
  });
});

describe('what a state holds', () => {
  const state = JSON.stringify({
    version: 4,
    resources: [
      { mode: 'managed', type: 'aws_iam_role', name: 'flow-logs_role_B4B87A12', instances: [{ attributes: { arn: ROLE_ARN, id: 'groundwork-local-vpc-flow-logs', name: 'groundwork-local-vpc-flow-logs' } }] },
      { mode: 'managed', type: 'aws_vpc', name: 'vpc_6776A399', instances: [{ attributes: { arn: 'arn:aws:ec2:us-east-1:1:vpc/vpc-1', id: 'vpc-1' } }] },
      { mode: 'managed', type: 'aws_eip', name: 'eip', instances: [{ attributes: { id: 'eipalloc-1', allocation_id: 'eipalloc-1' } }] },
      { mode: 'managed', type: 'aws_cloudwatch_log_group', name: 'logs', instances: [{ attributes: { arn: 'arn:aws:logs:us-east-1:1:log-group:/groundwork/local/app', id: '/groundwork/local/app' } }] },
      { mode: 'data', type: 'aws_iam_role', name: 'looked-up', instances: [{ attributes: { arn: `arn:aws:iam::${ACCOUNT}:role/someone-elses` } }] },
    ],
  });
  const entries = stateEntries(state);
  const held = (arn: string) => entries.some((entry) => holds(entry, arn));

  it('holds its managed resources, by ARN or by the id of the same type, never a data source', () => {
    expect(entries.map((entry) => entry.address)).toEqual(['aws_iam_role.flow-logs_role_B4B87A12', 'aws_vpc.vpc_6776A399', 'aws_eip.eip', 'aws_cloudwatch_log_group.logs']);
    expect(held(ROLE_ARN)).toBe(true);
    expect(held('arn:aws:ec2:us-east-1:1:vpc/vpc-1')).toBe(true);
    expect(held('arn:aws:ec2:us-east-1:1:elastic-ip/eipalloc-1')).toBe(true);
    expect(held('arn:aws:logs:us-east-1:1:log-group:/groundwork/local/app:*')).toBe(true);
    expect(held(`arn:aws:iam::${ACCOUNT}:role/someone-elses`)).toBe(false);
  });

  it('compares ids whole and only within the type: a name shared across types hides nothing', () => {
    expect(held('arn:aws:ec2:us-east-1:1:vpc/vpc-2')).toBe(false);
    expect(held(`arn:aws:iam::${ACCOUNT}:role/groundwork-local-vpc-flow`)).toBe(false);
    const vpcNamedLikeARole: StateEntry = { address: 'aws_vpc.x', type: 'aws_vpc', identifiers: ['groundwork-local-vpc-flow-logs'] };
    expect(holds(vpcNamedLikeARole, ROLE_ARN)).toBe(false);
    expect(stateEntries('{"version":4}')).toEqual([]);
  });
});

describe('the imports entry of an orphan', () => {
  let stacks: SynthesizedStack[];
  let resources: ReturnType<typeof synthesizedResources>;
  const none = new Map<string, StateEntry[]>();
  beforeAll(() => {
    const outdir = synthesizeInto({ local: environments.local });
    stacks = environmentStacks(outdir, 'local');
    resources = synthesizedResources(stacks);
  }, 120_000);

  it('finds the regions from the stacks\' providers: the DR vault\'s region too', () => {
    expect(environmentRegions(stacks)).toEqual(['us-east-1', 'us-west-2']);
    expect(resources.find((resource) => resource.path === 'backup-local/database-backup/dr-vault')).toMatchObject({ region: 'us-west-2', type: 'aws_backup_vault' });
  });

  it('names the synthesized resource of the same type, region, component and name, with the provider\'s import id', () => {
    expect(importMatch({ arn: ROLE_ARN, tags: { ...local, component: 'network' } }, resources, none)).toEqual({
      resource: 'network-local/flow-logs/role',
      id: 'groundwork-local-vpc-flow-logs',
      address: 'aws_iam_role.flow-logs_role_B4B87A12',
    });
    expect(importMatch({ arn: SECRET_ARN, tags: { ...local, component: 'secrets' } }, resources, none)).toMatchObject({ resource: 'secrets-local/secret-key-base/secret', id: SECRET_ARN });
    expect(importMatch({ arn: 'arn:aws:ec2:us-east-1:1:vpc/vpc-0abc', tags: { ...local, component: 'network', Name: 'groundwork-local' } }, resources, none)).toMatchObject({ resource: 'network-local/vpc/vpc', id: 'vpc-0abc' });
    expect(importMatch({ arn: 'arn:aws:kms:us-east-1:1:key/k-1', tags: { ...local, component: 'network' }, description: 'CloudWatch log group /groundwork/local/vpc-flow-logs' }, resources, none)).toMatchObject({
      resource: 'network-local/flow-logs/key/key',
      id: 'k-1',
    });
    expect(importMatch({ arn: 'arn:aws:backup:us-west-2:1:backup-vault:groundwork-local-dr', tags: { ...local, component: 'backup' } }, resources, none)).toMatchObject({ resource: 'backup-local/database-backup/dr-vault' });
  });

  it('names nothing when the region, component, type or name differs, or the resource is in its stack\'s state', () => {
    expect(importMatch({ arn: 'arn:aws:backup:us-east-1:1:backup-vault:groundwork-local-dr', tags: { ...local, component: 'backup' } }, resources, none)).toBeUndefined();
    expect(importMatch({ arn: ROLE_ARN, tags: { ...local, component: 'service' } }, resources, none)).toBeUndefined();
    expect(importMatch({ arn: `arn:aws:iam::${ACCOUNT}:role/groundwork-local-scratch`, tags: { ...local, component: 'network' } }, resources, none)).toBeUndefined();
    expect(importMatch({ arn: 'arn:aws:ec2:us-east-1:1:subnet/subnet-1', tags: { ...local, component: 'network', Name: 'groundwork-local' } }, resources, none)).toBeUndefined();
    const adopted = new Map([['network-local', [{ address: 'aws_iam_role.flow-logs_role_B4B87A12', type: 'aws_iam_role', identifiers: ['groundwork-local-vpc-flow-logs'] }]]]);
    expect(importMatch({ arn: ROLE_ARN, tags: { ...local, component: 'network' } }, resources, adopted)).toBeUndefined();
  });

  it('names, where two orphans match one resource, the other one, and gives one imports entry', () => {
    const vpc = (id: string) => ({ arn: `arn:aws:ec2:us-east-1:1:vpc/${id}`, tags: { ...local, component: 'network', Name: 'groundwork-local' }, action: 'delete' as const });
    const [first, second] = markContended([vpc('vpc-1'), vpc('vpc-2')].map((orphan) => ({ ...orphan, match: importMatch(orphan, resources, none) })));
    expect(first.match).toEqual({ resource: 'network-local/vpc/vpc', id: 'vpc-1', address: 'aws_vpc.vpc_6776A399', contendedBy: ['arn:aws:ec2:us-east-1:1:vpc/vpc-2'] });
    expect(second.match).toMatchObject({ id: 'vpc-2', contendedBy: ['arn:aws:ec2:us-east-1:1:vpc/vpc-1'] });
    const text = formatReport({ environment: 'local', regions: ['us-east-1'], stacks: ['network-local'], locked: [], pendingDeletion: 0, orphans: [first, second] }, 'environments/local.ts');
    expect(text).toContain('1 other orphan matches network-local/vpc/vpc too: adopt one, delete the others');
    expect(text).toContain("  imports: [\n    { resource: 'network-local/vpc/vpc', id: 'vpc-1' }, // or another orphan that matches it\n  ],");
  });

  it('prints each orphan with what --delete does and the entries to paste, and the manual step for what nothing adopts', () => {
    const report: OrphanReport = {
      environment: 'local',
      regions: ['us-east-1', 'us-west-2'],
      stacks: stacks.map((stack) => stack.name),
      locked: [],
      pendingDeletion: 1,
      orphans: [
        { arn: ROLE_ARN, tags: { ...local, component: 'network' }, action: 'delete', match: importMatch({ arn: ROLE_ARN, tags: { ...local, component: 'network' } }, resources, none) },
        { arn: 'arn:aws:s3:::groundwork-local-scratch', tags: local, action: 'keep', reason: 'a bucket with objects' },
      ],
    };
    const text = formatReport(report, 'environments/local.ts');
    expect(text).toContain('local: 2 orphans: tagged environment=local, managed-by=groundwork in us-east-1, us-west-2 and IAM, in no state of its 7 stacks.');
    expect(text).toContain(`${ROLE_ARN}\n  component: network\n  --delete:  deletes it\n  adopt:     { resource: 'network-local/flow-logs/role', id: 'groundwork-local-vpc-flow-logs' }  (aws_iam_role.flow-logs_role_B4B87A12)\n`);
    expect(text).toContain('arn:aws:s3:::groundwork-local-scratch\n  --delete:  keeps it: a bucket with objects\n  adopt:     no resource');
    expect(text).toContain('  manual:    empty it once its objects are not needed');
    expect(text).toContain("  imports: [\n    { resource: 'network-local/flow-logs/role', id: 'groundwork-local-vpc-flow-logs' },\n  ],");
    expect(text).toContain('(1 more tagged for local already being deleted (KMS keys pending deletion, NAT gateways deleted), not listed.)');
  });
});
