import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider';
import { PrometheusWorkspace } from '@cdktf/provider-aws/lib/prometheus-workspace';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrometheusWorkspaceRoles, WORKSPACE_QUERY_ACTIONS, WORKSPACE_WRITE_ACTIONS } from '../constructs/prometheus-workspace-roles';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';
import { offlineTerraformEnv, requireTerraform, terraform } from '../operations/terraform-cli';
import { tempDir } from './support/synthesized';

// The metrics collector's and Grafana's roles (issue 19), applied for real: the construct cluster-<env> uses,
// through Terraform and the AWS provider, into moto, beside a workspace and an OIDC provider standing for the
// EKS cluster's (local has no cluster: no emulator runs Kubernetes). Then planned clean, read back through
// IAM, and destroyed.

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ISSUER = 'oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';

/** The roles with their fixtures, as a Terraform configuration for moto at `endpoint`. */
function synthesizeRoles(outdir: string, endpoint: string): string {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'workspace-roles');
  // cdktf's default local state lands in the process's working directory: keep it in the test's own.
  new LocalBackend(stack, { path: path.join(outdir, 'workspace-roles.tfstate') });
  new AwsProvider(stack, 'aws', {
    region: REGION,
    endpoints: [{ iam: endpoint, sts: endpoint, amp: endpoint }],
    skipCredentialsValidation: true,
    skipMetadataApiCheck: 'true',
  });
  const workspace = new PrometheusWorkspace(stack, 'workspace', { alias: 'groundwork-local' });
  const oidc = new IamOpenidConnectProvider(stack, 'oidc', { url: `https://${ISSUER}`, clientIdList: ['sts.amazonaws.com'], thumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'] });
  const roles = new PrometheusWorkspaceRoles(stack, 'roles', {
    namePrefix: 'groundwork-local',
    oidcProviderArn: oidc.arn,
    oidcIssuerUrl: oidc.url,
    namespace: 'monitoring',
    workspaceArn: workspace.arn,
    writerServiceAccount: 'metrics-collector',
    readerServiceAccount: 'grafana',
  });
  new TerraformOutput(stack, 'workspace_arn', { value: workspace.arn });
  new TerraformOutput(stack, 'writer', { value: roles.writerRoleArn });
  app.synth();
  return path.join(outdir, 'stacks', 'workspace-roles');
}

describe('the Managed Prometheus workspace roles, in moto', () => {
  let moto: RunningEmulator;
  let workDir: string;

  beforeAll(async () => {
    requireTerraform();
    moto = await startMoto();
    workDir = tempDir('workspace-roles');
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('apply, plan clean, trust only their service accounts, act only on the workspace, and destroy', async () => {
    const dir = synthesizeRoles(path.join(workDir, 'out'), moto.endpoint);
    const env = { ...offlineTerraformEnv(workDir), ...emulatorCredentials(ACCOUNT), AWS_REGION: REGION };
    const run = async (args: string[]) => {
      const result = await terraform(args, { cwd: dir, env, timeoutMs: 180_000 });
      expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: expect.not.stringContaining('Error') });
      return result;
    };
    await run(['init', '-input=false']);
    await run(['apply', '-input=false', '-auto-approve']);
    // Exit 0 with -detailed-exitcode: no change left to make.
    await run(['plan', '-input=false', '-detailed-exitcode']);

    const workspaceArn = JSON.parse((await run(['output', '-json'])).stdout).workspace_arn.value;
    const iam = new IAMClient({ endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: ACCOUNT, secretAccessKey: 'emulator' } });
    for (const [serviceAccount, actions] of [
      ['metrics-collector', WORKSPACE_WRITE_ACTIONS],
      ['grafana', WORKSPACE_QUERY_ACTIONS],
    ] as const) {
      const roleName = `groundwork-local-${serviceAccount}`;
      const role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!;
      const [trust] = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement;
      expect(trust).toEqual({
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` },
        Condition: { StringEquals: { [`${ISSUER}:sub`]: `system:serviceaccount:monitoring:${serviceAccount}`, [`${ISSUER}:aud`]: 'sts.amazonaws.com' } },
      });
      const inline = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: roleName }));
      const [statement] = JSON.parse(decodeURIComponent(inline.PolicyDocument!)).Statement;
      expect({ actions: [statement.Action].flat().sort(), resource: statement.Resource, effect: statement.Effect }).toEqual({ actions: [...actions].sort(), resource: workspaceArn, effect: 'Allow' });
      expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies).toEqual([]);
    }

    await run(['destroy', '-input=false', '-auto-approve']);
    await expect(iam.send(new GetRoleCommand({ RoleName: 'groundwork-local-grafana' }))).rejects.toThrow(/not found|cannot be found/);
  }, 300_000);
});
