import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { unzipSync } from 'fflate';
import * as fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import { bundleLambda } from '../lib/lambda-bundle';
import {
  BoltNeo4jLogin,
  CHANGE_OWN_PASSWORD,
  handler,
  neo4jPasswordStrategy,
  type Neo4jCredentials,
  type Neo4jLogin,
} from '../lambda/neo4j-password-rotation';
import { rotationHandler, type RotationStep } from '../lambda/rotation-protocol';
import { emulatorCredentials, startMoto, type RunningEmulator } from '../operations/moto';

// The Neo4j password rotation: the function's handler, step by step, against Secrets Manager in moto on
// loopback, the same SDK calls it makes in Lambda. No Neo4j server can be had on this machine (Neo4j is in
// neither npm nor Debian), so the Neo4j side is a stand-in: Neo4jServerStandIn below keeps users and
// passwords by Neo4j's documented rules, and answers either through the strategy's Neo4jLogin interface or,
// for BoltNeo4jLogin and the exported handler, over a minimal Bolt 5.4 server that the official driver talks to.
// Only Neo4j is stood in for; every AWS call goes to moto.
const STEPS: RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

let moto: RunningEmulator;
let secrets: SecretsManagerClient;
const awsEnvironment: Record<string, string> = { ...(emulatorCredentials('123456789012') as Record<string, string>), AWS_REGION: 'us-east-1' };

beforeAll(async () => {
  moto = await startMoto();
  secrets = new SecretsManagerClient({
    endpoint: moto.endpoint,
    region: awsEnvironment.AWS_REGION,
    credentials: { accessKeyId: awsEnvironment.AWS_ACCESS_KEY_ID, secretAccessKey: awsEnvironment.AWS_SECRET_ACCESS_KEY },
  });
}, 60_000);

afterAll(async () => {
  secrets?.destroy();
  await moto?.stop();
});

// ---------------------------------------------------------------------------------------------------------
// The stand-in for the Neo4j server (and only for it).

/** An error as Neo4j reports it: a status code and a message. */
class Neo4jStatus extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Every stand-in made, so the last check can search logs and errors for every password any of them saw. */
const standIns: Neo4jServerStandIn[] = [];

/**
 * A stand-in for a Neo4j server's native users, by the rules of Neo4j 5 and 2025.x: one password per user;
 * ALTER CURRENT USER SET PASSWORD needs the user's current password as `FROM`, refuses the same password and
 * one shorter than 8 characters (dbms.security.auth_minimum_password_length); three failed logins in a row
 * lock the user out for 5 seconds (dbms.security.auth_max_failed_attempts, auth_lock_time), the right
 * password included.
 */
class Neo4jServerStandIn {
  private readonly users = new Map<string, { password: string; failures: number; lockedUntil: number }>();
  /** Every password this server has held or been offered, to look for in logs and errors. */
  readonly passwordsSeen = new Set<string>();
  /** Logins refused for a wrong password. */
  failedLogins = 0;
  /** Password changes made. */
  changes = 0;

  constructor(
    users: Record<string, string>,
    /** When false, ALTER CURRENT USER answers success and changes nothing (a server that drops the change). */
    private readonly appliesChanges = true,
  ) {
    standIns.push(this);
    for (const [name, password] of Object.entries(users)) this.setByAdministrator(name, password);
  }

  /** Whether `password` logs `username` in. Throws AuthenticationRateLimit while the user is locked out. */
  login(username: string, password: string): boolean {
    this.passwordsSeen.add(password);
    const user = this.users.get(username);
    if (user && user.lockedUntil > Date.now()) {
      throw new Neo4jStatus('Neo.ClientError.Security.AuthenticationRateLimit', 'The client has provided incorrect authentication details too many times in a row.');
    }
    if (user?.password === password) {
      user.failures = 0;
      return true;
    }
    this.failedLogins++;
    if (user && ++user.failures >= 3) user.lockedUntil = Date.now() + 5_000;
    return false;
  }

