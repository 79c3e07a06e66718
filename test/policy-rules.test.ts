import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluate, formatReport, PlatformGraph, RULES, type Row, type TerraformJson, type Waiver } from '../policy';
import { CASES, type Fixture } from './fixtures/policy/cases';
import { shippedStacks } from './support/synthesized';

const ROOT = path.resolve(__dirname, '..');

/** The rows one rule gives on a fixture (evaluated with that rule alone). */
function judge(ruleId: string, fixture: Fixture, waivers: Waiver[] = []): Row[] {
  const rule = RULES.find((r) => r.id === ruleId)!;
  const report = evaluate({ env: { name: 'test', tier: fixture.tier ?? 'prod' }, stacks: new Map(Object.entries(fixture.stacks)), rules: [rule], waivers });
  return [...report.rows];
}

describe('every rule', () => {
  it('has a passing and a failing fixture, and no fixture names an unknown rule', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(ids.filter((id) => !CASES[id]?.pass || !CASES[id]?.fail)).toEqual([]);
    expect(Object.keys(CASES).filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('has a unique id of the form waivers accept, a title, a reason, and checkov ids or a note saying why there are none', () => {
    const ids = RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const rule of RULES) {
      expect(rule.id).toMatch(/^GW-[A-Z0-9]+-\d{2}$/);
      expect(rule.title.length).toBeGreaterThan(10);
      expect(rule.why.length).toBeGreaterThan(20);
      expect(rule.subjects.length).toBeGreaterThan(0);
      for (const id of rule.checkov) expect(id).toMatch(/^CKV2?_AWS_\d+$/);
      if (rule.checkov.length === 0) expect(rule.checkovNote).toMatch(/checkov/);
    }
  });

  it('covers every service area the platform uses', () => {
    const areas = new Set(RULES.map((rule) => rule.id.split('-')[1]));
    expect([...areas].sort()).toEqual(['ALARM', 'ALB', 'AMP', 'BACKUP', 'CACHE', 'EBS', 'EC2', 'ECR', 'ECS', 'EKS', 'IAM', 'IMAGE', 'KMS', 'LAMBDA', 'LOGS', 'RDS', 'ROUTE', 'S3', 'SECRETS', 'SG', 'SNS', 'SQS', 'SSM', 'TRAIL', 'VPC']);
    expect(RULES.length).toBeGreaterThanOrEqual(30);
  });

  it('is listed in docs/policy.md with its checkov ids', () => {
    const docs = fs.readFileSync(path.join(ROOT, 'docs', 'policy.md'), 'utf8');
    for (const rule of RULES) {
      const row = docs.split('\n').find((line) => line.startsWith(`| ${rule.id} |`));
      expect({ rule: rule.id, listed: row !== undefined }).toEqual({ rule: rule.id, listed: true });
      for (const id of rule.checkov) expect({ rule: rule.id, id, inRow: row!.includes(id) }).toEqual({ rule: rule.id, id, inRow: true });
    }
  });
});

describe.each(RULES.map((rule) => [rule.id, rule.title] as const))('%s: %s', (id) => {
  it('passes its passing fixture', () => {
    const rows = judge(id, CASES[id].pass);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((row) => row.verdict !== 'PASS')).toEqual([]);
  });

  it('fails its failing fixture, naming the failing field', () => {
    const failures = judge(id, CASES[id].fail).filter((row) => row.verdict === 'FAIL');
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure.field).toBeTruthy();
      expect(failure.message).toBeTruthy();
    }
  });
});

