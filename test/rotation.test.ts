import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { rotationHandler, type RotationStep, type RotationStrategy } from '../lambda/rotation-protocol';
import { secretKeyBaseStrategy } from '../lambda/secret-key-base-rotation';
import { valkeyAuthTokenStrategy, type ValkeyAuth } from '../lambda/valkey-auth-token-rotation';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';

// The rotation functions' handlers, step by step, against Secrets Manager in moto on loopback: the
// same SDK calls they make in Lambda. The Valkey side is a model of ElastiCache's AUTH token rules
// (moto has no ModifyReplicationGroup); ElastiCacheValkeyAuth itself is tested in valkey-auth.test.ts.
const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

let moto: RunningEmulator;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  moto = await startMoto();
  const credentials = emulatorCredentials('123456789012');
  secrets = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: credentials.AWS_ACCESS_KEY_ID!, secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY! },
  });
}, 60_000);

afterAll(async () => {
  secrets?.destroy();
  await moto?.stop();
});

/** A secret with a first value and rotation turned on, as the secrets stack leaves it. */
async function rotatingSecret(initial: string): Promise<string> {
  const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `test/${randomUUID()}`, SecretString: initial }));
  // Turns rotation on without a function (moto then re-labels a copy of the current value AWSCURRENT).
  await secrets.send(new RotateSecretCommand({ SecretId: ARN, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  return ARN!;
}

const stagesOf = async (arn: string) => (await secrets.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {};
const versionWith = async (arn: string, stage: string) => Object.entries(await stagesOf(arn)).filter(([, s]) => s.includes(stage)).map(([id]) => id);
const valueOf = async (arn: string, stage = 'AWSCURRENT') => (await secrets.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }))).SecretString!;

/** Runs the given steps of one rotation with one token, as Secrets Manager does. */
async function run(strategy: RotationStrategy, arn: string, token: string, steps: RotationStep[] = STEPS, after?: (step: RotationStep) => Promise<void>) {
  const handler = rotationHandler(strategy, secrets);
  for (const step of steps) {
    await handler({ Step: step, SecretId: arn, ClientRequestToken: token });
    await after?.(step);
  }
}

describe('the rotation protocol', () => {
  const quiet = () => jest.spyOn(console, 'log').mockImplementation(() => {});
  afterEach(() => jest.restoreAllMocks());

  it('moves AWSCURRENT to the new version and AWSPREVIOUS to the old one, as AWS documents', async () => {
    quiet();
    const arn = await rotatingSecret('a'.repeat(128));
    const [before] = await versionWith(arn, 'AWSCURRENT');
    const token = randomUUID();
    await run(secretKeyBaseStrategy, arn, token, ['createSecret']);
    expect((await stagesOf(arn))[token]).toEqual(['AWSPENDING']);
    expect(await versionWith(arn, 'AWSCURRENT')).toEqual([before]);
    await run(secretKeyBaseStrategy, arn, token, ['setSecret', 'testSecret', 'finishSecret']);
    expect(await versionWith(arn, 'AWSCURRENT')).toEqual([token]);
    expect(await versionWith(arn, 'AWSPREVIOUS')).toEqual([before]);
  });

  it('leaves AWSCURRENT untouched when testSecret fails', async () => {
    quiet();
    const initial = 'b'.repeat(128);
    const arn = await rotatingSecret(initial);
    const [before] = await versionWith(arn, 'AWSCURRENT');
    const token = randomUUID();
    // A pending value that is not a usable key: createSecret keeps it, testSecret must refuse it.
    await secrets.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: 'too-short', VersionStages: ['AWSPENDING'] }));
    await run(secretKeyBaseStrategy, arn, token, ['createSecret', 'setSecret']);
    await expect(run(secretKeyBaseStrategy, arn, token, ['testSecret'])).rejects.toThrow('the new SECRET_KEY_BASE is not at least 128 letters and digits');
    expect(await versionWith(arn, 'AWSCURRENT')).toEqual([before]);
    expect(await valueOf(arn)).toBe(initial);
  });

  it('can repeat every step: a retried createSecret keeps the first new value, a retried finishSecret does nothing', async () => {
    quiet();
    const arn = await rotatingSecret('c'.repeat(128));
    const token = randomUUID();
    await run(secretKeyBaseStrategy, arn, token, ['createSecret']);
    const pending = await valueOf(arn, 'AWSPENDING');
    await run(secretKeyBaseStrategy, arn, token, ['createSecret', 'setSecret', 'setSecret', 'testSecret', 'finishSecret', 'finishSecret']);
    expect(await valueOf(arn)).toBe(pending);
    expect(await versionWith(arn, 'AWSCURRENT')).toEqual([token]);
  });

  it('refuses a secret without rotation, and a version that is not pending', async () => {
    quiet();
    const { ARN: plain } = await secrets.send(new CreateSecretCommand({ Name: `test/${randomUUID()}`, SecretString: 'x'.repeat(128) }));
    await expect(run(secretKeyBaseStrategy, plain!, randomUUID(), ['createSecret'])).rejects.toThrow('does not have rotation enabled');
    const arn = await rotatingSecret('d'.repeat(128));
    const [previous] = await versionWith(arn, 'AWSPREVIOUS');
    await expect(run(secretKeyBaseStrategy, arn, previous, ['setSecret'])).rejects.toThrow(`version ${previous} is not AWSPENDING`);
  });

  it('refuses to start a second rotation while one is under way', async () => {
    quiet();
    const arn = await rotatingSecret('g'.repeat(128));
    const first = randomUUID();
    await run(secretKeyBaseStrategy, arn, first, ['createSecret']);
    await expect(run(secretKeyBaseStrategy, arn, randomUUID(), ['createSecret'])).rejects.toThrow('has another rotation under way');
    expect((await stagesOf(arn))[first]).toEqual(['AWSPENDING']);
  });

  it('logs steps and version ids, never a value', async () => {
    const lines: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const arn = await rotatingSecret('e'.repeat(128));
    await run(secretKeyBaseStrategy, arn, randomUUID());
    const value = await valueOf(arn);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toContain(value);
    for (const line of lines) expect(line).not.toContain('e'.repeat(16));
  });
});