  alterCurrentUser(username: string, from: string, to: string): void {
    this.passwordsSeen.add(from).add(to);
    const user = this.users.get(username)!;
    if (user.password !== from) throw new Neo4jStatus('Neo.ClientError.General.InvalidArguments', `User '${username}' failed to alter their own password: Invalid principal or credentials.`);
    if (from === to) throw new Neo4jStatus('Neo.ClientError.General.InvalidArguments', `User '${username}' failed to alter their own password: Old password and new password cannot be the same.`);
    if (to.length < 8) throw new Neo4jStatus('Neo.ClientError.General.InvalidArguments', 'A password must be at least 8 characters.');
    this.changes++;
    if (this.appliesChanges) user.password = to;
  }

  /** ALTER USER by an administrator, or a restore from a backup: sets the password without the old one. */
  setByAdministrator(username: string, password: string): void {
    this.passwordsSeen.add(password);
    this.users.set(username, { password, failures: 0, lockedUntil: 0 });
  }
}

/** The strategy's access to the stand-in, through the interface BoltNeo4jLogin implements over Bolt. */
function standInLogin(server: Neo4jServerStandIn): Neo4jLogin {
  return {
    accepts: async ({ username, password }) => server.login(username, password),
    changeOwnPassword: async (as, password) => {
      if (!server.login(as.username, as.password)) throw new Neo4jStatus('Neo.ClientError.Security.Unauthorized', 'The client is unauthorized due to authentication failure.');
      server.alterCurrentUser(as.username, as.password, password);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Secrets Manager in moto.

/** A secret with a first value and rotation turned on, as a stack would leave it. */
async function rotatingSecret(initial: Record<string, unknown>): Promise<string> {
  const { ARN } = await secrets.send(new CreateSecretCommand({ Name: `test/${randomUUID()}`, SecretString: JSON.stringify(initial) }));
  // Turns rotation on without a function (moto then re-labels a copy of the current value AWSCURRENT).
  await secrets.send(new RotateSecretCommand({ SecretId: ARN, RotationRules: { AutomaticallyAfterDays: 30 }, RotateImmediately: false }));
  return ARN!;
}

const valueOf = async (arn: string, stage = 'AWSCURRENT') => JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }))).SecretString!);
const currentVersion = async (arn: string) =>
  Object.entries((await secrets.send(new DescribeSecretCommand({ SecretId: arn }))).VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];

/** Runs the given steps of one rotation with one token, as Secrets Manager does. */
async function rotate(login: Neo4jLogin, arn: string, token = randomUUID(), steps: RotationStep[] = STEPS): Promise<string> {
  const rotation = rotationHandler(neo4jPasswordStrategy(login), secrets);
  for (const step of steps) await rotation({ Step: step, SecretId: arn, ClientRequestToken: token });
  return token;
}

/** A user `neo4j` with a first password, and its secret with other fields beside the credentials. */
async function neo4jUser(options: { appliesChanges?: boolean } = {}) {
  const first = { username: 'neo4j', password: `first-${randomUUID()}`, uri: 'neo4j://10.0.3.10:7687', note: { owner: 'graph team' } };
  const server = new Neo4jServerStandIn({ neo4j: first.password, reader: 'reader-password' }, options.appliesChanges);
  return { first, server, login: standInLogin(server), arn: await rotatingSecret(first) };
}

/** Everything the code under test writes to the console, and every error it throws, to search for passwords. */
const written: string[] = [];
const thrown: string[] = [];
async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!error) throw new Error('expected a failure');
  thrown.push(`${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}`);
  return error;
}
beforeEach(() => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => void written.push(args.map(String).join(' ')));
  }
});
afterEach(() => jest.restoreAllMocks());

const PASSWORD = /^[A-Za-z0-9_-]{40}$/;

