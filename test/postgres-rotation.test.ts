import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresServerLogin, postgresMasterPasswordStrategy } from '../lambda/postgres-master-password-rotation';
import { rotationHandler, type RotationStep } from '../lambda/rotation-protocol';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';
import { startPostgres, type RunningPostgres } from './support/postgres-server';

// The rotation of a master password Groundwork keeps itself (a global database's, a cross-region replica's):
// the function's handler, step by step, against Secrets Manager in moto and a real PostgreSQL server on
// loopback, which checks every password the way RDS's PostgreSQL does (SCRAM).
const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

let moto: RunningEmulator;
let postgres: RunningPostgres;
let secrets: SecretsManagerClient;
let login: PostgresServerLogin;

beforeAll(async () => {
  [moto, postgres] = await Promise.all([startMoto(), startPostgres()]);
  const credentials = emulatorCredentials('123456789012');
  secrets = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: credentials.AWS_ACCESS_KEY_ID!, secretAccessKey: credentials.AWS_SECRET_ACCESS_KEY! },
  });
  login = new PostgresServerLogin(async () => ({ host: '127.0.0.1', port: postgres.port }), { tls: false });
}, 60_000);

afterAll(async () => {
  secrets?.destroy();
  await Promise.all([moto?.stop(), postgres?.stop()]);
});

beforeEach(() => jest.spyOn(console, 'log').mockImplementation(() => {}));
afterEach(() => jest.restoreAllMocks());

/** Runs SQL as the server's superuser. */
async function asSuperuser(sql: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port: postgres.port, user: postgres.superuser.username, password: postgres.superuser.password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A login role with a password, and its secret with rotation on, as the secrets stack and RDS leave them. */
async function masterUser(username: string): Promise<{ arn: string; first: Record<string, unknown> }> {
  const first = { username, password: `first-${randomUUID()}`, engine: 'postgres', port: postgres.port };
  const quoted = `"${username.replace(/"/g, '""')}"`;
  await asSuperuser(`CREATE ROLE ${quoted} LOGIN PASSWORD '${first.password}'`);
  const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `test/${randomUUID()}`, SecretString: JSON.stringify(first) }));
  await secrets.send(new RotateSecretCommand({ SecretId: ARN, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  return { arn: ARN!, first };
}

const valueOf = async (arn: string, stage = 'AWSCURRENT') => JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }))).SecretString!);
const currentVersion = async (arn: string) =>
  Object.entries((await secrets.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];

async function rotate(arn: string, token = randomUUID(), steps: RotationStep[] = STEPS): Promise<string> {
  const handler = rotationHandler(postgresMasterPasswordStrategy(login), secrets);
  for (const step of steps) await handler({ Step: step, SecretId: arn, ClientRequestToken: token });
  return token;
}

describe('checking a login against PostgreSQL', () => {
  it('says yes to the right password and no to a wrong one', async () => {
    const { first } = await masterUser(`check_${process.pid}`);
    await expect(login.accepts(first as any)).resolves.toBe(true);
    await expect(login.accepts({ ...(first as any), password: 'not-the-password' })).resolves.toBe(false);
  });

  it('throws, rather than answering no, when the database cannot be reached', async () => {
    const closed = new PostgresServerLogin(async () => ({ host: '127.0.0.1', port: 1 }), { tls: false });
    await expect(closed.accepts({ username: 'x', password: 'y' })).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('master password rotation', () => {
  it('sets a new 40-character password in the database, keeps the other fields, and the old password stops working', async () => {
    const { arn, first } = await masterUser('groundwork_master');
    const token = await rotate(arn);
    expect(await currentVersion(arn)).toBe(token);
    const now = await valueOf(arn);
    expect(now).toEqual({ ...first, password: expect.stringMatching(/^[A-Za-z0-9_-]{40}$/) });
    expect(now.password).not.toBe(first.password);
    await expect(login.accepts(now)).resolves.toBe(true);
    await expect(login.accepts(first as any)).resolves.toBe(false);
    expect(await valueOf(arn, 'AWSPREVIOUS')).toEqual(first);
  });

  it('quotes the user name: a name with a quote and a capital letter is the one whose password changes', async () => {
    const { arn } = await masterUser('Odd"Master');
    await rotate(arn);
    await expect(login.accepts(await valueOf(arn))).resolves.toBe(true);
  });

  it('can repeat setSecret, and rotates again from the value the last rotation made', async () => {
    const { arn } = await masterUser('groundwork_again');
    const token = randomUUID();
    await rotate(arn, token, ['createSecret', 'setSecret', 'setSecret', 'testSecret', 'finishSecret']);
    const second = await valueOf(arn);
    await rotate(arn);
    const third = await valueOf(arn);
    expect(third.password).not.toBe(second.password);
    await expect(login.accepts(third)).resolves.toBe(true);
    await expect(login.accepts(second)).resolves.toBe(false);
  });

  it('stops before AWSCURRENT moves when the database takes neither the current nor the previous password', async () => {
    const { arn, first } = await masterUser('groundwork_changed_by_hand');
    const before = await currentVersion(arn);
    await asSuperuser(`ALTER ROLE groundwork_changed_by_hand PASSWORD 'set-by-hand'`);
    await expect(rotate(arn)).rejects.toThrow('the database refuses both the current and the previous master password');
    expect(await currentVersion(arn)).toBe(before);
    expect(await valueOf(arn)).toEqual(first);
  });

  it('never sends the password\'s text: the server, logging every statement, logged ALTER USER with a SCRAM verifier', async () => {
    const { arn } = await masterUser('groundwork_unlogged');
    const before = postgres.log().length;
    await rotate(arn);
    const { password } = await valueOf(arn);
    const logged = postgres.log().slice(before);
    expect(logged).toMatch(/ALTER USER "groundwork_unlogged" WITH PASSWORD 'SCRAM-SHA-256\$4096:/);
    expect(logged.includes(password)).toBe(false);
  });

  it('logs steps and version ids, never a password', async () => {
    const lines: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const { arn, first } = await masterUser('groundwork_quiet');
    await rotate(arn);
    const now = await valueOf(arn);
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toContain(now.password);
      expect(line).not.toContain(first.password as string);
    }
  });
});
