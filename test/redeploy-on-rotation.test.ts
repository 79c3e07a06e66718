import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type Secret,
} from '@aws-sdk/client-ecs';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, GetSecretValueCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { redeployHandler, referencesSecret, type RotationSucceededEvent } from '../lambda/redeploy-on-rotation';
import { rotationHandler, type RotationStrategy } from '../lambda/rotation-protocol';
import { secretKeyBaseStrategy } from '../lambda/secret-key-base-rotation';
import { environments, loadEnvironments } from '../environments';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';
import { only, stack } from './support/synthesized';

// The redeploy function's handler, in-process, against ECS, Secrets Manager and EventBridge in moto on
// loopback (moto cannot run Lambda functions): a real rotation of a secret that services inject, the
// RotationSucceeded event as Secrets Manager sends it, put on the bus where the service stack's own
// rule (its synthesized pattern) routes it to a queue standing in for the function, and the services'
// deployments before and after the handler receives what the rule delivered.
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

let moto: RunningEmulator;
let ecs: ECSClient;
let secrets: SecretsManagerClient;
let events: EventBridgeClient;
let sqs: SQSClient;
/** The queue the service stack's rule delivers to in place of the function. */
let delivered: string;
let cluster: string;
let clientOptions: ConstructorParameters<typeof ECSClient>[0] & object;
const serviceArn: Record<string, string> = {};
const secretArn: Record<string, string> = {};

beforeAll(async () => {
  moto = await startMoto();
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = emulatorCredentials(ACCOUNT);
  const options = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: AWS_ACCESS_KEY_ID!, secretAccessKey: AWS_SECRET_ACCESS_KEY! } };
  clientOptions = options;
  ecs = new ECSClient(options);
  secrets = new SecretsManagerClient(options);
  events = new EventBridgeClient(options);
  sqs = new SQSClient(options);

  for (const [name, value] of Object.entries({
    'secret-key-base': 'a'.repeat(128),
    database: JSON.stringify({ username: 'groundwork', password: 'first' }),
    'cache-token': 'b'.repeat(64),
  })) {
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `groundwork/test/${name}`, SecretString: value }));
    secretArn[name] = ARN!;
  }
  cluster = (await ecs.send(new CreateClusterCommand({ clusterName: 'groundwork-test' }))).cluster!.clusterArn!;

  // Which secrets each service's task injects, the way Groundwork's task definition references them.
  const injects: Record<string, Secret[]> = {
    api: [
      { name: 'SECRET_KEY_BASE', valueFrom: secretArn['secret-key-base'] },
      { name: 'DATABASE_PASSWORD', valueFrom: `${secretArn.database}:password::` },
    ],
    worker: [{ name: 'SECRET_KEY_BASE', valueFrom: secretArn['secret-key-base'] }],
    'cache-warmer': [{ name: 'CACHE_AUTH_TOKEN', valueFrom: secretArn['cache-token'] }],
    static: [],
  };
  for (const [name, secretsOfTask] of Object.entries(injects)) {
    const { taskDefinition } = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `groundwork-test-${name}`,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'app', image: 'example/app:1', essential: true, secrets: secretsOfTask }],
      }),
    );
    const { service } = await ecs.send(
      new CreateServiceCommand({ cluster, serviceName: name, taskDefinition: taskDefinition!.taskDefinitionArn, desiredCount: 1, launchType: 'FARGATE' }),
    );
    serviceArn[name] = service!.serviceArn!;
  }

  // The rule exactly as synthesized, but for its secret references, which become these secrets' ARNs. It is
  // the rule of an environment with a cache, whose task injects all three (local has none: cache.enabled false).
  const withCache = loadEnvironments(environments).find((env) => env.cache.enabled)!.name;
  const pattern = JSON.parse(only(stack(`service-${withCache}`), 'aws_cloudwatch_event_rule').event_pattern);
  expect(pattern.detail.additionalEventData.SecretId).toHaveLength(3);
  pattern.detail.additionalEventData.SecretId = Object.values(secretArn);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'redeploy-on-rotation' }));
  delivered = QueueUrl!;
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(new PutRuleCommand({ Name: 'redeploy-on-rotation', EventPattern: JSON.stringify(pattern) }));
  await events.send(new PutTargetsCommand({ Rule: 'redeploy-on-rotation', Targets: [{ Id: 'function', Arn: Attributes!.QueueArn }] }));
}, 60_000);