describe('SECRET_KEY_BASE rotation', () => {
  beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => {}));
  afterEach(() => jest.restoreAllMocks());

  it('replaces the key with 64 fresh random bytes (128 hex digits), different every time', async () => {
    const arn = await rotatingSecret('f'.repeat(128));
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await run(secretKeyBaseStrategy, arn, randomUUID());
      const key = await valueOf(arn);
      expect(key).toMatch(/^[0-9a-f]{128}$/);
      seen.add(key);
    }
    expect(seen.size).toBe(3);
  });
});

/**
 * ElastiCache's rules for AUTH tokens, as documented for ModifyReplicationGroup: ROTATE adds a token
 * (at most two are valid); SET keeps only the given token, and only one that a ROTATE added.
 */
class ElastiCacheTokenModel implements ValkeyAuth {
  readonly valid: Set<string>;
  private readonly rotatedIn = new Set<string>();
  readonly calls: string[] = [];
  constructor(initial: string, private readonly applies = true) {
    this.valid = new Set([initial]);
  }
  async accepts(token: string) {
    return this.valid.has(token);
  }
  async addToken(token: string) {
    this.calls.push('ROTATE');
    if (this.valid.size >= 2) throw new Error('InvalidParameterCombination: the group already has two AUTH tokens');
    if (!this.applies) return;
    this.valid.add(token);
    this.rotatedIn.add(token);
  }
  async keepOnlyToken(token: string) {
    this.calls.push('SET');
    if (!this.rotatedIn.has(token)) throw new Error('InvalidParameterCombination: SET is allowed only after ROTATE');
    this.valid.clear();
    this.valid.add(token);
  }
}

describe('Valkey AUTH token rotation', () => {
  beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => {}));
  afterEach(() => jest.restoreAllMocks());

  it('keeps the token clients hold valid through every step of two rotations, and never more than two tokens', async () => {
    const initial = 'Initial0Token0'.repeat(4);
    const arn = await rotatingSecret(initial);
    const cache = new ElastiCacheTokenModel(initial);
    const clientsKeepAccess = async () => {
      expect(await cache.accepts(await valueOf(arn))).toBe(true);
      expect(cache.valid.size).toBeLessThanOrEqual(2);
    };

    const first = randomUUID();
    await run(valkeyAuthTokenStrategy(cache), arn, first, STEPS, clientsKeepAccess);
    const firstToken = await valueOf(arn);
    expect(firstToken).toMatch(/^[0-9a-f]{64}$/);
    expect(cache.valid).toEqual(new Set([initial, firstToken]));
    expect(cache.calls).toEqual(['ROTATE']);

    await run(valkeyAuthTokenStrategy(cache), arn, randomUUID(), STEPS, clientsKeepAccess);
    const secondToken = await valueOf(arn);
    // The token the first rotation replaced is retired; the one it made stays valid for clients not yet redeployed.
    expect(cache.valid).toEqual(new Set([firstToken, secondToken]));
    expect(cache.calls).toEqual(['ROTATE', 'SET', 'ROTATE']);
    expect(await valueOf(arn, 'AWSPREVIOUS')).toBe(firstToken);
  });

  it('does not change the cache twice when setSecret is retried', async () => {
    const initial = 'Retry0Token0Abc'.repeat(4);
    const arn = await rotatingSecret(initial);
    const cache = new ElastiCacheTokenModel(initial);
    await run(valkeyAuthTokenStrategy(cache), arn, randomUUID(), ['createSecret', 'setSecret', 'setSecret', 'testSecret', 'finishSecret']);
    expect(cache.calls).toEqual(['ROTATE']);
  });

  it('stops at testSecret, with AWSCURRENT untouched, when the cache does not take the new token', async () => {
    const initial = 'Refused0Token0A'.repeat(4);
    const arn = await rotatingSecret(initial);
    const [before] = await versionWith(arn, 'AWSCURRENT');
    const cache = new ElastiCacheTokenModel(initial, false);
    const token = randomUUID();
    await run(valkeyAuthTokenStrategy(cache), arn, token, ['createSecret', 'setSecret']);
    await expect(run(valkeyAuthTokenStrategy(cache), arn, token, ['testSecret'])).rejects.toThrow('the cache refuses the new auth token');
    expect(await versionWith(arn, 'AWSCURRENT')).toEqual([before]);
    expect(await valueOf(arn)).toBe(initial);
    expect(await cache.accepts(initial)).toBe(true);
  });
});
