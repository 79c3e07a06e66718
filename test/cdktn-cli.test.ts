import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments } from '../environments';
import { splitEmulatorResidue } from '../operations/emulator-plan-residue';
import { environmentStacks } from '../operations/environment-stacks';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';
import { planStack } from '../operations/stack-operations';
import { offlineTerraformEnv, requireTerraform } from '../operations/terraform-cli';
import { copyOfProject, MINUTES } from './support/local-platform';
import { runProcess, type ProcessRun } from './support/run-process';
import { stackNames, tempDir } from './support/synthesized';

// The README's `npx cdktn list | diff | deploy`, as a user types them: the CDK Terrain CLI reads cdktf.json,
// runs its app command (scripts/synth.mjs) and then Terraform in cdktf.out/stacks/<stack>, here against moto.
describe('the CDK Terrain CLI through cdktf.json', () => {
  let moto: RunningEmulator;
  let project: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    requireTerraform();
    moto = await startMoto();
    project = copyOfProject();
    const workDir = tempDir('cdktn-cli');
    env = {
      ...offlineTerraformEnv(workDir),
      ...emulatorCredentials(environments.local.accountId),
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: moto.endpoint,
      CI: '1',
    };
    // The bucket and key network-local's backend names, as the state stack would have made them (its
    // bootstrap is test/state-bootstrap.test.ts's; here it would take a minute and a half of Terraform).
    succeeded(await cdktn(['synth']));
    const backend = JSON.parse(fs.readFileSync(path.join(project, 'cdktf.out', 'stacks', 'network-local', 'cdk.tf.json'), 'utf8')).terraform.backend.s3;
    const client = { endpoint: moto.endpoint, region: backend.region, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! } };
    const [s3, kms] = [new S3Client({ ...client, forcePathStyle: true }), new KMSClient(client)];
    try {
      await s3.send(new CreateBucketCommand({ Bucket: backend.bucket }));
      const key = await kms.send(new CreateKeyCommand({}));
      await kms.send(new CreateAliasCommand({ AliasName: backend.kms_key_id.split(':').pop(), TargetKeyId: key.KeyMetadata!.KeyId }));
    } finally {
      s3.destroy();
      kms.destroy();
    }
  }, 5 * MINUTES);

  /** The run, when it exited 0; otherwise fails the test with everything the CLI printed. */
  const succeeded = (run: ProcessRun): ProcessRun => {
    if (run.code !== 0) throw new Error(`cdktn exited ${run.code}:\n${run.output}`);
    return run;
  };

  afterAll(async () => {
    await moto?.stop();
  });

  /**
   * `npx cdktn <args>` in the copy of the project, with no terminal (as in CI). Offline, diff and deploy take
   * `--skip-provider-lock`: the CLI's lock step asks the public registry for the provider.
   */
  const cdktn = (args: string[]): Promise<ProcessRun> =>
    runProcess(path.join(project, 'node_modules', '.bin', 'cdktn'), [...args, '--no-color'], { cwd: project, env, timeoutMs: 5 * MINUTES });

  it('lists every stack the app synthesizes', async () => {
    const run = succeeded(await cdktn(['list']));
    const listed = run.stdout
      .split('\n')
      .map((line) => /^(\S+)\s+\S*cdktf\.out\/stacks\/\1\s*$/.exec(line.trim())?.[1])
      .filter((name): name is string => name !== undefined);
    expect(listed.sort()).toEqual(stackNames().sort());
    expect(fs.existsSync(path.join(project, 'cdktf.out', 'manifest.json'))).toBe(true);
  }, 5 * MINUTES);

  it('diffs, deploys and then finds nothing to change in a stack', async () => {
    const diff = succeeded(await cdktn(['diff', 'network-local', '--skip-provider-lock']));
    const planned = /Plan: (\d+) to add, 0 to change, 0 to destroy/.exec(diff.output);
    expect(planned).not.toBeNull();
    const adds = Number(planned![1]);
    expect(adds).toBeGreaterThan(10);

    // The stack's only dependency, state-local, is stood in for above.
    const deploy = succeeded(await cdktn(['deploy', 'network-local', '--auto-approve', '--skip-provider-lock', '--ignore-missing-stack-dependencies']));
    expect(deploy.output).toContain(`Apply complete! Resources: ${adds} added, 0 changed, 0 destroyed.`);

    // A second diff finds nothing to add or destroy; what it would update is only what moto reads back
    // differently (the README's emulator gaps), as Terraform's plan of the same directory shows.
    const again = succeeded(await cdktn(['diff', 'network-local', '--skip-provider-lock']));
    expect(again.output).toMatch(/No changes\.|Plan: 0 to add, \d+ to change, 0 to destroy/);
    const outdir = path.join(project, 'cdktf.out');
    const network = environmentStacks(outdir, 'local').find((stack) => stack.name === 'network-local')!;
    const changes = await planStack(network, { outdir, env, logDir: path.join(outdir, '..', 'logs') });
    expect({ unexpected: splitEmulatorResidue(changes.resources).unexpected, outputs: changes.outputs }).toEqual({ unexpected: [], outputs: [] });
  }, 12 * MINUTES);
});
