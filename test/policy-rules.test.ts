import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluate, formatReport, PlatformGraph, RULES, type Row, type TerraformJson, type Waiver } from '../policy';
import { CASES, type Fixture } from './fixtures/policy/cases';

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
    expect([...areas].sort()).toEqual(['ALARM', 'ALB', 'BACKUP', 'CACHE', 'ECR', 'ECS', 'EKS', 'IAM', 'KMS', 'LAMBDA', 'LOGS', 'RDS', 'S3', 'SECRETS', 'SG', 'SNS', 'SQS', 'TRAIL', 'VPC']);
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