describe('the engine', () => {
  it('reads no cdktf and no provider package: policy/ imports only node and itself (and types from environments/)', () => {
    const files = fs.readdirSync(path.join(ROOT, 'policy'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const source = fs.readFileSync(path.join(ROOT, 'policy', file), 'utf8');
      const imports = [...source.matchAll(/(?:from\s+|import\(\s*|require\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1]);
      const foreign = imports.filter((i) => !i.startsWith('.') && !i.startsWith('node:'));
      expect({ file, foreign }).toEqual({ file, foreign: [] });
      const environments = source.match(/^import .*'\.\.\/environments\/.*$/gm) ?? [];
      for (const line of environments) expect(line).toMatch(/^import type /);
    }
  });

  it('follows a cross-stack reference to the resource the producing stack outputs', () => {
    const graph = new PlatformGraph(new Map(Object.entries(CASES['GW-SECRETS-02'].pass.stacks)));
    const rotation = graph.all('aws_secretsmanager_secret_rotation')[0];
    const version = graph.resolve(rotation, rotation.body.secret_id);
    expect(version?.resource.address).toBe('aws_secretsmanager_secret_version.v');
    expect(version?.resource.stack).toBe('secrets-test');
    expect(version?.attribute).toBe('arn');
  });

  it('finds every reference inside a string, and none in a literal', () => {
    const stacks = new Map<string, TerraformJson>([['main-test', { resource: { aws_s3_bucket: { b: {} }, aws_ecs_cluster: { c: {} } } }]]);
    const graph = new PlatformGraph(stacks);
    const found = graph.referencesIn('main-test', { resources: ['${aws_s3_bucket.b.arn}/AWSLogs/${aws_ecs_cluster.c.name}/*', 'arn:aws:s3:::literal', '${var.x}'] });
    expect(found.map((reference) => `${reference.resource.address}.${reference.attribute}`)).toEqual(['aws_s3_bucket.b.arn', 'aws_ecs_cluster.c.name']);
    expect(graph.resolve('main-test', 'arn:aws:s3:::literal')).toBeUndefined();
  });

  it('names a resource by its cdktf construct path, or by stack and address without metadata', () => {
    const stacks = new Map<string, TerraformJson>([
      ['main-test', { resource: { aws_sqs_queue: { q: { '//': { metadata: { path: 'main-test/jobs/queue' } } }, bare: {} } } }],
    ]);
    const rows = evaluate({ env: { name: 'test', tier: 'dev' }, stacks, rules: RULES.filter((rule) => rule.id === 'GW-SQS-01') }).rows;
    expect(rows.map((row) => row.resource)).toEqual(['main-test/aws_sqs_queue.bare', 'main-test/jobs/queue']);
  });

  it('does not judge identity-policy rules on a KMS key policy (a resource policy)', () => {
    const rows = ['GW-IAM-01', 'GW-IAM-02'].flatMap((id) => judge(id, CASES[id].pass));
    expect(rows.map((row) => row.resource).filter((resource) => resource.includes('aws_kms_key'))).toEqual([]);
  });

  it('applies tier-scoped rules in their tiers only', () => {
    expect(judge('GW-RDS-02', { ...CASES['GW-RDS-02'].fail, tier: 'dev' })).toEqual([]);
    expect(judge('GW-RDS-02', { ...CASES['GW-RDS-02'].fail, tier: 'staging' }).map((row) => row.verdict)).toEqual(['FAIL']);
  });
});

describe('waivers', () => {
  const failing = CASES['GW-KMS-01'].fail;
  const resource = 'main-test/aws_kms_key.k';

  it('turn a matching failure into WAIVED, with its reason', () => {
    const rows = judge('GW-KMS-01', failing, [{ rule: 'GW-KMS-01', resource, reason: 'a key that is about to be deleted anyway' }]);
    expect(rows).toEqual([expect.objectContaining({ rule: 'GW-KMS-01', resource, verdict: 'WAIVED', reason: 'a key that is about to be deleted anyway' })]);
  });

  it('that match no failure fail the gate themselves', () => {
    const waivers = [
      { rule: 'GW-KMS-01', resource, reason: 'the key used to be unrotated' },
      { rule: 'GW-KMS-01', resource: 'main-test/aws_kms_key.gone', reason: 'a key that no longer exists' },
      { rule: 'GW-NOPE-01', resource, reason: 'a rule that does not exist' },
    ];
    const report = evaluate({ env: { name: 'test', tier: 'dev' }, stacks: new Map(Object.entries(CASES['GW-KMS-01'].pass.stacks)), rules: RULES, waivers });
    const stale = report.rows.filter((row) => row.staleWaiver);
    expect(stale.map((row) => [row.rule, row.resource, row.verdict])).toEqual(waivers.map((w) => [w.rule, w.resource, 'FAIL']));
    expect(stale[0].message).toMatch(/stale waiver: GW-KMS-01 does not fail on main-test\/aws_kms_key\.k; remove the waiver from environments\/test\.ts/);
    expect(stale[1].message).toMatch(/no such resource/);
    expect(stale[2].message).toMatch(/there is no rule GW-NOPE-01/);
    expect(report.failed).toBe(3);
    expect(formatReport(report)).toMatch(/^test: \d+ passed, 3 failed \(3 of them stale waivers\), 0 waived$/m);
  });
});

describe('the report', () => {
  const report = evaluate({ env: { name: 'test', tier: 'prod' }, stacks: new Map(Object.entries(CASES['GW-S3-01'].fail.stacks)), rules: RULES });

  it('prints failures with rule, resource, verdict and failing field, and a summary line', () => {
    const text = formatReport(report);
    expect(text).toMatch(/^ {2}GW-S3-01 +main-test\/aws_s3_bucket\.b +FAIL +aws_s3_bucket_server_side_encryption_configuration: no server-side encryption/m);
    expect(text).not.toMatch(/PASS/);
    expect(text.trimEnd().split('\n').pop()).toBe(`test: ${report.passed} passed, 1 failed, 0 waived`);
  });

  it('prints passing rows too when verbose', () => {
    expect(formatReport(report, { verbose: true })).toMatch(/^ {2}GW-S3-02 +main-test\/aws_s3_bucket\.b +PASS$/m);
  });
});

// ---------------------------------------------------------------------------------------------------
// Rules that must not pass what their names rule out. Each fixture is the rule's passing fixture from
// test/fixtures/policy/cases.ts with one thing changed; `expectVerdict` judges it with that rule alone.

type Body = Record<string, any>;
type Stacks = Record<string, Body>;
const ref = (address: string, attribute: string) => `\${${address}.${attribute}}`;

/** A copy of a rule's passing fixture, with `edit` applied to its stacks. */
function variant(ruleId: string, edit: (stacks: Stacks) => void, tier?: Fixture['tier']): Fixture {
  const copy = structuredClone(CASES[ruleId].pass) as { tier?: Fixture['tier']; stacks: Stacks };
  edit(copy.stacks);
  return { tier: tier ?? copy.tier, stacks: copy.stacks as Fixture['stacks'] };
}

/** The rule's one verdict on the fixture, with the failing field and message when it fails. */
function verdictOf(ruleId: string, fixture: Fixture) {
  const rows = judge(ruleId, fixture);
  expect(rows).toHaveLength(1);
  const [row] = rows;
  return { verdict: row.verdict, field: row.field, message: row.message };
}

describe('GW-BACKUP-02 resolves each vault to the region of its provider configuration', () => {
  const RULE = 'GW-BACKUP-02';
  const PLAN = 'backup-test';
  const DR_VAULT_ARN = 'arn:aws:backup:eu-central-1:111111111111:backup-vault:groundwork-test-dr';
  const providers = (dr: Body | null) => ({ aws: [{ region: 'eu-west-1', allowed_account_ids: ['111111111111'] }, ...(dr ? [{ alias: 'dr', ...dr }] : [])] });
  /** The passing fixture with the backup stack's providers declared, as cdktf writes them (`null`: no aws.dr). */
  const declared = (dr: Body | null = { region: 'eu-central-1' }) => (stacks: Stacks) => {
    stacks[PLAN].provider = providers(dr);
  };
  const copyTo = (destination: string) => (stacks: Stacks) => {
    stacks[PLAN].resource.aws_backup_plan.plan.rule[0].copy_action = [{ destination_vault_arn: destination }];
  };
  const drOnDefaultProvider = (stacks: Stacks) => {
    delete stacks[PLAN].resource.aws_backup_vault.dr.provider;
  };

  it('passes a copy into the DR vault of provider aws.dr, in eu-central-1, from the vault in eu-west-1', () => {
    expect(verdictOf(RULE, variant(RULE, declared()))).toEqual({ verdict: 'PASS' });
  });

  it('passes the shared fixture, which declares no provider: aws.dr and the default are two configurations', () => {
    expect(verdictOf(RULE, CASES[RULE].pass)).toEqual({ verdict: 'PASS' });
  });

  it('fails a copy into a DR vault on the default provider: the same region as the source vault', () => {
    expect(verdictOf(RULE, variant(RULE, (s) => (declared()(s), drOnDefaultProvider(s))))).toEqual({
      verdict: 'FAIL',
      field: 'rule[0].copy_action.destination_vault_arn',
      message: 'rule daily copies into backup-test/aws_backup_vault.dr in eu-west-1, the region of its target vault backup-test/aws_backup_vault.vault: the copy does not survive the loss of the region',
    });
  });

  it('fails a DR vault on the default provider even where no provider is declared: one configuration, one region', () => {
    expect(verdictOf(RULE, variant(RULE, drOnDefaultProvider))).toMatchObject({
      verdict: 'FAIL',
      message: expect.stringMatching(/created with the same provider configuration \(aws of stack backup-test\) as its target vault .*, so in the same region$/),
    });
  });

  it('fails a copy through an alias whose region is the source region', () => {
    expect(verdictOf(RULE, variant(RULE, declared({ region: 'eu-west-1' })))).toMatchObject({ verdict: 'FAIL', message: expect.stringMatching(/in eu-west-1, the region of its target vault/) });
  });

  it('fails when the DR provider has no literal region, or is not declared, instead of guessing', () => {
    expect(verdictOf(RULE, variant(RULE, declared({})))).toMatchObject({
      verdict: 'FAIL',
      message: 'the gate cannot tell whether rule daily copies into another region: provider aws.dr of stack backup-test has no literal region (Terraform would take the region of whoever runs it)',
    });
    expect(verdictOf(RULE, variant(RULE, declared(null)))).toMatchObject({
      verdict: 'FAIL',
      message: 'the gate cannot tell whether rule daily copies into another region: stack backup-test declares no provider aws.dr',
    });
  });

  it('reads the region of a vault ARN written out', () => {
    expect(verdictOf(RULE, variant(RULE, (s) => (declared()(s), copyTo(DR_VAULT_ARN)(s))))).toEqual({ verdict: 'PASS' });
    expect(verdictOf(RULE, variant(RULE, (s) => (declared()(s), copyTo(DR_VAULT_ARN.replace('eu-central-1', 'eu-west-1'))(s))))).toMatchObject({
      verdict: 'FAIL',
      message: expect.stringMatching(/copies into arn:aws:backup:eu-west-1:.* in eu-west-1, the region of its target vault/),
    });
  });

  it('fails a copy to something that is neither a vault of the environment nor a vault ARN', () => {
    expect(verdictOf(RULE, variant(RULE, (s) => (declared()(s), copyTo('groundwork-test-elsewhere')(s))))).toMatchObject({
      verdict: 'FAIL',
      message: expect.stringMatching(/names no backup vault of the environment and is no vault ARN/),
    });
  });

  it('follows a cross-stack reference to a DR vault in another stack, and reads that stack\'s provider', () => {
    const OUTPUT = 'cross-stack-output-aws_backup_vaultdr_ABCarn';
    const elsewhere = (drRegion: string) =>
      variant(RULE, (s) => {
        declared()(s);
        const vault = s[PLAN].resource.aws_backup_vault.dr;
        delete s[PLAN].resource.aws_backup_vault.dr;
        delete vault.provider;
        s['dr-test'] = { provider: { aws: [{ region: drRegion }] }, resource: { aws_backup_vault: { dr: vault } }, output: { [OUTPUT]: { value: ref('aws_backup_vault.dr', 'arn') } } };
        copyTo(ref('data.terraform_remote_state.cross-stack-reference-input-dr-test', `outputs.${OUTPUT}`))(s);
      });
    expect(verdictOf(RULE, elsewhere('eu-central-1'))).toEqual({ verdict: 'PASS' });
    expect(verdictOf(RULE, elsewhere('eu-west-1'))).toMatchObject({ verdict: 'FAIL', message: expect.stringMatching(/copies into dr-test\/aws_backup_vault\.dr in eu-west-1/) });
  });
});

describe("GW-SNS-02 wants the key's CloudWatch grant bound to the topic", () => {
  const RULE = 'GW-SNS-02';
  const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111111111111:alarms';
  const CONTEXT = 'kms:EncryptionContext:aws:sns:topicArn';
  /** The passing fixture with the key policy's CloudWatch statement (the second) changed. */
  const grant = (change: (statement: Body) => void, extra: Body[] = []) =>
    variant(RULE, (s) => {
      const statements = s['main-test'].data.aws_iam_policy_document.kp.statement as Body[];
      change(statements[1]);
      statements.push(...extra);
    });
  const condition = (values: string[], test = 'StringEquals') => (statement: Body) => {
    statement.condition = [{ test, variable: CONTEXT, values }];
  };

  it('passes a grant whose condition names the topic by its ARN or by reference', () => {
    expect(verdictOf(RULE, CASES[RULE].pass)).toEqual({ verdict: 'PASS' });
    expect(verdictOf(RULE, grant(condition([ref('aws_sns_topic.t', 'arn')])))).toEqual({ verdict: 'PASS' });
    expect(verdictOf(RULE, grant(condition([TOPIC_ARN], 'ArnLike')))).toEqual({ verdict: 'PASS' });
  });

  it('fails a grant with no condition: CloudWatch may use the key for any topic', () => {
    expect(verdictOf(RULE, grant((statement) => delete statement.condition))).toEqual({
      verdict: 'FAIL',
      field: 'kms_master_key_id',
      message: `statement CloudWatch of the policy of main-test/aws_kms_key.k lets cloudwatch.amazonaws.com use the key without a condition on ${CONTEXT}, so for any topic, not only main-test/aws_sns_topic.t`,
    });
  });

  it('fails a grant whose condition names another topic', () => {
    expect(verdictOf(RULE, grant(condition(['arn:aws:sns:eu-west-1:111111111111:other'])))).toEqual({
      verdict: 'FAIL',
      field: 'kms_master_key_id',
      message: `statement CloudWatch of the policy of main-test/aws_kms_key.k binds ${CONTEXT} to arn:aws:sns:eu-west-1:111111111111:other, not to main-test/aws_sns_topic.t alone`,
    });
    expect(verdictOf(RULE, grant(condition([TOPIC_ARN, 'arn:aws:sns:eu-west-1:111111111111:other'])))).toMatchObject({ verdict: 'FAIL' });
    expect(verdictOf(RULE, grant(condition([ref('aws_sns_topic_subscription.pager', 'arn')])))).toMatchObject({ verdict: 'FAIL' });
  });

  it('fails a condition that matches more than the topic, or does not narrow at all', () => {
    expect(verdictOf(RULE, grant(condition(['arn:aws:sns:eu-west-1:111111111111:*'], 'StringLike')))).toMatchObject({ verdict: 'FAIL', message: expect.stringMatching(/binds .* to arn:aws:sns:eu-west-1:111111111111:\*/) });
    expect(verdictOf(RULE, grant(condition([TOPIC_ARN], 'StringNotEquals')))).toMatchObject({ verdict: 'FAIL', message: expect.stringMatching(/without a StringEquals, StringLike, ArnEquals or ArnLike condition on/) });
    // Holds when the request carries no topic in its encryption context, so binds nothing.
    expect(verdictOf(RULE, grant(condition([TOPIC_ARN], 'StringEqualsIfExists')))).toMatchObject({ verdict: 'FAIL' });
  });

  it('fails when another statement lets CloudWatch use the key without the condition', () => {
    const loose = { sid: 'Loose', actions: ['kms:Decrypt'], principals: [{ type: 'Service', identifiers: ['cloudwatch.amazonaws.com'] }], resources: ['*'] };
    expect(verdictOf(RULE, grant(() => undefined, [loose]))).toMatchObject({ verdict: 'FAIL', message: expect.stringMatching(/^statement Loose of the policy/) });
  });

  it("checks the ARN's region and account against the topic's provider where the stack declares one", () => {
    const withProvider = (provider: Body) =>
      variant(RULE, (s) => {
        s['main-test'].provider = { aws: [provider] };
      });
    expect(verdictOf(RULE, withProvider({ region: 'eu-west-1', allowed_account_ids: ['111111111111'] }))).toEqual({ verdict: 'PASS' });
    expect(verdictOf(RULE, withProvider({ region: 'eu-central-1' }))).toMatchObject({ verdict: 'FAIL', message: expect.stringMatching(/binds .* to arn:aws:sns:eu-west-1:111111111111:alarms, not to/) });
    expect(verdictOf(RULE, withProvider({ region: 'eu-west-1', allowed_account_ids: ['222222222222'] }))).toMatchObject({ verdict: 'FAIL' });
  });
});

describe('GW-EKS-04 follows the cluster to its log group across stacks', () => {
  const RULE = 'GW-EKS-04';
  const OUTPUT = 'cross-stack-output-aws_cloudwatch_log_grouplogs';
  const INPUT = 'data.terraform_remote_state.cross-stack-reference-input-logs-test';
  /** The passing fixture with the log group moved to stack logs-test, and the cluster's depends_on set to `dependsOn`. */
  const moved = (dependsOn: string[] | undefined, name = '/aws/eks/groundwork-test/cluster') =>
    variant(RULE, (s) => {
      const logGroup = { ...s['main-test'].resource.aws_cloudwatch_log_group.logs, name };
      delete s['main-test'].resource.aws_cloudwatch_log_group;
      // As cdktf writes a cross-stack dependency: the producer outputs the whole resource.
      s['logs-test'] = { resource: { aws_cloudwatch_log_group: { logs: logGroup } }, output: { [OUTPUT]: { value: '${aws_cloudwatch_log_group.logs}' } } };
      const cluster = s['main-test'].resource.aws_eks_cluster.c;
      if (dependsOn) cluster.depends_on = dependsOn;
      else delete cluster.depends_on;
    });

  it('passes a cluster that depends, through a cross-stack reference, on the log group of another stack', () => {
    expect(verdictOf(RULE, moved([`${INPUT}.outputs.${OUTPUT}`]))).toEqual({ verdict: 'PASS' });
  });

  it('fails a cluster that does not depend on the log group of another stack', () => {
    expect(verdictOf(RULE, moved(undefined))).toEqual({
      verdict: 'FAIL',
      field: 'depends_on',
      message:
        'does not refer to logs-test/aws_cloudwatch_log_group.logs, the log group in stack logs-test: nothing makes that stack apply before main-test, and EKS may create the log group first (depend on it; cdktf writes a cross-stack reference)',
    });
  });

  it('fails a cluster whose cross-stack dependency is a log group of another name', () => {
    const fixture = moved([`${INPUT}.outputs.${OUTPUT}`], '/aws/eks/someone-else/cluster');
    expect(verdictOf(RULE, fixture)).toMatchObject({ verdict: 'FAIL', field: 'aws_cloudwatch_log_group', message: expect.stringMatching(/^no log group named \/aws\/eks\/groundwork-test\/cluster is declared/) });
  });

  it('fails, saying so, when the log group is nowhere in the synthesized output, though depends_on points at a stack', () => {
    const fixture = variant(RULE, (s) => {
      delete s['main-test'].resource.aws_cloudwatch_log_group;
      s['main-test'].resource.aws_eks_cluster.c.depends_on = ['data.terraform_remote_state.cross-stack-reference-input-shared-test.outputs.cross-stack-output-logs'];
    });
    expect(verdictOf(RULE, fixture)).toEqual({
      verdict: 'FAIL',
      field: 'aws_cloudwatch_log_group',
      message:
        "no log group named /aws/eks/groundwork-test/cluster is declared in any stack of the environment; depends_on names data.terraform_remote_state.cross-stack-reference-input-shared-test.outputs.cross-stack-output-logs, which leads to no resource of the environment's synthesized stacks: EKS will create it, unencrypted and kept forever",
    });
  });
});

describe('the EC2 nodes and their golden image', () => {
  const MAIN = 'main-test';
  const resource = (stacks: Stacks, type: string, name: string) => stacks[MAIN].resource[type][name] as Body;
  const node = (stacks: Stacks) => resource(stacks, 'aws_instance', 'node');

  it('GW-EC2-01 fails an instance without metadata options, or with IMDSv1 behind a disabled endpoint', () => {
    expect(verdictOf('GW-EC2-01', variant('GW-EC2-01', (s) => delete node(s).metadata_options))).toEqual({
      verdict: 'FAIL',
      field: 'metadata_options',
      message: 'is not set: the instance takes IMDSv1 unless its image says otherwise',
    });
    expect(verdictOf('GW-EC2-01', variant('GW-EC2-01', (s) => (node(s).metadata_options = { http_endpoint: 'disabled' })))).toEqual({
      verdict: 'FAIL',
      field: 'metadata_options.http_tokens',
      message: 'is not set; IMDSv2 only needs "required"',
    });
    expect(verdictOf('GW-EC2-01', variant('GW-EC2-01', (s) => (node(s).metadata_options = { http_endpoint: 'disabled', http_tokens: 'required' })))).toEqual({ verdict: 'PASS' });
  });

  it('GW-EC2-02 wants a root device, encrypted, under a customer-managed key, and the same of every EBS block device', () => {
    const RULE = 'GW-EC2-02';
    expect(verdictOf(RULE, variant(RULE, (s) => delete node(s).root_block_device))).toMatchObject({ verdict: 'FAIL', field: 'root_block_device' });
    expect(verdictOf(RULE, variant(RULE, (s) => (node(s).root_block_device.encrypted = false)))).toMatchObject({ verdict: 'FAIL', field: 'root_block_device.encrypted' });
    expect(verdictOf(RULE, variant(RULE, (s) => (node(s).root_block_device.kms_key_id = 'arn:aws:kms:eu-west-1:111111111111:alias/aws/ebs')))).toEqual({
      verdict: 'FAIL',
      field: 'root_block_device.kms_key_id',
      message: 'is arn:aws:kms:eu-west-1:111111111111:alias/aws/ebs, an AWS-managed key',
    });
    expect(verdictOf(RULE, variant(RULE, (s) => (node(s).ebs_block_device = [{ device_name: '/dev/sdg', encrypted: true, kms_key_id: ref('aws_kms_key.k', 'arn') }, { device_name: '/dev/sdh', encrypted: true }])))).toMatchObject({
      verdict: 'FAIL',
      field: 'ebs_block_device[1].kms_key_id',
    });
    // Through an alias of the environment's own key.
    const throughAlias = variant(RULE, (s) => {
      s[MAIN].resource.aws_kms_alias = { a: { name: 'alias/groundwork/test/graph', target_key_id: ref('aws_kms_key.k', 'key_id') } };
      node(s).root_block_device.kms_key_id = ref('aws_kms_alias.a', 'arn');
    });
    expect(verdictOf(RULE, throughAlias)).toEqual({ verdict: 'PASS' });
  });

  it('GW-EC2-03 fails a public address asked for, given by the subnet, or put on the instance as an Elastic IP', () => {
    const RULE = 'GW-EC2-03';
    const inSubnet = (mapPublic: boolean, associate?: boolean) =>
      variant(RULE, (s) => {
        resource(s, 'aws_subnet', 'private').map_public_ip_on_launch = mapPublic;
        const instance = node(s);
        delete instance.network_interface;
        instance.subnet_id = ref('aws_subnet.private', 'id');
        if (associate !== undefined) instance.associate_public_ip_address = associate;
      });
    expect(verdictOf(RULE, variant(RULE, (s) => (node(s).associate_public_ip_address = true)))).toEqual({ verdict: 'FAIL', field: 'associate_public_ip_address', message: 'is true' });
    expect(verdictOf(RULE, inSubnet(false))).toEqual({ verdict: 'PASS' });
    expect(verdictOf(RULE, inSubnet(true))).toEqual({
      verdict: 'FAIL',
      field: 'associate_public_ip_address',
      message: 'is not false, and subnet main-test/aws_subnet.private gives every instance launched into it a public IP address (map_public_ip_on_launch)',
    });
    expect(verdictOf(RULE, inSubnet(true, false))).toEqual({ verdict: 'PASS' });
    const associated = variant(RULE, (s) => {
      s[MAIN].resource.aws_eip = { public: { domain: 'vpc' } };
      s[MAIN].resource.aws_eip_association = { public: { allocation_id: ref('aws_eip.public', 'id'), instance_id: ref('aws_instance.node', 'id') } };
    });
    expect(verdictOf(RULE, associated)).toEqual({
      verdict: 'FAIL',
      field: 'aws_eip_association',
      message: 'main-test/aws_eip_association.public gives the instance a public Elastic IP address',
    });
    expect(verdictOf(RULE, CASES[RULE].fail)).toEqual({
      verdict: 'FAIL',
      field: 'aws_eip',
      message: 'main-test/aws_eip.public gives its network interface main-test/aws_network_interface.address a public Elastic IP address',
    });
  });

  it('GW-EBS-01 fails an unencrypted volume, and one without a key of its own', () => {
    const RULE = 'GW-EBS-01';
    const volume = (s: Stacks) => resource(s, 'aws_ebs_volume', 'data');
    expect(verdictOf(RULE, variant(RULE, (s) => delete volume(s).encrypted))).toEqual({ verdict: 'FAIL', field: 'encrypted', message: 'is not true' });
    expect(verdictOf(RULE, variant(RULE, (s) => delete volume(s).kms_key_id))).toMatchObject({ verdict: 'FAIL', field: 'kms_key_id', message: expect.stringMatching(/^is not set: .*aws\/ebs/) });
    expect(verdictOf(RULE, CASES[RULE].fail)).toEqual({ verdict: 'FAIL', field: 'kms_key_id', message: 'is alias/aws/ebs, an AWS-managed key' });
  });

  it('GW-EBS-02 asks prevent_destroy of prod only, as environments/protection.ts protects data there only', () => {
    const RULE = 'GW-EBS-02';
    expect(judge(RULE, { ...CASES[RULE].fail, tier: 'staging' })).toEqual([]);
    expect(judge(RULE, { ...CASES[RULE].fail, tier: 'dev' })).toEqual([]);
    // As cdktf writes `lifecycle: { preventDestroy: false }`.
    expect(verdictOf(RULE, variant(RULE, (s) => (resource(s, 'aws_ebs_volume', 'data').lifecycle = { prevent_destroy: false })))).toEqual({
      verdict: 'FAIL',
      field: 'lifecycle.prevent_destroy',
      message: 'is not true',
    });
  });

  it('GW-IMAGE-01 and GW-IMAGE-02 fail an infrastructure configuration that leaves them unset', () => {
    const bare = (ruleId: string) => variant(ruleId, (s) => (s[MAIN].resource.aws_imagebuilder_infrastructure_configuration.build = { name: 'groundwork-test-graph', instance_profile_name: 'p' }));
    expect(verdictOf('GW-IMAGE-01', bare('GW-IMAGE-01'))).toEqual({ verdict: 'FAIL', field: 'instance_metadata_options.http_tokens', message: 'is not set; IMDSv2 only needs "required"' });
    expect(verdictOf('GW-IMAGE-02', bare('GW-IMAGE-02'))).toEqual({ verdict: 'FAIL', field: 'terminate_instance_on_failure', message: 'is not true' });
  });

  it('GW-IMAGE-03 fails a recipe without EBS mappings, with an unencrypted one, or with one on the AWS-managed key', () => {
    const RULE = 'GW-IMAGE-03';
    const recipe = (s: Stacks) => resource(s, 'aws_imagebuilder_image_recipe', 'recipe');
    expect(verdictOf(RULE, variant(RULE, (s) => delete recipe(s).block_device_mapping))).toMatchObject({ verdict: 'FAIL', field: 'block_device_mapping' });
    expect(verdictOf(RULE, variant(RULE, (s) => (recipe(s).block_device_mapping[0].ebs.encrypted = 'false')))).toMatchObject({ verdict: 'FAIL', field: 'block_device_mapping[0].ebs.encrypted' });
    expect(verdictOf(RULE, variant(RULE, (s) => (recipe(s).block_device_mapping[0].ebs.kms_key_id = 'alias/aws/ebs')))).toMatchObject({ verdict: 'FAIL', field: 'block_device_mapping[0].ebs.kms_key_id' });
    // A mapping that removes a device has nothing to encrypt; the others are judged.
    const withNoDevice = variant(RULE, (s) => recipe(s).block_device_mapping.push({ device_name: '/dev/sdb', no_device: true }));
    expect(verdictOf(RULE, withNoDevice)).toEqual({ verdict: 'PASS' });
  });

  it('GW-SSM-01 passes an image id and a SecureString, and fails a plain parameter holding a secret', () => {
    const RULE = 'GW-SSM-01';
    const parameter = (body: Body) => variant(RULE, (s) => (s[MAIN].resource.aws_ssm_parameter = { p: { name: '/groundwork/test/p', ...body } }));
    expect(verdictOf(RULE, parameter({ type: 'SecureString', value: ref('data.aws_secretsmanager_secret_version.admin', 'secret_string') }))).toEqual({ verdict: 'PASS' });
    expect(judge(RULE, CASES[RULE].fail).map((row) => [row.resource, row.verdict, row.field, row.message])).toEqual([
      [
        'main-test/aws_ssm_parameter.admin',
        'FAIL',
        'value',
        "takes main-test/data.aws_secretsmanager_secret_version.admin's secret_string, a secret, into a String parameter; make it a SecureString",
      ],
      ['main-test/aws_ssm_parameter.image', 'PASS', undefined, undefined],
    ]);
    const fromSecureString = variant(RULE, (s) => {
      s[MAIN].resource.aws_ssm_parameter.secure = { name: '/groundwork/test/secure', type: 'SecureString', value: 'x' };
      s[MAIN].resource.aws_ssm_parameter.image.insecure_value = `prefix-${ref('aws_ssm_parameter.secure', 'value')}`;
    });
    expect(judge(RULE, fromSecureString).find((row) => row.resource === 'main-test/aws_ssm_parameter.image')).toMatchObject({
      verdict: 'FAIL',
      field: 'insecure_value',
      message: expect.stringMatching(/^takes the value of SecureString parameter main-test\/aws_ssm_parameter\.secure, a secret/),
    });
    const fromPassword = variant(RULE, (s) => {
      s[MAIN].resource.random_password = { p: { length: 32 } };
      s[MAIN].resource.aws_ssm_parameter = { p: { name: '/groundwork/test/p', type: 'StringList', insecure_value: `admin,${ref('random_password.p', 'result')}` } };
    });
    expect(verdictOf(RULE, fromPassword)).toMatchObject({ verdict: 'FAIL', field: 'insecure_value', message: expect.stringMatching(/^takes main-test\/random_password\.p's result, a secret, into a StringList parameter/) });
  });
});

describe('the standby\'s database (failover), on prod\'s synthesized stacks', () => {
  /** prod's stacks as synth wrote them, with one change. */
  const prodStacks = (change: (stacks: Record<string, any>) => void = () => {}) => {
    const stacks = Object.fromEntries([...shippedStacks()].filter(([name]) => name.endsWith('-prod')).map(([name, json]) => [name, structuredClone(json)]));
    change(stacks);
    return stacks as Record<string, TerraformJson>;
  };
  const rowsOf = (ruleId: string, stacks: Record<string, TerraformJson>, resource: string) => judge(ruleId, { stacks }).filter((row) => row.resource === resource);
  const cluster = (stacks: Record<string, any>, stack: string) => Object.values(stacks[stack].resource.aws_rds_cluster)[0] as Record<string, unknown>;

  it('GW-RDS-08 passes the primary\'s write-only password from an ephemeral read and the secondary\'s none, and fails a password from a resource attribute', () => {
    expect(rowsOf('GW-RDS-08', prodStacks(), 'data-prod/database/cluster')).toEqual([expect.objectContaining({ verdict: 'PASS' })]);
    expect(rowsOf('GW-RDS-08', prodStacks(), 'standby_data-prod/database/cluster')).toEqual([expect.objectContaining({ verdict: 'PASS' })]);
    for (const stored of ['${random_password.p.result}', '${random_password.p.result}${ephemeral.aws_secretsmanager_random_password.x.random_password}', 'hunter2-literal', '${"literal"}']) {
      const fromState = prodStacks((stacks) => (cluster(stacks, 'data-prod').master_password_wo = stored));
      expect([stored, rowsOf('GW-RDS-08', fromState, 'data-prod/database/cluster')]).toEqual([stored, [expect.objectContaining({ verdict: 'FAIL', field: 'master_password_wo' })]]);
    }
    const secondaryWithUser = prodStacks((stacks) => (cluster(stacks, 'standby_data-prod').master_username = 'groundwork'));
    expect(rowsOf('GW-RDS-08', secondaryWithUser, 'standby_data-prod/database/cluster')).toEqual([expect.objectContaining({ verdict: 'FAIL', field: 'manage_master_user_password' })]);
  });

  it('GW-BACKUP-04 passes the secondary because the primary it copies is selected, across three stacks, and fails it when the primary is not', () => {
    expect(rowsOf('GW-BACKUP-04', prodStacks(), 'standby_data-prod/database/cluster')).toEqual([expect.objectContaining({ verdict: 'PASS' })]);
    const unselected = prodStacks((stacks) => delete stacks['backup-prod'].resource.aws_backup_selection);
    expect(rowsOf('GW-BACKUP-04', unselected, 'standby_data-prod/database/cluster')).toEqual([
      expect.objectContaining({ verdict: 'FAIL', message: expect.stringContaining("no backup selection names this replica's source, data-prod/database/cluster") }),
    ]);
  });
});