describe('Neo4j password rotation, against Secrets Manager in moto and the Neo4j stand-in', () => {
  it('sets a new 40-character password, keeps the other fields, and the old password stops working', async () => {
    const { first, server, login, arn } = await neo4jUser();
    const token = await rotate(login, arn);
    expect(await currentVersion(arn)).toBe(token);
    const now = await valueOf(arn);
    expect(now).toEqual({ ...first, password: expect.stringMatching(PASSWORD) });
    expect(now.password).not.toBe(first.password);
    expect(server.login('neo4j', now.password)).toBe(true);
    expect(server.login('neo4j', first.password)).toBe(false);
    expect(server.login('reader', 'reader-password')).toBe(true); // no other user touched
    expect(await valueOf(arn, 'AWSPREVIOUS')).toEqual(first);
    expect(server.changes).toBe(1);
  });

  it('makes no failed login on the usual path, so it never counts towards Neo4j\'s lock-out', async () => {
    const { server, login, arn } = await neo4jUser();
    await rotate(login, arn);
    await rotate(login, arn);
    expect(server.failedLogins).toBe(0);
  });

  it('makes a different password every rotation', async () => {
    const { login, arn } = await neo4jUser();
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      await rotate(login, arn);
      seen.add((await valueOf(arn)).password);
    }
    expect(seen.size).toBe(3);
    for (const password of seen) expect(password).toMatch(PASSWORD);
  });

  it('can repeat every step: one password change, the first new value kept, AWSCURRENT moved once', async () => {
    const { server, login, arn } = await neo4jUser();
    const token = randomUUID();
    await rotate(login, arn, token, ['createSecret']);
    const pending = await valueOf(arn, 'AWSPENDING');
    await rotate(login, arn, token, ['createSecret', 'setSecret', 'setSecret', 'testSecret', 'testSecret', 'finishSecret', 'finishSecret']);
    expect(await valueOf(arn)).toEqual(pending);
    expect(await currentVersion(arn)).toBe(token);
    expect(server.changes).toBe(1);
    expect(server.login('neo4j', pending.password)).toBe(true);
    // The retried setSecret found the current password refused and the new one taken: one failed login.
    expect(server.failedLogins).toBe(1);
  });

  it('sets the new password from the previous one when the server has that (restored from an older backup)', async () => {
    const { first, server, login, arn } = await neo4jUser();
    await rotate(login, arn);
    server.setByAdministrator('neo4j', first.password); // the server is restored to before the last rotation
    await rotate(login, arn);
    // Current and new refused, previous taken: two failed logins, under the three that lock the user out.
    expect(server.failedLogins).toBe(2);
    const now = await valueOf(arn);
    expect(server.login('neo4j', now.password)).toBe(true);
    expect(server.login('neo4j', first.password)).toBe(false);
  });

  it('stops at testSecret, with AWSCURRENT where it was, when the server does not take the new password', async () => {
    const { first, server, login, arn } = await neo4jUser({ appliesChanges: false });
    const before = await currentVersion(arn);
    const token = randomUUID();
    await rotate(login, arn, token, ['createSecret', 'setSecret']);
    for (let attempt = 0; attempt < 2; attempt++) {
      expect((await failure(rotate(login, arn, token, ['testSecret']))).message).toBe('Neo4j refuses the new password');
    }
    expect(await currentVersion(arn)).toBe(before);
    expect(await valueOf(arn)).toEqual(first);
    expect(server.login('neo4j', first.password)).toBe(true); // clients holding the current password still get in
  });

  it('stops at setSecret, with AWSCURRENT where it was, when the server takes neither the current nor the previous password', async () => {
    const { first, server, login, arn } = await neo4jUser();
    const before = await currentVersion(arn);
    server.setByAdministrator('neo4j', 'changed-by-hand');
    expect((await failure(rotate(login, arn))).message).toBe('Neo4j refuses both the current and the previous password, so the new one cannot be set');
    expect(await currentVersion(arn)).toBe(before);
    expect(await valueOf(arn)).toEqual(first);
    expect(server.changes).toBe(0);
  });

  it('refuses a new value that names another user', async () => {
    const { server, login, arn } = await neo4jUser();
    const token = randomUUID();
    await secrets.send(
      new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: JSON.stringify({ username: 'reader', password: 'x'.repeat(40) }), VersionStages: ['AWSPENDING'] }),
    );
    expect((await failure(rotate(login, arn, token, ['setSecret']))).message).toBe('the new value names another user than the current one');
    expect(server.changes).toBe(0);
  });

  it('refuses a value that is not JSON credentials, without quoting it', async () => {
    const server = new Neo4jServerStandIn({ neo4j: 'not-json-password' });
    const arn = await rotatingSecret({ user: 'neo4j' });
    const error = await failure(rotate(standInLogin(server), arn, randomUUID(), ['createSecret']));
    expect(error.message).toBe('the secret is not a JSON object of username and password');
  });
});