afterAll(async () => {
  for (const client of [ecs, secrets, events, sqs]) client?.destroy();
  await moto?.stop();
});

/** The id of each service's primary deployment, by service name. */
async function deployments(): Promise<Record<string, string>> {
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: Object.values(serviceArn) }));
  return Object.fromEntries(services!.map((service) => [service.serviceName!, service.deployments![0].id!]));
}

/** The event EventBridge delivers when Secrets Manager finishes a rotation (a CloudTrail service event). */
function rotationSucceeded(secret: string, eventName = 'RotationSucceeded'): RotationSucceededEvent & Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS Service Event via CloudTrail',
    source: 'aws.secretsmanager',
    account: ACCOUNT,
    // Whole seconds, as EventBridge writes them.
    time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { accountId: ACCOUNT, invokedBy: 'secretsmanager.amazonaws.com' },
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: REGION,
      requestParameters: null,
      responseElements: null,
      additionalEventData: { SecretId: secret },
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    } as RotationSucceededEvent['detail'],
  };
}

/** Runs one whole rotation of a secret, step by step, as Secrets Manager drives a rotation function. */
async function rotate(arn: string, strategy: RotationStrategy): Promise<void> {
  await secrets.send(new RotateSecretCommand({ SecretId: arn, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  const handler = rotationHandler(strategy, secrets);
  const token = randomUUID();
  for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) await handler({ Step: step, SecretId: arn, ClientRequestToken: token });
}

/**
 * Puts the event on the default bus as Secrets Manager would, and returns what the rule delivered (the
 * event as the function would receive it), or undefined when the rule did not match.
 */
async function throughTheRule(event: ReturnType<typeof rotationSucceeded>): Promise<RotationSucceededEvent | undefined> {
  const { FailedEntryCount } = await events.send(
    new PutEventsCommand({ Entries: [{ Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail), Resources: [] }] }),
  );
  expect(FailedEntryCount).toBe(0);
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: delivered, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  expect(Messages.length).toBeLessThanOrEqual(1);
  return Messages[0] && JSON.parse(Messages[0].Body!);
}

// Explicitly AWSCURRENT: moto's default version does not follow UpdateSecretVersionStage; AWS's (and ECS's) does.
const valueOf = async (arn: string) => (await secrets.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }))).SecretString!;
const quietly = () => jest.spyOn(console, 'log').mockImplementation(() => {});
afterEach(() => jest.restoreAllMocks());

