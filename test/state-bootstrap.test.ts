import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments } from '../environments';
import { BOOTSTRAP_OVERRIDE, bootstrapState } from '../lib/bootstrap';
import { startMoto, type RunningEmulator } from '../lib/moto';
import { offlineTerraformEnv, requireTerraform, terraform } from '../lib/terraform-cli';
import { synthesizeInto, tempDir } from './support/synthesized';

// The bootstrap and the S3 backend, for real: Terraform and the AWS provider against moto on loopback.
const BUCKET = 'groundwork-local-tfstate-123456789012';
const STATE_KEY_ALIAS = 'arn:aws:kms:us-east-1:123456789012:alias/groundwork/local/tfstate';

describe('bootstrapping the local state backend in the emulator', () => {
  let moto: RunningEmulator;
  let outdir: string;
  let workDir: string;
  let env: NodeJS.ProcessEnv;
  let s3: S3Client;
  const log: string[] = [];

  beforeAll(async () => {
    requireTerraform();
    moto = await startMoto();
    workDir = tempDir('bootstrap');
    outdir = synthesizeInto({ local: { ...environments.local, emulator: { endpoint: moto.endpoint } } });
    env = { ...offlineTerraformEnv(workDir), AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
    s3 = new S3Client({ endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  }, 60_000);

  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  const bootstrap = () => bootstrapState({ environment: 'local', outdir, workDir, terraformEnv: env, autoApprove: true, log: (line) => log.push(line) });
  const keys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key).sort();

  it('applies the state stack with local state, then moves that state into its own bucket', async () => {
    expect(await bootstrap()).toBe('bootstrapped');
    expect(await keys()).toEqual(['local/state.tfstate']);
    const state = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'local/state.tfstate' }))).Body!.transformToString());
    expect(state.resources.map((r: { type: string }) => r.type)).toEqual(expect.arrayContaining(['aws_s3_bucket', 'aws_kms_key', 'aws_s3_bucket_versioning']));
    expect(fs.existsSync(path.join(workDir, 'bootstrap', 'state-local.tfstate'))).toBe(false);
    expect(fs.existsSync(path.join(outdir, 'stacks', 'state-local', BOOTSTRAP_OVERRIDE))).toBe(false);
  }, 300_000);

  it('encrypts the state object with the environment\'s state key', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'local/state.tfstate' }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(STATE_KEY_ALIAS);
  });

  it('does nothing when run again', async () => {
    const before = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'local/state.tfstate' }));
    expect(await bootstrap()).toBe('already-bootstrapped');
    const after = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'local/state.tfstate' }));
    expect(after.VersionId).toBe(before.VersionId);
  }, 120_000);

  it('then serves another stack: network-local applies with its state at local/network.tfstate, unlocked after', async () => {
    const cwd = path.join(outdir, 'stacks', 'network-local');
    const init = await terraform(['init', '-input=false'], { cwd, env });
    expect(init.stderr).toBe('');
    const apply = await terraform(['apply', '-auto-approve', '-input=false'], { cwd, env, timeoutMs: 240_000 });
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(await keys()).toEqual(['local/network.tfstate', 'local/state.tfstate']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'local/network.tfstate' }));
    expect(head.SSEKMSKeyId).toBe(STATE_KEY_ALIAS);

    const vpcId = JSON.parse((await terraform(['output', '-json', 'vpc_id'], { cwd, env })).stdout);
    const described = await (await fetch(`${moto.endpoint}/`, {
      method: 'POST',
      // moto picks the service from the credential scope; it does not check the signature.
      headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0' },
      body: new URLSearchParams({ Action: 'DescribeVpcs', Version: '2016-11-15', 'Filter.1.Name': 'tag:environment', 'Filter.1.Value.1': 'local' }),
    })).text();
    expect(described).toContain(`<vpcId>${vpcId}</vpcId>`);
    expect(described).toContain('<value>groundwork</value>');
  }, 300_000);
});