// ---------------------------------------------------------------------------------------------------------
// A minimal Bolt server over the stand-in, for the official driver: the handshake, PackStream, chunking, and
// the messages a session sends (HELLO, LOGON, ROUTE, RUN, PULL, DISCARD, RESET, GOODBYE).

type PackValue = null | boolean | number | string | PackValue[] | { [key: string]: PackValue } | { tag: number; fields: PackValue[] };

function unpack(buffer: Buffer): PackValue {
  let at = 0;
  const size = (marker: number, tiny: number, u8: number): number => {
    if ((marker & 0xf0) === tiny) return marker & 0x0f;
    const width = marker - u8; // 0: u8, 1: u16, 2: u32
    const n = width === 0 ? buffer.readUInt8(at) : width === 1 ? buffer.readUInt16BE(at) : buffer.readUInt32BE(at);
    at += [1, 2, 4][width];
    return n;
  };
  const value = (): PackValue => {
    const marker = buffer[at++];
    if (marker < 0x80) return marker;
    if (marker >= 0xf0) return marker - 0x100;
    switch (marker) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc1: return (at += 8), buffer.readDoubleBE(at - 8);
      case 0xc8: return (at += 1), buffer.readInt8(at - 1);
      case 0xc9: return (at += 2), buffer.readInt16BE(at - 2);
      case 0xca: return (at += 4), buffer.readInt32BE(at - 4);
      case 0xcb: return (at += 8), Number(buffer.readBigInt64BE(at - 8));
    }
    if ((marker & 0xf0) === 0x80 || (marker >= 0xd0 && marker <= 0xd2)) {
      const n = size(marker, 0x80, 0xd0);
      return (at += n), buffer.toString('utf8', at - n, at);
    }
    if ((marker & 0xf0) === 0x90 || (marker >= 0xd4 && marker <= 0xd6)) return Array.from({ length: size(marker, 0x90, 0xd4) }, value);
    if ((marker & 0xf0) === 0xa0 || (marker >= 0xd8 && marker <= 0xda)) {
      const n = size(marker, 0xa0, 0xd8);
      const map: Record<string, PackValue> = {};
      for (let i = 0; i < n; i++) map[value() as string] = value();
      return map;
    }
    if ((marker & 0xf0) === 0xb0) {
      const tag = buffer[at++];
      return { tag, fields: Array.from({ length: marker & 0x0f }, value) };
    }
    throw new Error(`PackStream marker 0x${marker.toString(16)} is not handled by this test server`);
  };
  return value();
}