describe('after a secret rotates', () => {
  it('redeploys exactly the services whose tasks inject it', async () => {
    const log = quietly();
    const before = await deployments();
    const oldValue = await valueOf(secretArn['secret-key-base']);
    await rotate(secretArn['secret-key-base'], secretKeyBaseStrategy);
    const newValue = await valueOf(secretArn['secret-key-base']);
    expect(newValue).not.toBe(oldValue);

    const event = await throughTheRule(rotationSucceeded(secretArn['secret-key-base']));
    expect(event).toBeDefined();
    const result = await redeployHandler([{ ecs, cluster }])(event!);

    expect(result.redeployed.sort()).toEqual([serviceArn.api, serviceArn.worker].sort());
    const after = await deployments();
    expect(after.api).not.toBe(before.api);
    expect(after.worker).not.toBe(before.worker);
    expect(after['cache-warmer']).toBe(before['cache-warmer']);
    expect(after.static).toBe(before.static);
    // What it logs names secrets and services by ARN, never a value.
    const logged = log.mock.calls.flat().join('\n');
    expect(logged).toContain(secretArn['secret-key-base']);
    expect(logged).not.toContain(newValue);
    expect(logged).not.toContain(oldValue);
  });

  it('redeploys nothing more when the same event arrives again: those services deployed since', async () => {
    quietly();
    const before = await deployments();
    const event = { ...rotationSucceeded(secretArn['secret-key-base']), time: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z') };
    const result = await redeployHandler([{ ecs, cluster }])(event);
    expect(result.redeployed).toEqual([]);
    expect(result.alreadyFresh!.sort()).toEqual([serviceArn.api, serviceArn.worker].sort());
    expect(await deployments()).toEqual(before);
  });

  it('redeploys the standby\'s services too, in their region, once the replica their tasks inject has the rotated version', async () => {
    quietly();
    const standbyEcs = new ECSClient({ ...clientOptions, region: 'us-west-2' });
    const standbySecrets = new SecretsManagerClient({ ...clientOptions, region: 'us-west-2' });
    try {
      const standbyCluster = (await standbyEcs.send(new CreateClusterCommand({ clusterName: 'groundwork-test' }))).cluster!.clusterArn!;
      expect(standbyCluster).toContain(':us-west-2:');
      // A secret replicated to the standby's region, as secrets-<env> replicates SECRET_KEY_BASE there.
      const { ARN: replicated } = await secrets.send(new CreateSecretCommand({ Name: 'groundwork/test/replicated', SecretString: 'c'.repeat(64), AddReplicaRegions: [{ Region: 'us-west-2' }] }));
      // The standby's task names the replica: the secret's ARN with the standby's region, as Secrets Manager makes it.
      const replicaOf = (arn: string) => arn.replace(`:${REGION}:`, ':us-west-2:');
      const standbyService = async (name: string, valueFrom: string) => {
        const { taskDefinition } = await standbyEcs.send(
          new RegisterTaskDefinitionCommand({
            family: `groundwork-test-standby-${name}`,
            requiresCompatibilities: ['FARGATE'],
            networkMode: 'awsvpc',
            cpu: '256',
            memory: '512',
            containerDefinitions: [{ name: 'app', image: 'example/app:1', essential: true, secrets: [{ name: 'SECRET', valueFrom }] }],
          }),
        );
        return (await standbyEcs.send(new CreateServiceCommand({ cluster: standbyCluster, serviceName: name, taskDefinition: taskDefinition!.taskDefinitionArn, desiredCount: 0, launchType: 'FARGATE' }))).service!.serviceArn!;
      };
      const api = await standbyService('api', replicaOf(replicated!));
      const standbyDeployment = async () => (await standbyEcs.send(new DescribeServicesCommand({ cluster: standbyCluster, services: [api] }))).services![0].deployments![0].id;
      const before = await standbyDeployment();
      const standby = { ecs: standbyEcs, cluster: standbyCluster, replica: { source: secrets, here: standbySecrets, waitSeconds: 1 } };

      // The event Secrets Manager sends in the primary's region.
      const result = await redeployHandler([{ ecs, cluster }, standby])(rotationSucceeded(replicated!));
      expect(result.redeployed).toEqual([api]);
      expect(await standbyDeployment()).not.toBe(before);

      // A rotation of a secret the standby's tasks do not inject leaves them alone, and waits for no replica.
      const untouched = await standbyDeployment();
      const other = await redeployHandler([{ ecs, cluster }, standby])(rotationSucceeded(secretArn['cache-token']));
      expect(other.redeployed).toEqual([serviceArn['cache-warmer']]);
      expect(await standbyDeployment()).toBe(untouched);

      // A replica that does not have the rotated version (here: none at all) keeps the standby's service as it
      // is and fails the invocation, for a retry, after the primary's services are redeployed all the same.
      const stale = await standbyService('stale', replicaOf(secretArn['secret-key-base']));
      const beforeStale = await deployments();
      await expect(redeployHandler([{ ecs, cluster }, standby])(rotationSucceeded(secretArn['secret-key-base']))).rejects.toThrow(`could not redeploy in ${standbyCluster}: ResourceNotFoundException`);
      expect((await deployments()).api).not.toBe(beforeStale.api);
      expect((await standbyEcs.send(new DescribeServicesCommand({ cluster: standbyCluster, services: [stale] }))).services![0].deployments).toHaveLength(1);

      // So does a standby cluster that cannot be read (not deployed yet, its region down).
      const missing = standbyCluster.replace('groundwork-test', 'groundwork-gone');
      await expect(redeployHandler([{ ecs, cluster }, { ...standby, cluster: missing }])(rotationSucceeded(replicated!))).rejects.toThrow(`could not redeploy in ${missing}: ClusterNotFoundException`);
    } finally {
      standbyEcs.destroy();
      standbySecrets.destroy();
    }
  });

  it('finds a service that injects one key of a JSON secret', async () => {
    quietly();
    const before = await deployments();
    await rotate(secretArn.database, {
      generate: () => JSON.stringify({ username: 'groundwork', password: randomUUID() }),
      set: async () => {},
      test: async () => {},
    });
    const result = await redeployHandler([{ ecs, cluster }])((await throughTheRule(rotationSucceeded(secretArn.database)))!);
    expect(result.redeployed).toEqual([serviceArn.api]);
    const after = await deployments();
    expect(Object.keys(after).filter((name) => after[name] !== before[name])).toEqual(['api']);
  });

  it('redeploys nothing for an event that is not a successful rotation', async () => {
    quietly();
    const before = await deployments();
    const result = await redeployHandler([{ ecs, cluster }])(rotationSucceeded(secretArn['cache-token'], 'RotationStarted'));
    expect(result).toEqual({ redeployed: [] });
    expect(await deployments()).toEqual(before);
  });

  it('redeploys nothing when no service uses the secret', async () => {
    quietly();
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `groundwork/test/unused-${randomUUID()}`, SecretString: 'x'.repeat(32) }));
    const before = await deployments();
    expect((await redeployHandler([{ ecs, cluster }])(rotationSucceeded(ARN!))).redeployed).toEqual([]);
    expect(await deployments()).toEqual(before);
  });
});

