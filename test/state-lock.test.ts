import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AttachRolePolicyCommand, CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, HeadObjectCommand, PutBucketTaggingCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environments } from '../environments';
import { bootstrapState } from '../operations/bootstrap';
import { countChanges } from '../operations/diff-summary';
import { splitEmulatorResidue } from '../operations/emulator-plan-residue';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';
import { parseArn, type OrphanReport } from '../operations/orphans';
import { describeChange, planChanges } from '../operations/plan-changes';
import { forceUnlockStack, readStateLock, stackBackend, type StackBackend } from '../operations/state-lock';
import { synthesize } from '../lib/synthesize';
import { offlineTerraformEnv, requireTerraform, terraform } from '../operations/terraform-cli';
import { runProcess } from './support/run-process';
import { synthesizeInto, tempDir, type StackJson } from './support/synthesized';

// S3 native state locking and interrupted applies, for real: Terraform and the AWS provider against moto
// on loopback, `network-local` in the bucket `state-local` bootstraps. The tests run in order on one stack:
// a SIGTERM'd apply, two applies at once, then a SIGKILL'd apply and its recovery.
const ROOT = path.resolve(__dirname, '..');
const BUCKET = 'groundwork-local-tfstate-123456789012';
const STATE_KEY = 'local/network.tfstate';
const ROLE = 'groundwork-local-vpc-flow-logs';
/** Orphans the SIGKILL test makes by hand, tagged as local's. */
const PROBE_ROLE = 'groundwork-local-orphan-probe';
const FULL_BUCKET = 'groundwork-local-orphan-objects';
const EMPTY_BUCKET = 'groundwork-local-orphan-empty';
const HOLDER = `${os.userInfo().username}@${os.hostname()}`;

/** A terraform command started in its own process group, so a test can signal it (and its provider) mid-way. */
interface Running {
  readonly child: ChildProcess;
  /** stdout and stderr as they arrived. */
  output(): string;
  /** Resolves once the output matches; rejects when the command exits first or `timeoutMs` passes. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Resolves with how it ended; rejects after `timeoutMs`. */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Polls `check` every 100 ms until it returns true; fails with `what` after `timeoutMs`. */
async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A process's state, process group and start time (clock ticks after boot), from /proc; undefined once it is gone. */
function procStat(pid: number | string): { state: string; pgrp: number; start: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name: state, ppid, pgrp, ..., starttime (the 20th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgrp: Number(fields[2]), start: fields[19] };
  } catch {
    return undefined;
  }
}

/** Live (not zombie) processes of a process group. */
function liveMembers(pgid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      const stat = procStat(pid);
      return stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z';
    })
    .map(Number);
}

