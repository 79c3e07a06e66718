import { BackupClient, ListBackupPlansCommand, ListBackupVaultsCommand } from '@aws-sdk/client-backup';
import { CloudTrailClient, DescribeTrailsCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, DescribeVolumesCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { environments, loadEnvironments } from '../../environments';
import { readChangeSet } from '../../operations/change-sets';
import { setValue } from '../../operations/environment-file';
import { changeLines, cleanDiff, copyOfProject, deployLocal, LOCAL_STACKS, MINUTES, useLocalPlatform, type LocalPlatform } from '../support/local-platform';

// The acceptance of the local platform, end to end: the README's `npm run local`, `npm run diff -- --env local`
// and `npm run deploy -- --reviewed`, run as a user runs them, against a fresh moto on a free loopback port.
// Drift and the disaster-recovery drill run beside this suite, on a platform of their own
// (local-platform-recovery.test.ts).
/** The graph node: its running instance and its data volume. */
async function graphNode(config: ReturnType<LocalPlatform['clientConfig']>) {
  const ec2 = new EC2Client(config);
  const filters = [{ Name: 'tag:Name', Values: ['groundwork-local-graph-1'] }, { Name: 'instance-state-name', Values: ['running'] }];
  const instances = ((await ec2.send(new DescribeInstancesCommand({ Filters: filters }))).Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
  expect(instances).toHaveLength(1);
  const volumeId = instances[0].Tags!.find((tag) => tag.Key === 'groundwork:data-volume')!.Value!;
  const [volume] = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes!;
  return { instance: instances[0], volume };
}

describe('the local platform in moto', () => {
  const platform = useLocalPlatform('local-platform');
  /** The graph node before the new image, and the image. */
  let graphBefore: Awaited<ReturnType<typeof graphNode>>;
  let newImage: string;
  /** The project with the pull request's change (the database renamed), deployed from the review on. */
  let changed: string;
  const npmRun = (...args: Parameters<ReturnType<typeof platform>['npmRun']>) => platform().npmRun(...args);
  const clientConfig = () => platform().clientConfig();

  beforeAll(() => {
    changed = copyOfProject();
  });

  afterAll(() => {
    if (changed) fs.rmSync(changed, { recursive: true, force: true });
  });

  it('`npm run local` deploys every stack in dependency order and prints what a user needs', async () => {
    const run = await deployLocal(platform());
    // The figure the README quotes, in CI's log.
    console.log(/^The local platform is up .*$/m.exec(run.output)?.[0]);
    const finished = [...run.output.matchAll(/^ {2}(\w+-local): \d+ added/gm)].map((match) => match[1]);
    // state-local is bootstrapped first; the rest only after what they depend on.
    expect(run.output.indexOf('state-local: bootstrapped')).toBeGreaterThan(-1);
    expect(finished.sort()).toEqual(['backup-local', 'data-local', 'network-local', 'observability-local', 'secrets-local', 'service-local']);
    const order = (stack: string) => run.output.search(new RegExp(`^ {2}${stack}: \\d+ added`, 'm'));
    const starts = (stack: string) => run.output.indexOf(`  ${stack}: deploy started`);
    // local's dependencies (without a cache, data needs no secret; without a selection, backup no database).
    expect(starts('data-local')).toBeGreaterThan(order('network-local'));
    expect(starts('service-local')).toBeGreaterThan(order('data-local'));
    expect(starts('service-local')).toBeGreaterThan(order('secrets-local'));
    expect(starts('observability-local')).toBeGreaterThan(order('service-local'));
    for (const label of ['Load balancer DNS name', 'Database endpoint', 'Database credentials (secret ARN)', 'Graph (Neo4j) URI', 'SECRET_KEY_BASE (secret ARN)', 'Dashboard']) {
      expect(run.output).toMatch(new RegExp(`^ {2}${label.replace(/[()]/g, '\\$&')}: +\\S+`, 'm'));
    }
  }, 25 * MINUTES);

  it('leaves the whole platform in the emulator', async () => {
    const config = clientConfig();
    const vpcs = await new EC2Client(config).send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:environment', Values: ['local'] }] }));
    expect(vpcs.Vpcs).toHaveLength(1);
    expect(vpcs.Vpcs![0].CidrBlock).toBe('10.99.0.0/16');

    const clusters = (await new RDSClient(config).send(new DescribeDBClustersCommand({}))).DBClusters ?? [];
    const database = clusters.find((cluster) => cluster.DBClusterIdentifier === 'groundwork-local');
    expect(database).toMatchObject({ Engine: 'aurora-postgresql', StorageEncrypted: true });

    const ecs = new ECSClient(config);
    const ecsClusters = (await ecs.send(new ListClustersCommand({}))).clusterArns ?? [];
    expect(ecsClusters).toEqual([expect.stringMatching(/cluster\/groundwork-local$/)]);
    const services = await ecs.send(new DescribeServicesCommand({ cluster: ecsClusters[0], services: ['groundwork-local-app'] }));
    expect(services.services).toHaveLength(1);
    expect(services.services![0]).toMatchObject({ status: 'ACTIVE', launchType: 'FARGATE' });

    const balancers = (await new ElasticLoadBalancingV2Client(config).send(new DescribeLoadBalancersCommand({ Names: ['groundwork-local'] }))).LoadBalancers ?? [];
    expect(balancers).toHaveLength(1);
    expect(balancers[0]).toMatchObject({ Type: 'application', DNSName: expect.stringContaining('groundwork-local') });

    const secrets = (await new SecretsManagerClient(config).send(new ListSecretsCommand({}))).SecretList ?? [];
    const keyBase = secrets.find((secret) => secret.Name === 'groundwork/local/secret-key-base');
    const { rotation } = loadEnvironments({ local: environments.local })[0];
    expect(keyBase).toMatchObject({ RotationEnabled: true, RotationRules: { AutomaticallyAfterDays: rotation.secretKeyBaseDays } });
    // The master user's secret is RDS's own; local leaves its schedule to RDS (an emulator gap, README).
    expect(secrets.find((secret) => secret.Name?.startsWith('rds!cluster'))).toBeDefined();

    const backup = new BackupClient(config);
    const plans = (await backup.send(new ListBackupPlansCommand({}))).BackupPlansList ?? [];
    expect(plans.map((plan) => plan.BackupPlanName)).toContain('groundwork-local');
    const vaults = (await backup.send(new ListBackupVaultsCommand({}))).BackupVaultList ?? [];
    expect(vaults.map((vault) => vault.BackupVaultName)).toContain('groundwork-local');
    const drVaults = (await new BackupClient({ ...config, region: 'us-west-2' }).send(new ListBackupVaultsCommand({}))).BackupVaultList ?? [];
    expect(drVaults.map((vault) => vault.BackupVaultName)).toContain('groundwork-local-dr');

    const alarms = (await new CloudWatchClient(config).send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'groundwork-local' }))).MetricAlarms ?? [];
    // 16 in every environment with a cache and a state replica; local has no cache (13), and one graph node (3 more).
    expect(alarms.length).toBe(16);
    expect(alarms.every((alarm) => alarm.AlarmActions?.some((action) => action.includes(':groundwork-local-alarms')))).toBe(true);

    // The graph node: booted from the image its parameter names, its data on an encrypted volume of its own.
    const { instance, volume } = await graphNode(config);
    const image = (await new SSMClient(config).send(new GetParameterCommand({ Name: '/groundwork/local/graph/x86_64/image-id' }))).Parameter!;
    expect(image.DataType).toBe('aws:ec2:image');
    expect(instance.ImageId).toBe(image.Value);
    expect(instance.MetadataOptions).toMatchObject({ HttpTokens: 'required' });
    expect(volume).toMatchObject({ Encrypted: true, VolumeType: 'gp3', Size: 10, Attachments: [{ InstanceId: instance.InstanceId, State: 'attached' }] });

    const trails = (await new CloudTrailClient(config).send(new DescribeTrailsCommand({}))).trailList ?? [];
    expect(trails.find((trail) => trail.Name === 'groundwork-local')).toMatchObject({ IsMultiRegionTrail: true, LogFileValidationEnabled: true });

    await expect(new S3Client({ ...config, forcePathStyle: true }).send(new HeadBucketCommand({ Bucket: environments.local.state?.bucket ?? 'groundwork-local-tfstate-123456789012' }))).resolves.toBeDefined();

    // The GitOps alerts' Managed Prometheus workspace, read through the API (moto picks the service from
    // the credential scope and does not check the signature).
    const aps = async (pathname: string) => {
      const response = await fetch(`${platform().moto.endpoint}${pathname}`, { headers: { Authorization: `AWS4-HMAC-SHA256 Credential=${config.credentials.accessKeyId}/20260101/us-east-1/aps/aws4_request, SignedHeaders=host, Signature=0` } });
      return (await response.json()) as Record<string, any>;
    };
    const [workspace] = (await aps('/workspaces?alias=groundwork-local')).workspaces;
    expect(workspace.status.statusCode).toBe('ACTIVE');
    const logging = (await aps(`/workspaces/${workspace.workspaceId}/logging`)).loggingConfiguration;
    expect(logging.logGroupArn).toBe('arn:aws:logs:us-east-1:123456789012:log-group:/groundwork/local/prometheus:*');
    const { ruleGroupsNamespace } = await aps(`/workspaces/${workspace.workspaceId}/rulegroupsnamespaces/gitops`);
    const rulesFile = Buffer.from(ruleGroupsNamespace.data, 'base64').toString('utf8');
    for (const alert of ['ArgoCdSyncFailing', 'ArgoCdAppDegraded', 'ArgoCdAppOutOfSync', 'ArgoCdManualSyncWaiting', 'ArgoCdComponentDown']) expect(rulesFile).toContain(`alert: ${alert}`);
  }, 2 * MINUTES);

  it('`npm run diff -- --env local` then says "no changes" for every stack, and records the change set', async () => {
    const run = await cleanDiff(platform(), 'clean');
    expect(run.output).toContain('No changes: all 7 stacks match the code.');
    for (const stack of LOCAL_STACKS) expect(run.output).toContain(`| \`${stack}\` | 0 | 0 | 0 | no changes |`);
    expect(changeLines(run.output)).toEqual([]);
    expect(run.output).not.toMatch(/^#### /m);
    const record = readChangeSet(path.join(platform().workDir, 'clean.json'));
    expect(record).toMatchObject({ environment: 'local', emulator: true });
    expect(record.stacks.map((entry) => entry.stack).sort()).toEqual([...LOCAL_STACKS].sort());
    expect(record.stacks.every((entry) => entry.status === 'planned' && /^sha256:[0-9a-f]{64}$/.test(entry.fingerprint))).toBe(true);
  }, 12 * MINUTES);

  it('one runner per stack: `--stack` runs merged with `--merge` give the single run\'s summary, byte for byte', async () => {
    // Against the whole run's summary and record, made by the test above.
    const { workDir, npmRun } = platform();
    const records = LOCAL_STACKS.map((stack) => path.join(workDir, 'per-stack', `${stack}.json`));
    // One after another: runners have a checkout each, but here they share one work directory, and each
    // run synthesizes into it (two at once would swap the output under each other's Terraform).
    for (const [index, stack] of LOCAL_STACKS.entries()) {
      const run = await npmRun(['diff', '--', '--env', 'local', '--stack', stack, '--json', records[index]], 5 * MINUTES);
      if (run.code !== 0) throw new Error(`npm run diff --stack ${stack} exited ${run.code}, not 0:\n${run.output}`);
    }
    const merged = path.join(workDir, 'merged.md');
    const run = await npmRun(['diff', '--', '--merge', ...records, '--out', merged, '--json', path.join(workDir, 'merged.json')], MINUTES);
    expect(run.code).toBe(0);
    expect(fs.readFileSync(merged, 'utf8')).toBe(fs.readFileSync(path.join(workDir, 'clean.md'), 'utf8'));
    expect(readChangeSet(path.join(workDir, 'merged.json'))).toEqual(readChangeSet(path.join(workDir, 'clean.json')));
  }, 20 * MINUTES);

  it('`npm run diff` after a config change and a new graph image shows exactly those changes: a warning for the database it replaces, a note for the volume it keeps', async () => {
    // The change a pull request would make, in a copy of the project: the database's name, which Aurora
    // takes only by replacing the cluster, and which the service reads from its task definition.
    const file = path.join(changed, 'environments', 'local.ts');
    fs.writeFileSync(file, setValue(fs.readFileSync(file, 'utf8'), ['database', 'databaseName'], 'orders'));
    // And what the graph's image pipeline does after a build (moto has no Image Builder): publish the new
    // image's id, with the data type Image Builder gives it.
    const ssm = new SSMClient(clientConfig());
    graphBefore = await graphNode(clientConfig());
    newImage = (await ssm.send(new GetParameterCommand({ Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.12-x86_64' }))).Parameter!.Value!;
    expect(newImage).not.toBe(graphBefore.instance.ImageId);
    await ssm.send(new PutParameterCommand({ Name: '/groundwork/local/graph/x86_64/image-id', Value: newImage, DataType: 'aws:ec2:image', Type: 'String', Overwrite: true }));
    {
      const run = await npmRun(['diff', '--', '--env', 'local', '--json', path.join(platform().workDir, 'changed.json')], 10 * MINUTES, changed);
      expect(run.code).toBe(2);
      const section = (stack: string) => changeLines(run.output.split(`#### \`${stack}\``)[1]?.split('#### ')[0] ?? '');
      expect(section('data-local').sort()).toEqual([
        // The graph's policies read the data key, whose emulator artefact (its rotation period) defers them to
        // apply; with a real change in the stack the diff no longer counts that deferral as an artefact.
        expect.stringMatching(/^- `aws_iam_role_policy\.graph-password-rotation_policy_\w+`: update \(policy\)$/),
        expect.stringMatching(/^- `aws_iam_role_policy\.graph_role_policy_\w+`: update \(policy\)$/),
        // The node's instance, for the new image; its volume is not in the plan at all.
        expect.stringMatching(/^- `aws_instance\.graph_node-1_instance_\w+`: replace \(ami\)$/),
        // local's node has no address of its own (graph.stableAddresses): the rotation learns the new instance's.
        expect.stringMatching(/^- `aws_lambda_function\.graph-password-rotation_function_\w+`: update \(environment\)$/),
        expect.stringMatching(/^- `aws_rds_cluster\.database_cluster_\w+`: replace \(database_name\)$/),
        // RDS refuses to delete a cluster that still has instances: they are replaced with it.
        expect.stringMatching(/^- `aws_rds_cluster_instance\.database_writer_\w+`: replace$/),
        expect.stringMatching(/^- `aws_volume_attachment\.graph_node-1_data-attachment_\w+`: replace \(instance_id\)$/),
      ]);
      expect(section('service-local')).toEqual([
        expect.stringMatching(/^- `aws_ecs_service\.app_service_\w+`: update \(task_definition\)$/),
        expect.stringMatching(/^- `aws_ecs_task_definition\.app_task-definition_\w+`: replace \(container_definitions\)$/),
      ]);
      const cluster = /`(aws_rds_cluster\.\S+)`: replace/.exec(run.output)![1];
      expect(run.output).toContain(`> **Warning**: \`${cluster}\` (database) will be replaced (because of database_name): its data is gone unless restored from a snapshot or recovery point.`);
      // A task definition and a node's instance are not stateful: the one warning is the database's.
      expect(run.output.match(/^> \*\*Warning\*\*/gm)).toHaveLength(1);
      expect(run.output.match(/^> \*\*Note\*\*: `aws_volume_attachment\.graph_node-1_data-attachment_\w+` is replaced with its instance: the data volume is kept/gm)).toHaveLength(1);
      // The service reads the database's endpoint, and the alarms the node's instance, from data-local's outputs.
      expect(run.output).toContain('| `service-local` | 1 | 1 | 1 | provisional |');
      expect(run.output).toContain('| `observability-local` | 0 | 0 | 0 | provisional |');
      for (const stack of LOCAL_STACKS.filter((name) => !['data-local', 'service-local', 'observability-local'].includes(name))) {
        expect(run.output).toContain(`| \`${stack}\` | 0 | 0 | 0 | no changes |`);
      }
    }
  }, 12 * MINUTES);

  it('`npm run deploy -- --reviewed` applies exactly the reviewed change, the provisional stacks once their dependency is applied, and converges', async () => {
    const run = await npmRun(['deploy', '--', '--env', 'local', '--reviewed', path.join(platform().workDir, 'changed.json'), '--yes'], 15 * MINUTES, changed);
    if (run.code !== 0) throw new Error(`npm run deploy exited ${run.code}:\n${run.output}`);
    expect(run.output).toMatch(/^ {2}data-local: 4 added, \d+ changed, 4 destroyed, as reviewed/m);
    // service-local was planned against data-local's old endpoint; planned again after it, it matched.
    expect(run.output).toMatch(/^ {2}service-local: planned after data-local; matches the reviewed prediction$/m);
    expect(run.output.indexOf('service-local: deploy started')).toBeGreaterThan(run.output.search(/data-local: 1 added/));
    // Beside the reviewed task definition and service, the policies that name the database's new secret, which the review could not know.
    expect(run.output).toMatch(/^ {2}service-local: 1 added, \d+ changed, 1 destroyed, as reviewed/m);
    // The node's status-check alarm follows its new instance.
    expect(run.output).toMatch(/^ {2}observability-local: planned after data-local; matches the reviewed prediction$/m);
    for (const stack of ['state-local', 'network-local', 'secrets-local', 'backup-local', 'observability-local']) {
      // Unchanged, but for the emulator's artefacts, which the reviewed plans hold too.
      expect(run.output).toMatch(new RegExp(`^ {2}${stack}: 0 added, \\d+ changed, 0 destroyed, as reviewed`, 'm'));
    }
    const database = ((await new RDSClient(clientConfig()).send(new DescribeDBClustersCommand({}))).DBClusters ?? []).find((cluster) => cluster.DBClusterIdentifier === 'groundwork-local');
    expect(database?.DatabaseName).toBe('orders');

    // The graph node runs the new image on a new instance, with the same data volume; local's node has no
    // address of its own (graph.stableAddresses), so its clients follow the new instance's.
    const after = await graphNode(clientConfig());
    expect(after.instance.InstanceId).not.toBe(graphBefore.instance.InstanceId);
    expect(after.instance.ImageId).toBe(newImage);
    const uri = `neo4j://${after.instance.PrivateIpAddress}:7687`;
    const rotation = await new LambdaClient(clientConfig()).send(new GetFunctionConfigurationCommand({ FunctionName: 'groundwork-local-graph-password-rotation' }));
    expect(rotation.Environment?.Variables?.NEO4J_URI).toBe(uri);
    const ecs = new ECSClient(clientConfig());
    const [service] = (await ecs.send(new DescribeServicesCommand({ cluster: 'groundwork-local', services: ['groundwork-local-app'] }))).services ?? [];
    const { taskDefinition } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: service?.taskDefinition }));
    expect(taskDefinition?.containerDefinitions?.[0].environment).toContainEqual({ name: 'NEO4J_URI', value: uri });
    expect(after.volume.VolumeId).toBe(graphBefore.volume.VolumeId);
    expect(after.volume.Attachments).toMatchObject([{ InstanceId: after.instance.InstanceId, State: 'attached' }]);
    // Converged: the node's stack and the one that watches it plan no change.
    for (const stack of ['data-local', 'observability-local']) {
      const again = await npmRun(['diff', '--', '--env', 'local', '--stack', stack], 5 * MINUTES, changed);
      expect({ stack, code: again.code, changes: changeLines(again.output) }).toEqual({ stack, code: 0, changes: [] });
    }
  }, 20 * MINUTES);
});