describe('the rule of the service stack', () => {
  it('lets through only the RotationSucceeded events of the secrets it lists', async () => {
    expect(await throughTheRule(rotationSucceeded(secretArn['cache-token']))).toMatchObject({ detail: { eventName: 'RotationSucceeded', additionalEventData: { SecretId: secretArn['cache-token'] } } });
    expect(await throughTheRule(rotationSucceeded(secretArn['cache-token'], 'RotationStarted'))).toBeUndefined();
    expect(await throughTheRule(rotationSucceeded(secretArn['cache-token'], 'RotationFailed'))).toBeUndefined();
    expect(await throughTheRule(rotationSucceeded(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:someone-else-AbCdEf`))).toBeUndefined();
  });
});

describe('a failed redeployment', () => {
  it('does not stop the others, and fails the invocation naming the service; the retry redeploys only that one', async () => {
    quietly();
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf';
    const deployedAt: Record<string, Date> = { 'svc/a': new Date('2026-01-01T00:00:00Z'), 'svc/b': new Date('2026-01-01T00:00:00Z') };
    const updated: string[] = [];
    let draining = true;
    const fake = {
      send: async (command: { constructor: { name: string }; input: any }) => {
        switch (command.constructor.name) {
          case 'ListServicesCommand':
            return { serviceArns: Object.keys(deployedAt) };
          case 'DescribeServicesCommand':
            return { services: command.input.services.map((s: string) => ({ serviceArn: s, status: 'ACTIVE', taskDefinition: 'td:1', deployments: [{ status: 'PRIMARY', createdAt: deployedAt[s] }] })) };
          case 'DescribeTaskDefinitionCommand':
            return { taskDefinition: { containerDefinitions: [{ secrets: [{ name: 'S', valueFrom: arn }] }] } };
          case 'UpdateServiceCommand':
            if (command.input.service === 'svc/a' && draining) throw Object.assign(new Error('service is draining'), { name: 'ServiceNotActiveException' });
            updated.push(command.input.service);
            deployedAt[command.input.service] = new Date(Date.now() + 5_000);
            return {};
        }
        throw new Error(`unexpected ${command.constructor.name}`);
      },
    } as unknown as ECSClient;
    const event = rotationSucceeded(arn);
    await expect(redeployHandler([{ ecs: fake, cluster: 'cluster' }])(event)).rejects.toThrow('could not redeploy 1 of 2 services using arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf: svc/a: ServiceNotActiveException');
    expect(updated).toEqual(['svc/b']);
    draining = false;
    expect(await redeployHandler([{ ecs: fake, cluster: 'cluster' }])(event)).toEqual({ secretArn: arn, redeployed: ['svc/a'], alreadyFresh: ['svc/b'] });
    expect(updated).toEqual(['svc/b', 'svc/a']);
  });

  it('refuses to run without a cluster', async () => {
    await expect(redeployHandler([{ ecs, cluster: '' }])(rotationSucceeded(secretArn.database))).rejects.toThrow('CLUSTER_ARN is not set');
  });
});

describe('a secret reference', () => {
  const arn = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:groundwork/dev/db-AbCdEf';
  it.each([
    [arn, true],
    [`${arn}:password::`, true],
    [`${arn}:password:AWSCURRENT:`, true],
    [`${arn}x`, false],
    ['arn:aws:secretsmanager:eu-west-1:111111111111:secret:groundwork/dev/db-AbCdEg', false],
    ['arn:aws:ssm:eu-west-1:111111111111:parameter/db', false],
  ])('%s names the secret: %s', (valueFrom, expected) => {
    expect(referencesSecret(valueFrom, arn)).toBe(expected);
  });
});
