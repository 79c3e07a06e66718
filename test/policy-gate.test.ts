// The policy gate's CLI, run as CI runs it, on copies of the shipped environments' synthesized output.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { shippedOutdir, tempDir, type StackJson } from './support/synthesized';

const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const ACCESS_LOG_BUCKET = 'service-prod/load-balancer/access-logs/bucket';

/** Runs `tsx scripts/policy.ts <args>` from the project root. */
function gate(...args: string[]) {
  const result = spawnSync(TSX, [path.join('scripts', 'policy.ts'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}${result.stderr}` };
}

/** A copy of the shipped synthesized output, with `edit` applied to one stack's JSON. */
function copyWith(stack: string, edit: (json: StackJson) => void): string {
  return copyWithEdits({ [stack]: edit });
}

/** A copy of the shipped synthesized output, with an edit applied to each of several stacks' JSON (all read before any is edited). */
function copyWithEdits(edits: Record<string, (json: StackJson, all: Record<string, StackJson>) => void>): string {
  const outdir = path.join(tempDir('policy-gate'), 'cdktf.out');
  fs.cpSync(shippedOutdir(), outdir, { recursive: true });
  const file = (stack: string) => path.join(outdir, 'stacks', stack, 'cdk.tf.json');
  const all = Object.fromEntries(Object.keys(edits).map((stack) => [stack, JSON.parse(fs.readFileSync(file(stack), 'utf8')) as StackJson]));
  for (const [stack, edit] of Object.entries(edits)) edit(all[stack], all);
  for (const [stack, json] of Object.entries(all)) fs.writeFileSync(file(stack), JSON.stringify(json, null, 2));
  return outdir;
}

/** The logical name of the resource of a type whose construct path is `path`. */
function nameAt(json: StackJson, type: string, constructPath: string): string {
  const found = Object.entries(json.resource[type] ?? {}).find(([, body]) => body['//']?.metadata?.path === constructPath);
  if (!found) throw new Error(`no ${type} at ${constructPath}`);
  return found[0];
}

/** The table row of a rule and a resource in the gate's output. */
const rowOf = (output: string, rule: string, resource: string) => output.split('\n').find((line) => line.includes(rule) && line.includes(` ${resource} `));

beforeAll(() => {
  shippedOutdir(); // synthesize once for the whole file
});

it('passes prod as shipped, with no waivers, and exits 0', () => {
  const { status, stdout } = gate('--env', 'prod', '--dir', shippedOutdir());
  expect(stdout).toMatch(/^prod: \d+ passed, 0 failed, 0 waived$/m);
  expect(status).toBe(0);
});

it('fails prod when the access-log bucket loses its encryption configuration, naming GW-S3-01 and the bucket', () => {
  const outdir = copyWith('service-prod', (json) => {
    const bucket = nameAt(json, 'aws_s3_bucket', ACCESS_LOG_BUCKET);
    const configs = json.resource.aws_s3_bucket_server_side_encryption_configuration;
    const [name] = Object.entries(configs).find(([, body]) => body.bucket === `\${aws_s3_bucket.${bucket}.id}`)!;
    delete configs[name];
  });
  const { status, stdout } = gate('--env', 'prod', '--dir', outdir);
  expect(rowOf(stdout, 'GW-S3-01', ACCESS_LOG_BUCKET)).toMatch(/FAIL +aws_s3_bucket_server_side_encryption_configuration: /);
  expect(stdout).toMatch(/^prod: \d+ passed, [1-9]\d* failed, 0 waived$/m);
  expect(status).toBe(1);
});

it('fails prod when a security group rule opens SSH to 0.0.0.0/0, naming GW-SG-01 and the rule', () => {
  const rulePath = 'service-prod/load-balancer/ssh-from-anywhere';
  const outdir = copyWith('service-prod', (json) => {
    const group = nameAt(json, 'aws_security_group', 'service-prod/load-balancer/security-group');
    json.resource.aws_vpc_security_group_ingress_rule['ssh-from-anywhere'] = {
      '//': { metadata: { path: rulePath, uniqueId: 'ssh-from-anywhere' } },
      security_group_id: `\${aws_security_group.${group}.id}`,
      cidr_ipv4: '0.0.0.0/0',
      ip_protocol: 'tcp',
      from_port: 22,
      to_port: 22,
      description: 'SSH for debugging',
    };
  });
  const { status, stdout } = gate('--env', 'prod', '--dir', outdir);
  expect(rowOf(stdout, 'GW-SG-01', rulePath)).toMatch(/FAIL +cidr_ipv4: admits 0\.0\.0\.0\/0 on port 22/);
  expect(rowOf(stdout, 'GW-SG-03', rulePath)).toMatch(/FAIL/);
  expect(status).toBe(1);
});

it('fails prod when the DR vault is created with the default provider, in the source region, naming GW-BACKUP-02 and the plan', () => {
  const outdir = copyWith('backup-prod', (json) => {
    delete json.resource.aws_backup_vault[nameAt(json, 'aws_backup_vault', 'backup-prod/database-backup/dr-vault')].provider;
  });
  const { status, stdout } = gate('--env', 'prod', '--dir', outdir);
  expect(rowOf(stdout, 'GW-BACKUP-02', 'backup-prod/database-backup/plan')).toMatch(
    /FAIL +rule\[0\]\.copy_action\.destination_vault_arn: rule continuous copies into backup-prod\/database-backup\/dr-vault in eu-west-1, the region of its target vault backup-prod\/database-backup\/vault/,
  );
  expect(status).toBe(1);
});

it("fails prod when the alarm topic key's CloudWatch grant names another topic, naming GW-SNS-02 and the topic", () => {
  const outdir = copyWith('observability-prod', (json) => {
    const documents = json.data!.aws_iam_policy_document;
    const [, policy] = Object.entries(documents).find(([, body]) => body['//']?.metadata?.path === 'observability-prod/alarm-topic/key/policy')!;
    const grant = policy.statement.find((statement: Record<string, any>) => statement.principals[0].identifiers.includes('cloudwatch.amazonaws.com'));
    grant.condition[0].values = ['arn:aws:sns:eu-west-1:333333333333:someone-elses-topic'];
  });
  const { status, stdout } = gate('--env', 'prod', '--dir', outdir);
  expect(rowOf(stdout, 'GW-SNS-02', 'observability-prod/alarm-topic/topic')).toMatch(
    /FAIL +kms_master_key_id: statement ServiceUse0 of the policy of observability-prod\/alarm-topic\/key\/key binds kms:EncryptionContext:aws:sns:topicArn to arn:aws:sns:eu-west-1:333333333333:someone-elses-topic/,
  );
  expect(status).toBe(1);
});

describe('GW-EKS-04 on prod with the control-plane log group moved to the observability stack', () => {
  const CLUSTER = 'cluster-prod/eks/cluster';
  const OUTPUT = 'cross-stack-output-aws_cloudwatch_log_groupeks_logs';
  /** Moves the log group; `dependsOnIt` makes the cluster depend on it as cdktf writes a cross-stack dependency. */
  const moved = (dependsOnIt: boolean) =>
    copyWithEdits({
      'cluster-prod': (json, all) => {
        const name = nameAt(json, 'aws_cloudwatch_log_group', 'cluster-prod/eks/logs');
        const logGroup = json.resource.aws_cloudwatch_log_group[name];
        delete json.resource.aws_cloudwatch_log_group[name];
        const observability = all['observability-prod'];
        (observability.resource.aws_cloudwatch_log_group ??= {})[name] = { ...logGroup, '//': { metadata: { path: 'observability-prod/eks-logs', uniqueId: name } } };
        observability.output = { ...observability.output, [OUTPUT]: { value: `\${aws_cloudwatch_log_group.${name}}` } };
        const cluster = json.resource.aws_eks_cluster[nameAt(json, 'aws_eks_cluster', CLUSTER)];
        cluster.depends_on = (cluster.depends_on as string[]).filter((address) => address !== `aws_cloudwatch_log_group.${name}`);
        if (dependsOnIt) {
          cluster.depends_on.push(`data.terraform_remote_state.cross-stack-reference-input-observability-prod.outputs.${OUTPUT}`);
          json.data!.terraform_remote_state['cross-stack-reference-input-observability-prod'] = { backend: 's3', config: { key: 'prod/observability.tfstate' } };
        }
      },
      'observability-prod': () => undefined, // read and written back with the log group the edit above adds
    });

  it('passes the cluster that depends on it through a cross-stack reference', () => {
    const { stdout } = gate('--env', 'prod', '--dir', moved(true), '--verbose');
    expect(rowOf(stdout, 'GW-EKS-04', CLUSTER)).toMatch(/PASS$/);
  });

  it('fails the cluster that does not, naming the log group and its stack', () => {
    const { status, stdout } = gate('--env', 'prod', '--dir', moved(false));
    expect(rowOf(stdout, 'GW-EKS-04', CLUSTER)).toMatch(/FAIL +depends_on: does not refer to observability-prod\/eks-logs, the log group in stack observability-prod: nothing makes that stack apply before cluster-prod/);
    expect(status).toBe(1);
  });
});

it('fails on a stale waiver: dev waives its plain-HTTP listener, which here redirects to HTTPS', () => {
  const listener = 'service-dev/load-balancer/http';
  const outdir = copyWith('service-dev', (json) => {
    const name = nameAt(json, 'aws_lb_listener', listener);
    json.resource.aws_lb_listener[name].default_action = [{ type: 'redirect', redirect: { port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' } }];
  });
  const { status, stdout } = gate('--env', 'dev', '--dir', outdir);
  expect(rowOf(stdout, 'GW-ALB-02', listener)).toMatch(/FAIL +policy\.waivers\[0\]: stale waiver: GW-ALB-02 does not fail on service-dev\/load-balancer\/http; remove the waiver from environments\/dev\.ts/);
  expect(stdout).toMatch(/^dev: \d+ passed, [1-9]\d* failed \(1 of them stale waiver\), 0 waived$/m);
  expect(status).toBe(1);
});

it('prints a waived failure and its reason on every run', () => {
  const { stdout } = gate('--env', 'dev', '--dir', shippedOutdir());
  expect(rowOf(stdout, 'GW-ALB-02', 'service-dev/load-balancer/http')).toMatch(/WAIVED +protocol: is HTTP on port 80 .*; waived: dev has no certificate/);
  expect(stdout).toMatch(/^dev: \d+ passed, \d+ failed, 1 waived$/m);
});

describe('bad usage exits 2 with a message', () => {
  it.each([
    [['--env', 'nope'], /no environment "nope"; environments: dev, staging, prod, local/],
    [[], /name an environment with --env <name>, or pass --all/],
    [['--env', 'prod', '--all'], /pass --env <name> or --all, not both/],
    [['--env', 'prod', '--frobnicate'], /Unknown option '--frobnicate'/],
    [['--env', 'prod', '--dir', '/nonexistent/cdktf.out'], /--dir \/nonexistent\/cdktf\.out is not a synthesized output: it has no manifest\.json/],
  ])('%j', (args, message) => {
    const { status, stderr } = gate(...args);
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/usage: npm run policy/);
    expect(status).toBe(2);
  });
});