function pack(value: PackValue): Buffer {
  const header = (tiny: number, big: number, n: number) =>
    n < 16 ? Buffer.from([tiny | n]) : n < 0x100 ? Buffer.from([big, n]) : Buffer.from([big + 1, n >> 8, n & 0xff]);
  if (value === null) return Buffer.from([0xc0]);
  if (typeof value === 'boolean') return Buffer.from([value ? 0xc3 : 0xc2]);
  if (typeof value === 'number') {
    if (value >= -16 && value < 128) return Buffer.from([value & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = 0xca;
    b.writeInt32BE(value, 1);
    return b;
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([header(0x80, 0xd0, bytes.length), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([header(0x90, 0xd4, value.length), ...value.map(pack)]);
  const entries = Object.entries(value);
  return Buffer.concat([header(0xa0, 0xd8, entries.length), ...entries.flatMap(([k, v]) => [pack(k), pack(v)])]);
}

const message = (tag: number, ...fields: PackValue[]) => {
  const body = Buffer.concat([Buffer.from([0xb0 | fields.length, tag]), ...fields.map(pack)]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  return Buffer.concat([length, body, Buffer.from([0, 0])]);
};
const SUCCESS = 0x70, RECORD = 0x71, IGNORED = 0x7e, FAILURE = 0x7f;

/** A RUN the server received, as it arrived. */
interface ReceivedRun {
  readonly user: string | undefined;
  readonly query: string;
  readonly parameters: Record<string, PackValue>;
  readonly extra: Record<string, PackValue>;
}

async function boltStandIn(server: Neo4jServerStandIn, options: { echoParametersInErrors?: boolean } = {}) {
  const runs: ReceivedRun[] = [];
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    let shookHands = false;
    let chunks: Buffer[] = [];
    let user: string | undefined;
    let failed = false;
    let result: { records: PackValue[][]; db: string } | undefined;
    const fail = (code: string, text: string) => {
      failed = true;
      socket.write(message(FAILURE, { code, message: text }));
    };
    const handle = (request: { tag: number; fields: PackValue[] }) => {
      const [first, second, third] = request.fields;
      if (request.tag === 0x02) return void socket.end(); // GOODBYE
      if (request.tag === 0x0f) return (failed = false), void socket.write(message(SUCCESS, {})); // RESET
      if (failed) return void socket.write(message(IGNORED));
      switch (request.tag) {
        case 0x01: // HELLO
          return void socket.write(message(SUCCESS, { server: 'Neo4j/5.26.0', connection_id: 'bolt-stand-in', hints: {} }));
        case 0x6a: { // LOGON
          const { principal, credentials } = first as Record<string, string>;
          try {
            if (server.login(principal, credentials)) return (user = principal), void socket.write(message(SUCCESS, {}));
            socket.write(message(FAILURE, { code: 'Neo.ClientError.Security.Unauthorized', message: 'The client is unauthorized due to authentication failure.' }));
          } catch (error) {
            socket.write(message(FAILURE, { code: (error as Neo4jStatus).code, message: (error as Error).message }));
          }
          return void socket.end(); // Neo4j closes the connection after a refused login
        }
        case 0x6b: // LOGOFF
          return (user = undefined), void socket.write(message(SUCCESS, {}));
        case 0x66: { // ROUTE [context, bookmarks, { db }]
          const address = `127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
          const db = ((third as Record<string, PackValue>).db as string | undefined) ?? 'neo4j';
          const servers = ['WRITE', 'READ', 'ROUTE'].map((role) => ({ addresses: [address], role }));
          return void socket.write(message(SUCCESS, { rt: { ttl: 300, db, servers } }));
        }
        case 0x10: { // RUN [query, parameters, extra]
          const run = { user, query: first as string, parameters: second as Record<string, PackValue>, extra: third as Record<string, PackValue> };
          runs.push(run);
          const db = (run.extra.db as string | undefined) ?? 'neo4j';
          if (run.query === 'RETURN 1') {
            result = { records: [[1]], db };
            return void socket.write(message(SUCCESS, { fields: ['1'], t_first: 0 }));
          }
          const alter = /^ALTER CURRENT USER SET PASSWORD FROM \$(\w+) TO \$(\w+)$/.exec(run.query);
          if (!alter) return fail('Neo.ClientError.Statement.SyntaxError', 'Invalid input (this stand-in knows RETURN 1 and a parameterised ALTER CURRENT USER only)');
          if (db !== 'system') return fail('Neo.ClientError.Statement.UnsupportedAdministrationCommand', 'This is an administration command and it should be executed against the system database.');
          if (run.extra.mode === 'r') return fail('Neo.ClientError.Statement.AccessMode', 'Writing in read access mode not allowed.');
          const [from, to] = [run.parameters[alter[1]], run.parameters[alter[2]]];
          if (typeof from !== 'string' || typeof to !== 'string') return fail('Neo.ClientError.Statement.ParameterMissing', 'Expected parameters for the passwords.');
          try {
            server.alterCurrentUser(user!, from, to);
          } catch (error) {
            const echoed = options.echoParametersInErrors ? ` (parameters: ${from}, ${to})` : '';
            return fail((error as Neo4jStatus).code, `${(error as Error).message}${echoed}`);
          }
          result = { records: [], db: 'system' };
          return void socket.write(message(SUCCESS, { fields: [], t_first: 0 }));
        }
        case 0x3f: // PULL
        case 0x2f: { // DISCARD
          const records = request.tag === 0x3f ? (result?.records ?? []) : [];
          for (const record of records) socket.write(message(RECORD, record));
          const db = result?.db ?? 'neo4j';
          result = undefined;
          return void socket.write(message(SUCCESS, { type: db === 'system' ? 's' : 'r', t_last: 0, db }));
        }
        default: // BEGIN, COMMIT, ROLLBACK, TELEMETRY: not used by the code under test, but harmless
          return void socket.write(message(SUCCESS, {}));
      }
    };
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      if (!shookHands) {
        if (buffered.length < 20) return;
        expect(buffered.readUInt32BE(0)).toBe(0x6060b017);
        buffered = buffered.subarray(20);
        shookHands = true;
        socket.write(Buffer.from([0, 0, 4, 5])); // Bolt 5.4, within the 5.0-5.8 range every current driver offers
      }
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) return;
        const chunk = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        if (length > 0) chunks.push(chunk);
        else if (chunks.length > 0) {
          const body = Buffer.concat(chunks);
          chunks = [];
          handle(unpack(body) as { tag: number; fields: PackValue[] });
        }
      }
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  return {
    uri: `neo4j://127.0.0.1:${port}`,
    runs,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

describe('BoltNeo4jLogin, the official driver against a Bolt stand-in for Neo4j', () => {
  const credentials = (password: string): Neo4jCredentials => ({ username: 'neo4j', password });

  it('says yes to the right password and no to a wrong one, running RETURN 1 as that user', async () => {
    const server = new Neo4jServerStandIn({ neo4j: 'right-password-1' });
    const bolt = await boltStandIn(server);
    try {
      const login = new BoltNeo4jLogin(bolt.uri);
      await expect(login.accepts(credentials('right-password-1'))).resolves.toBe(true);
      await expect(login.accepts(credentials('wrong-password-1'))).resolves.toBe(false);
      expect(bolt.runs).toEqual([expect.objectContaining({ user: 'neo4j', query: 'RETURN 1', parameters: {} })]);
      expect(bolt.runs[0].extra.mode).toBe('r');
    } finally {
      await bolt.close();
    }
  });

  it('throws, rather than answering no, when Neo4j cannot be reached or has locked the user out', async () => {
    const unreachable = new BoltNeo4jLogin('neo4j://127.0.0.1:1', { connectionTimeoutMs: 1_000 });
    const error = await failure(unreachable.accepts(credentials('unreachable-password')));
    expect(error.message).not.toContain('unreachable-password');

    const server = new Neo4jServerStandIn({ neo4j: 'locked-out-password' });
    for (let i = 0; i < 3; i++) server.login('neo4j', 'wrong');
    const bolt = await boltStandIn(server);
    try {
      const locked = await failure(new BoltNeo4jLogin(bolt.uri).accepts(credentials('locked-out-password')));
      expect((locked as Error & { code?: string }).code).toBe('Neo.ClientError.Security.AuthenticationRateLimit');
    } finally {
      await bolt.close();
    }
  });

  it('changes the password with one parameterised ALTER CURRENT USER, on the system database, in write mode', async () => {
    const server = new Neo4jServerStandIn({ neo4j: 'old-password-1' });
    const bolt = await boltStandIn(server);
    try {
      await new BoltNeo4jLogin(bolt.uri).changeOwnPassword(credentials('old-password-1'), 'new-password-1');
      expect(bolt.runs).toHaveLength(1);
      const [run] = bolt.runs;
      expect(run.query).toBe(CHANGE_OWN_PASSWORD);
      expect(run.query).toBe('ALTER CURRENT USER SET PASSWORD FROM $oldPassword TO $newPassword');
      expect(run.parameters).toEqual({ oldPassword: 'old-password-1', newPassword: 'new-password-1' });
      expect(run.extra.db).toBe('system');
      expect(run.extra.mode).toBeUndefined(); // Bolt's default: write
      expect(run.user).toBe('neo4j');
      expect(server.login('neo4j', 'new-password-1')).toBe(true);
    } finally {
      await bolt.close();
    }
  });

  it('reports Neo4j\'s refusal with its status code, and with no password even when the server quotes one', async () => {
    const server = new Neo4jServerStandIn({ neo4j: 'same-password-1' });
    const bolt = await boltStandIn(server, { echoParametersInErrors: true });
    try {
      const error = await failure(new BoltNeo4jLogin(bolt.uri).changeOwnPassword(credentials('same-password-1'), 'same-password-1'));
      expect((error as Error & { code?: string }).code).toBe('Neo.ClientError.General.InvalidArguments');
      expect(error.message).toContain('Old password and new password cannot be the same');
      expect(error.message).toContain('[redacted]');
      expect(error.message).not.toContain('same-password-1');
    } finally {
      await bolt.close();
    }
  });
});

describe('the deployed handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  /**
   * The handler of the deployment package: index.js run in Node's CommonJS wrapper, with this project's AWS SDK
   * as the Lambda runtime provides it. Evaluated in this test's own context (not Module#_compile's), so it
   * sees the environment the test sets.
   */
  const bundled = (): typeof handler => {
    const code = new TextDecoder().decode(unzipSync(fs.readFileSync(bundleLambda('neo4j-password-rotation')))['index.js']);
    const module = { exports: {} as { handler?: typeof handler } };
    new Function('exports', 'require', 'module', '__filename', '__dirname', code)(module.exports, require, module, '/var/task/index.js', '/var/task');
    return module.exports.handler!;
  };

  it.each([
    ['the source', () => handler],
    ['the bundled deployment package', bundled],
  ])('rotates end to end from %s: NEO4J_URI, the official driver over Bolt, Secrets Manager from the environment', async (_, load) => {
    const handler = load();
    const first = { username: 'neo4j', password: `first-${randomUUID()}`, engine: 'neo4j' };
    const server = new Neo4jServerStandIn({ neo4j: first.password });
    const bolt = await boltStandIn(server);
    try {
      const arn = await rotatingSecret(first);
      Object.assign(process.env, awsEnvironment, { AWS_ENDPOINT_URL: moto.endpoint, NEO4J_URI: bolt.uri });
      const token = randomUUID();
      for (const step of STEPS) await handler({ Step: step, SecretId: arn, ClientRequestToken: token });
      const now = await valueOf(arn);
      expect(now).toEqual({ ...first, password: expect.stringMatching(PASSWORD) });
      expect(server.login('neo4j', now.password)).toBe(true);
      expect(server.login('neo4j', first.password)).toBe(false);
      expect(bolt.runs.filter((run) => run.query === CHANGE_OWN_PASSWORD)).toHaveLength(1);
      for (const run of bolt.runs) expect(run.query).not.toContain(now.password);
    } finally {
      await bolt.close();
    }
  });

  it('refuses to start without NEO4J_URI', async () => {
    delete process.env.NEO4J_URI;
    expect((await failure(handler({ Step: 'createSecret', SecretId: 'arn', ClientRequestToken: randomUUID() }))).message).toBe('NEO4J_URI is not set');
  });
});

describe('what the rotation leaves behind', () => {
  it('wrote no password to the console and put none in an error (checked over every test above)', () => {
    expect(written.length).toBeGreaterThan(0);
    expect(thrown.length).toBeGreaterThan(0);
    const everything = [...written, ...thrown].join('\n');
    const passwords = new Set(standIns.flatMap((server) => [...server.passwordsSeen]).filter((password) => password.length >= 8));
    expect(passwords.size).toBeGreaterThan(20);
    for (const password of passwords) expect(everything.includes(password)).toBe(false);
  });
});

/** The deployment package: esbuild's bundle of the function with the driver, the AWS SDK left to the runtime. */
describe('the deployment package', () => {
  it('holds index.js only, bundles neo4j-driver, leaves the AWS SDK out, and stays small', () => {
    const zip = bundleLambda('neo4j-password-rotation');
    const files = unzipSync(fs.readFileSync(zip));
    expect(Object.keys(files)).toEqual(['index.js']);
    const code = new TextDecoder().decode(files['index.js']);
    expect(code).toContain('require("@aws-sdk/client-secrets-manager")');
    expect(code).not.toContain('node_modules/@aws-sdk');
    expect(code).not.toMatch(/require\("neo4j-driver[^"]*"\)/);
    expect(code).toContain(CHANGE_OWN_PASSWORD);
    expect(fs.statSync(zip).size).toBeLessThan(250 * 1024);
  });
});