describe('state locks and interrupted applies in the emulator', () => {
  let moto: RunningEmulator;
  let outdir: string;
  /** A second synthesized copy: the other operator's checkout. */
  let otherOutdir: string;
  /** Where `npm run unlock` synthesizes when the tests run it. */
  let scriptOutdir: string;
  let workDir: string;
  let env: NodeJS.ProcessEnv;
  let s3: S3Client;
  let ec2: EC2Client;
  let iam: IAMClient;
  let secrets: SecretsManagerClient;
  let backend: StackBackend;
  let terraformVersion: string;
  let roleAddress: string;
  let config: { local: typeof environments.local };
  /** Processes this file started and that may still run, by pid, with their start time so a reused pid is never signalled. */
  const started = new Map<number, string | undefined>();
  const networkDir = () => path.join(outdir, 'stacks', 'network-local');

  beforeAll(async () => {
    terraformVersion = requireTerraform();
    moto = await startMoto();
    workDir = tempDir('state-lock');
    config = { local: { ...environments.local, emulator: { endpoint: moto.endpoint } } };
    outdir = synthesizeInto(config);
    otherOutdir = synthesizeInto(config);
    scriptOutdir = path.join(tempDir('unlock-script'), 'cdktf.out');
    const credentials = emulatorCredentials(environments.local.accountId);
    env = { ...offlineTerraformEnv(workDir), ...credentials, AWS_REGION: 'us-east-1' };
    const clientConfig = {
      endpoint: moto.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: credentials.AWS_ACCESS_KEY_ID!, secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY! },
    };
    s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
    ec2 = new EC2Client(clientConfig);
    iam = new IAMClient(clientConfig);
    secrets = new SecretsManagerClient(clientConfig);
    backend = stackBackend(outdir, 'network-local');
    const json = JSON.parse(fs.readFileSync(path.join(networkDir(), 'cdk.tf.json'), 'utf8')) as StackJson;
    roleAddress = `aws_iam_role.${Object.keys(json.resource.aws_iam_role)[0]}`;

    await bootstrapState({ environment: 'local', outdir, workDir, terraformEnv: env, autoApprove: true, log: () => undefined });
    for (const dir of [networkDir(), path.join(otherOutdir, 'stacks', 'network-local')]) {
      const init = await terraform(['init', '-input=false'], { cwd: dir, env, timeoutMs: 120_000 });
      expect(init.code).toBe(0);
    }
  }, 420_000);

  afterAll(async () => {
    // Whatever a failed test left running goes: terraform with its group, or a provider it left behind.
    for (const [pid, start] of started) {
      const stat = procStat(pid);
      if (!stat || stat.start !== start) continue;
      try {
        process.kill(stat.pgrp === pid ? -pid : pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    s3?.destroy();
    ec2?.destroy();
    iam?.destroy();
    secrets?.destroy();
    await moto?.stop();
    for (const dir of [workDir, outdir && path.dirname(outdir), otherOutdir && path.dirname(otherOutdir), scriptOutdir && path.dirname(scriptOutdir)]) {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  function start(args: string[], cwd: string, stdin: 'pipe' | 'ignore' = 'ignore'): Running {
    // detached: a process group of its own, holding terraform and the provider plugin it starts.
    const child = spawn('terraform', [...args, '-no-color'], { cwd, env, stdio: [stdin, 'pipe', 'pipe'], detached: true });
    started.set(child.pid!, procStat(child.pid!)?.start);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => {
        started.delete(child.pid!);
        for (const member of liveMembers(child.pid!)) started.set(member, procStat(member)?.start);
        resolve({ code, signal });
      }),
    );
    let ended = false;
    void closed.then(() => (ended = true));
    return {
      child,
      output: () => output,
      waitFor: async (pattern, timeoutMs) => {
        await until(`${pattern} in the output of terraform ${args[0]}`, timeoutMs, () => {
          if (pattern.test(output)) return true;
          if (ended) throw new Error(`terraform ${args[0]} exited before printing ${pattern}:\n${output.slice(-3000)}`);
          return false;
        });
      },
      exited: async (timeoutMs) => {
        await until(`terraform ${args[0]} to exit`, timeoutMs, () => ended);
        return closed;
      },
    };
  }

  /** After the process group's leader exited: every other member (the provider) must be gone too. */
  const groupGone = (running: Running) => until('the provider plugin to exit', 15_000, () => liveMembers(running.child.pid!).length === 0);

  const stateVersion = async (): Promise<string | undefined> => {
    try {
      return (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: STATE_KEY }))).VersionId;
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return undefined;
      throw error;
    }
  };
  const stateList = async (): Promise<string[]> => {
    const list = await terraform(['state', 'list'], { cwd: networkDir(), env, timeoutMs: 60_000 });
    expect(list.stderr).toBe('');
    return list.stdout.split('\n').filter(Boolean);
  };
  /**
   * Plans network-local and fails on any change but moto's documented read-back artefacts
   * (operations/emulator-plan-residue.ts: moto reads a KMS key's rotation period back as 0, so against moto a
   * plan of this stack never exits 0). Returns those artefacts.
   */
  const planChangesNothing = async (): Promise<string[]> => {
    const planFile = path.join(workDir, 'network-local.tfplan');
    try {
      const plan = await terraform(['plan', '-input=false', '-detailed-exitcode', `-out=${planFile}`], { cwd: networkDir(), env, timeoutMs: 180_000 });
      if (plan.code === 0) return [];
      if (plan.code !== 2) throw new Error(`plan exited ${plan.code}:\n${plan.stderr}`);
      const show = await terraform(['show', '-json', planFile], { cwd: networkDir(), env, timeoutMs: 60_000 });
      expect(show.code).toBe(0);
      const changes = planChanges(show.stdout);
      const { unexpected, residue } = splitEmulatorResidue(changes.resources);
      expect(unexpected.map(describeChange)).toEqual([]);
      expect(changes.outputs).toEqual([]);
      return residue.map(({ change }) => describeChange(change));
    } finally {
      fs.rmSync(planFile, { force: true });
    }
  };
  /** VPCs in moto carrying network-local's default tags, whether Terraform knows them or not. */
  const networkVpcs = async (): Promise<string[]> => {
    const described = await ec2.send(
      new DescribeVpcsCommand({ Filters: [{ Name: 'tag:environment', Values: ['local'] }, { Name: 'tag:component', Values: ['network'] }] }),
    );
    return (described.Vpcs ?? []).map((vpc) => vpc.VpcId!).sort();
  };
  /** moto picks the service from the credential scope; it does not check the signature. */
  const roleExists = async (name: string): Promise<boolean> => {
    const response = await fetch(`${moto.endpoint}/`, {
      method: 'POST',
      headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0' },
      body: new URLSearchParams({ Action: 'GetRole', Version: '2010-05-08', RoleName: name }),
    });
    return response.status === 200 && (await response.text()).includes(`<RoleName>${name}</RoleName>`);
  };
  /** Runs a script of scripts/ as `npm run` does, as a user would (no AWS credentials: it uses the emulator's). */
  const runScriptFile = (file: string, args: string[]) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: moto.endpoint, CDKTF_OUTDIR: scriptOutdir, GROUNDWORK_WORK_DIR: workDir };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete childEnv[name];
    return runProcess(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [file, ...args], { cwd: ROOT, env: childEnv, timeoutMs: 120_000 });
  };
  const unlockScript = (args: string[]) => runScriptFile('scripts/unlock.ts', args);
  /** `npm run orphans -- --env local ...`. */
  const orphansScript = (args: string[]) => runScriptFile('scripts/orphans.ts', ['--env', 'local', ...args]);
  /** `npm run orphans -- --env local --json`: the report, after checking the run. */
  const listOrphans = async (): Promise<OrphanReport> => {
    const listed = await orphansScript(['--json']);
    expect({ code: listed.code, stderr: listed.stderr.replace(/^Reading the state of .*\n/m, '') }).toEqual({ code: 3, stderr: '' });
    return JSON.parse(listed.stdout) as OrphanReport;
  };
  /** The environment's tags, as the stacks' default_tags set them, for orphans made by hand. */
  const localTags = (component: string) => Object.entries({ environment: 'local', 'managed-by': 'groundwork', component }).map(([Key, Value]) => ({ Key, Value }));
  /** Addresses Terraform reported as created in some output. */
  const created = (output: string) => [...output.matchAll(/^(\S+): Creation complete after/gm)].map((match) => match[1]);

  it('npm run unlock: exit 2 naming the valid environments or stacks; exit 0 when no lock is held', async () => {
    const noEnv = await unlockScript(['--env', 'nowhere', '--stack', 'network-nowhere']);
    expect(noEnv.code).toBe(2);
    expect(noEnv.stderr).toContain('no environment "nowhere"; environments: dev, staging, prod, local');

    const noStack = await unlockScript(['--env', 'local', '--stack', 'network-dev']);
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toContain('local has no stack "network-dev"; its stacks:');
    expect(noStack.stderr).toContain('network-local');

    const free = await unlockScript(['--env', 'local', '--stack', 'network-local']);
    expect(free.stderr).toBe('');
    expect(free.code).toBe(0);
    expect(free.stdout).toContain(`network-local: no lock held (s3://${BUCKET}/${STATE_KEY}.tflock at ${moto.endpoint} does not exist); nothing to do.`);
  }, 120_000);

  it('SIGTERM stops an apply gracefully: what it created is in the state, and the lock is released', async () => {
    expect(await stateVersion()).toBeUndefined();
    const apply = start(['apply', '-auto-approve', '-input=false'], networkDir());
    await apply.waitFor(new RegExp(`^${roleAddress.replace(/\./g, '\\.')}: Creation complete`, 'm'), 180_000);
    // What `kill <pid>`, a CI runner's cancel or operations/terraform-cli's timeout sends: to terraform alone.
    apply.child.kill('SIGTERM');
    const { code } = await apply.exited(120_000);
    await groupGone(apply);
    expect(code).toBe(1);
    expect(apply.output()).toContain('Interrupt received.');
    expect(apply.output()).toContain('Gracefully shutting down...');

    expect(await readStateLock(backend, env)).toBeUndefined();
    expect(await stateVersion()).toBeDefined();
    const inState = await stateList();
    expect(inState).toContain(roleAddress);
    // Everything it reported created was recorded before it stopped.
    expect(created(apply.output()).filter((address) => !inState.includes(address))).toEqual([]);
  }, 300_000);

  it('a second apply of the stack fails at once while the first holds the lock, naming it; the first then finishes', async () => {
    // Without -auto-approve it plans, then waits at its prompt on stdin (a pipe) holding the lock.
    const first = start(['apply'], networkDir(), 'pipe');
    await first.waitFor(/Enter a value:/, 180_000);
    const lock = (await readStateLock(backend, env))!;
    expect(lock).toEqual({
      ID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      Operation: 'OperationTypeApply',
      Info: '',
      Who: HOLDER,
      Version: terraformVersion,
      Created: expect.any(String),
      Path: `${BUCKET}/${STATE_KEY}`,
    });
    expect(Date.now() - Date.parse(lock.Created)).toBeLessThan(300_000);
    const before = await stateVersion();

    // The other operator, from their own checkout.
    const otherDir = path.join(otherOutdir, 'stacks', 'network-local');
    const second = await terraform(['apply', '-auto-approve', '-input=false', '-lock-timeout=0'], { cwd: otherDir, env, timeoutMs: 120_000 });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('Error acquiring the state lock');
    expect(second.stderr).toContain('PreconditionFailed');
    expect(second.stderr).toContain(`ID:        ${lock.ID}`);
    expect(second.stderr).toContain(`Who:       ${lock.Who}`);
    expect(second.stderr).toContain('Operation: OperationTypeApply');
    expect(second.stdout).not.toContain('Creating...');
    // A plan takes the lock too.
    const plan = await terraform(['plan', '-input=false', '-lock-timeout=0'], { cwd: otherDir, env, timeoutMs: 120_000 });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toContain(`ID:        ${lock.ID}`);
    // A force-unlock that names another lock is refused, and the holder keeps its lock.
    await expect(forceUnlockStack(stackBackend(otherOutdir, 'network-local'), '00000000-0000-0000-0000-000000000000', { env })).rejects.toThrow(
      `does not match the existing lock ID '${lock.ID}'`,
    );
    expect((await readStateLock(backend, env))?.ID).toBe(lock.ID);
    expect(await stateVersion()).toBe(before);

    first.child.stdin!.end('yes\n');
    const { code } = await first.exited(300_000);
    await groupGone(first);
    expect(first.output()).toMatch(/Apply complete! Resources: \d+ added/);
    expect(code).toBe(0);
    expect(await readStateLock(backend, env)).toBeUndefined();
    expect((await stateList()).filter((address) => !address.startsWith('data.')).length).toBe(
      Object.values((JSON.parse(fs.readFileSync(path.join(networkDir(), 'cdk.tf.json'), 'utf8')) as StackJson).resource).flatMap((byName) => Object.keys(byName)).length,
    );
    await planChangesNothing();
  }, 420_000);

  it('SIGKILL mid-apply leaves the lock and orphans; npm run unlock, adopting the orphan by name, and a re-run recover', async () => {
    const destroy = await terraform(['destroy', '-auto-approve', '-input=false'], { cwd: networkDir(), env, timeoutMs: 300_000 });
    expect(destroy.code).toBe(0);
    expect(await stateList()).toEqual([]);
    expect(await roleExists(ROLE)).toBe(false);
    const vpcsBefore = await networkVpcs();
    const versionBefore = await stateVersion();

    const apply = start(['apply', '-auto-approve', '-input=false'], networkDir());
    // Killed once the role (a fixed name) is created and the VPC (no name) exists, ~1 s in: long before
    // the KMS key (~13 s) lets the alias and log group start, and within the 20 s before Terraform's first
    // intermediate state snapshot.
    await apply.waitFor(new RegExp(`^${roleAddress.replace(/\./g, '\\.')}: Creation complete`, 'm'), 180_000);
    let orphanVpcs: string[] = [];
    await until('the VPC being created to exist', 10_000, async () => (orphanVpcs = (await networkVpcs()).filter((id) => !vpcsBefore.includes(id))).length > 0);
    process.kill(-apply.child.pid!, 'SIGKILL');
    const { signal } = await apply.exited(30_000);
    await groupGone(apply);
    expect(signal).toBe('SIGKILL');

    // Nothing was persisted: the state object is the destroy's, while the role and VPC exist.
    expect(await stateVersion()).toBe(versionBefore);
    expect(await roleExists(ROLE)).toBe(true);
    expect(orphanVpcs).toHaveLength(1);
    const lock = (await readStateLock(backend, env))!;
    expect(lock).toMatchObject({ Operation: 'OperationTypeApply', Who: HOLDER, Path: `${BUCKET}/${STATE_KEY}` });

    const blocked = await terraform(['apply', '-auto-approve', '-input=false', '-lock-timeout=0'], { cwd: networkDir(), env, timeoutMs: 120_000 });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('Error acquiring the state lock');
    expect(blocked.stderr).toContain(`ID:        ${lock.ID}`);

    // Without a terminal to confirm on and without --yes, the script changes nothing.
    const unconfirmed = await unlockScript(['--env', 'local', '--stack', 'network-local']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stdout).toContain(`lock id:    ${lock.ID}`);
    expect(unconfirmed.stderr).toContain('not unlocked; nothing was changed');
    expect((await readStateLock(backend, env))?.ID).toBe(lock.ID);

    const unlocked = await unlockScript(['--env', 'local', '--stack', 'network-local', '--yes']);
    expect(unlocked.stderr).toBe('');
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toContain('network-local: its state is locked.');
    expect(unlocked.stdout).toContain(`held by:    ${lock.Who}`);
    expect(unlocked.stdout).toContain('operation:  OperationTypeApply');
    expect(unlocked.stdout).toContain(`since:      ${lock.Created}`);
    expect(unlocked.stdout).toContain(`lock id:    ${lock.ID}`);
    expect(unlocked.stdout).toContain(`$ terraform force-unlock -force ${lock.ID}`);
    expect(unlocked.stdout).toContain(`network-local: unlocked; lock ${lock.ID} is gone`);
    expect(await readStateLock(backend, env)).toBeUndefined();

    // npm run orphans lists them (docs/runbooks/orphans.md), beside orphans made by hand: a secret and a
    // bucket with an object (kept: they hold data), an empty bucket and a role with policies (deleted).
    const secretArn = (await secrets.send(new CreateSecretCommand({ Name: 'groundwork/local/secret-key-base', SecretString: 'not-printed-anywhere', Tags: localTags('secrets') }))).ARN!;
    for (const bucket of [FULL_BUCKET, EMPTY_BUCKET]) {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: localTags('observability') } }));
    }
    await s3.send(new PutObjectCommand({ Bucket: FULL_BUCKET, Key: 'kept.txt', Body: 'data' }));
    await iam.send(new CreateRoleCommand({ RoleName: PROBE_ROLE, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }), Tags: localTags('service') }));
    await iam.send(new PutRolePolicyCommand({ RoleName: PROBE_ROLE, PolicyName: 'inline', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }) }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: PROBE_ROLE, PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    const roleArn = `arn:aws:iam::${environments.local.accountId}:role/${ROLE}`;
    const byHand = [secretArn, `arn:aws:s3:::${FULL_BUCKET}`, `arn:aws:s3:::${EMPTY_BUCKET}`, `arn:aws:iam::${environments.local.accountId}:role/${PROBE_ROLE}`];

    const [listing, unconfirmedDelete, prodDelete] = await Promise.all([listOrphans(), orphansScript(['--delete']), runScriptFile('scripts/orphans.ts', ['--env', 'prod', '--delete', '--yes'])]);
    const orphans = new Map(listing.orphans.map((orphan) => [orphan.arn, orphan]));
    // Everything the killed apply reported created (and carries tags) is listed, with the VPC it was still creating ...
    const tagged = /^aws_(vpc|subnet|eip|internet_gateway|route_table|security_group|nat_gateway|kms_key|iam_role|cloudwatch_log_group)\./;
    const createdIds = [...apply.output().matchAll(/^(\S+): Creation complete after \S+ \[id=([^\]]+)\]/gm)].filter((match) => tagged.test(match[1])).map((match) => match[2]);
    expect(createdIds).toContain(ROLE);
    expect(createdIds.filter((id) => !listing.orphans.some((orphan) => parseArn(orphan.arn).id === id))).toEqual([]);
    expect(orphans.has(`arn:aws:ec2:us-east-1:${environments.local.accountId}:vpc/${orphanVpcs[0]}`)).toBe(true);
    // ... and nothing else but the ones made by hand: nothing of state-local, whose state holds it, nor another environment's.
    expect(listing.orphans.filter((orphan) => !byHand.includes(orphan.arn) && orphan.tags.component !== 'network').map((orphan) => orphan.arn)).toEqual([]);
    expect(byHand.filter((arn) => !orphans.has(arn))).toEqual([]);
    expect(listing.regions).toEqual(['us-east-1', 'us-west-2']);
    expect(listing.locked).toEqual([]);
    // The destroy's KMS keys (pending deletion) and NAT gateway (deleted) are still tagged and listed by the tagging API, and left out.
    expect(listing.pendingDeletion).toBeGreaterThan(0);
    expect(orphans.get(roleArn)).toMatchObject({ action: 'delete', match: { resource: 'network-local/flow-logs/role', id: ROLE } });
    // Each orphaned VPC (the SIGTERM'd apply may have left one too) could be adopted as the stack's VPC; one only.
    const vpcArn = (id: string) => `arn:aws:ec2:us-east-1:${environments.local.accountId}:vpc/${id}`;
    for (const id of [...vpcsBefore, orphanVpcs[0]]) {
      expect(orphans.get(vpcArn(id))).toMatchObject({ action: 'delete', match: { resource: 'network-local/vpc/vpc', id } });
      expect((orphans.get(vpcArn(id))!.match as { contendedBy?: string[] }).contendedBy).toEqual(vpcsBefore.length ? [...vpcsBefore, orphanVpcs[0]].filter((other) => other !== id).map(vpcArn).sort() : undefined);
    }
    expect(orphans.get(secretArn)).toMatchObject({ action: 'keep', reason: expect.stringContaining('a secret'), match: { resource: 'secrets-local/secret-key-base/secret', id: secretArn } });
    expect(orphans.get(`arn:aws:s3:::${FULL_BUCKET}`)).toMatchObject({ action: 'keep', reason: 'a bucket with objects' });
    expect(orphans.get(`arn:aws:s3:::${EMPTY_BUCKET}`)).toMatchObject({ action: 'delete' });
    expect(orphans.get(`arn:aws:iam::${environments.local.accountId}:role/${PROBE_ROLE}`)).toMatchObject({ action: 'delete' });
    // --delete is refused before anything is read: without a terminal it needs --yes; prod needs --yes and its name.
    expect(unconfirmedDelete).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('--delete needs --yes when there is no terminal') });
    expect(prodDelete).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('prod is a prod-tier environment: --delete needs both --yes and --confirm prod') });
    expect(await roleExists(PROBE_ROLE)).toBe(true);

    // The orphaned role has a fixed name, so the re-run fails on it, and only on it; everything else is made anew.
    const rerun = await terraform(['apply', '-auto-approve', '-input=false'], { cwd: networkDir(), env, timeoutMs: 300_000 });
    expect(rerun.code).toBe(1);
    expect(rerun.stderr.match(/^Error: .*/gm)).toEqual([expect.stringContaining(`EntityAlreadyExists: Role with name ${ROLE} already exists`)]);
    expect(await readStateLock(backend, env)).toBeUndefined();

    // Adopt it through the environment's config, as docs/runbooks/import.md does: the plan imports the role
    // instead of creating it, and the apply converges.
    synthesize({ local: { ...config.local, imports: [{ resource: 'network-local/flow-logs/role', id: ROLE }] } }, { outdir });
    const planFile = path.join(workDir, 'adopt.tfplan');
    const plan = await terraform(['plan', '-input=false', `-out=${planFile}`], { cwd: networkDir(), env, timeoutMs: 180_000 });
    expect(plan.code).toBe(0);
    const adopting = planChanges((await terraform(['show', '-json', planFile], { cwd: networkDir(), env, timeoutMs: 60_000 })).stdout).resources;
    fs.rmSync(planFile, { force: true });
    expect(adopting.find((change) => change.address === roleAddress)).toMatchObject({ importing: true });
    expect(adopting.filter((change) => change.actions.includes('create')).map((change) => change.address)).not.toContain(roleAddress);
    expect(countChanges(adopting).import).toBe(1);
    const converge = await terraform(['apply', '-auto-approve', '-input=false'], { cwd: networkDir(), env, timeoutMs: 300_000 });
    expect(converge.stderr).toBe('');
    expect(converge.code).toBe(0);
    await planChangesNothing();

    // The orphaned VPC has no name to collide on: it is still there, and the clean plan does not see it.
    const vpcId = JSON.parse((await terraform(['output', '-json', 'vpc_id'], { cwd: networkDir(), env })).stdout) as string;
    expect(await networkVpcs()).toEqual([...vpcsBefore, vpcId, orphanVpcs[0]].sort());
    expect(orphanVpcs[0]).not.toBe(vpcId);
    // Found by its tags and not in the state, it goes with the other stateless orphans; the adopted role is
    // in the state now, so it stays; the secret and the bucket with an object are refused, with their import
    // entry or manual step.
    const deletion = await orphansScript(['--delete', '--yes']);
    expect(deletion.code).toBe(3);
    expect(deletion.stdout).not.toContain(roleArn);
    expect(deletion.stdout).not.toContain('not-printed-anywhere');
    expect(deletion.stdout).toContain(`${secretArn}\n  component: secrets\n  --delete:  keeps it: a secret: its value may be the only copy\n  adopt:     { resource: 'secrets-local/secret-key-base/secret', id: '${secretArn}' }`);
    expect(deletion.stdout).toContain(`arn:aws:s3:::${FULL_BUCKET}\n  component: observability\n  --delete:  keeps it: a bucket with objects\n  adopt:     no resource of its stacks that is missing from their state matches it\n  manual:    empty it`);
    for (const id of [...vpcsBefore, orphanVpcs[0]]) expect(deletion.stderr).toContain(`deleted ${vpcArn(id)}`);
    expect(deletion.stderr).not.toContain(vpcArn(vpcId));
    expect(deletion.stderr).toContain(`deleted arn:aws:iam::${environments.local.accountId}:role/${PROBE_ROLE}`);
    expect(deletion.stderr).toContain(`deleted arn:aws:s3:::${EMPTY_BUCKET}`);
    expect(deletion.stderr).not.toContain('could not delete');
    expect(await networkVpcs()).toEqual([vpcId]);
    expect(await roleExists(PROBE_ROLE)).toBe(false);
    expect(await roleExists(ROLE)).toBe(true);

    // What is left is exactly what was refused: every one kept, none deletable.
    const after = await listOrphans();
    expect(after.orphans.filter((orphan) => orphan.action !== 'keep').map((orphan) => orphan.arn)).toEqual([]);
    expect(after.orphans.map((orphan) => orphan.arn)).toEqual(expect.arrayContaining([secretArn, `arn:aws:s3:::${FULL_BUCKET}`]));
    expect(after.orphans.filter((orphan) => !byHand.includes(orphan.arn)).map((orphan) => orphan.arn)).toEqual(
      listing.orphans.filter((orphan) => orphan.action === 'keep' && !byHand.includes(orphan.arn)).map((orphan) => orphan.arn),
    );
  }, 900_000);
});
