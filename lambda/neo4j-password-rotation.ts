import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import neo4j, { type Session, type SessionMode } from 'neo4j-driver';
import { randomBytes } from 'node:crypto';
import { credentialsIn, rotationHandler, type RotationEvent, type RotationStrategy, type UserCredentials } from './rotation-protocol';

/** The secret's value: a Neo4j user's credentials (`username`, `password`); other fields are kept as they are. */
export type Neo4jCredentials = UserCredentials;

/** The Neo4j server's side of a password change. */
export interface Neo4jLogin {
  /** Whether the server accepts these credentials now. Throws when it cannot tell (unreachable, rate-limited, expired). */
  accepts(credentials: Neo4jCredentials): Promise<boolean>;
  /** Logged in as `as`, changes that user's own password from `as.password` to `password`. */
  changeOwnPassword(as: Neo4jCredentials, password: string): Promise<void>;
}

/**
 * A self-managed Neo4j (5.x, 2025.x) user's password. A rotation makes a new password and sets it with
 * ALTER CURRENT USER, logged in as that user with the current one: the user needs no privilege over other
 * users, and in a cluster the change goes to the system database's leader, which replicates it. Neo4j keeps
 * one password per user, so the old one stops working at once; clients read the secret again when they next
 * connect or are redeployed.
 */
export function neo4jPasswordStrategy(server: Neo4jLogin): RotationStrategy {
  return {
    // 30 random bytes as 40 base64url characters, as the master password's rotation makes them: well over
    // Neo4j's minimum of 8 (dbms.security.auth_minimum_password_length), nothing that needs quoting.
    generate: (current) => JSON.stringify({ ...credentialsIn(current), password: randomBytes(30).toString('base64url') }),
    set: async (values) => {
      const pending = credentialsIn(values.pending);
      // The current password first: Neo4j locks a user out for a while after a few failed logins in a row
      // (dbms.security.auth_max_failed_attempts, 3), so the usual path makes none, and a retried setSecret
      // (already set: the current one fails, the new one works) or a server that still has the previous
      // password (restored from a backup taken before the last rotation, say) makes at most two.
      const current = sameUser(credentialsIn(values.current), pending);
      if (await server.accepts(current)) {
        if (current.password !== pending.password) await server.changeOwnPassword(current, pending.password);
        return;
      }
      if (await server.accepts(pending)) return; // a retried setSecret: already set
      if (values.previous !== undefined) {
        const previous = sameUser(credentialsIn(values.previous), pending);
        if (previous.password !== current.password && (await server.accepts(previous))) return server.changeOwnPassword(previous, pending.password);
      }
      throw new Error('Neo4j refuses both the current and the previous password, so the new one cannot be set');
    },
    test: async (pending) => {
      if (!(await server.accepts(credentialsIn(pending)))) throw new Error('Neo4j refuses the new password');
    },
  };
}

function sameUser(login: Neo4jCredentials, pending: Neo4jCredentials): Neo4jCredentials {
  if (login.username !== pending.username) throw new Error('the new value names another user than the current one');
  return login;
}


/** The statement that changes the logged-in user's password; both passwords are parameters, never Cypher text. */
export const CHANGE_OWN_PASSWORD = 'ALTER CURRENT USER SET PASSWORD FROM $oldPassword TO $newPassword';

/** Neo4j's status code for refused credentials. */
const UNAUTHORIZED = 'Neo.ClientError.Security.Unauthorized';

export interface BoltNeo4jLoginOptions {
  /** Longest wait for a connection, in milliseconds. @default 5000 */
  readonly connectionTimeoutMs?: number;
}

/**
 * Logs in over Bolt with the official driver, at `uri`: `neo4j://host:7687` (a cluster's or a single
 * server's routing address) or `bolt://host:7687` (one server); `+s` schemes for TLS. A new driver per
 * login, closed after it, so no connection outlives the credentials it was opened with.
 */
export class BoltNeo4jLogin implements Neo4jLogin {
  constructor(
    private readonly uri: string,
    private readonly options: BoltNeo4jLoginOptions = {},
  ) {}

  async accepts(credentials: Neo4jCredentials): Promise<boolean> {
    try {
      // On the user's home database, as the clients use it.
      await this.session(credentials, { defaultAccessMode: neo4j.session.READ }, (session) => session.run('RETURN 1').summary());
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === UNAUTHORIZED) return false;
      throw withoutSecrets(error, [credentials.password]);
    }
  }

  async changeOwnPassword(as: Neo4jCredentials, password: string): Promise<void> {
    try {
      // An administration command: on the system database, in write mode, so a cluster routes it to the
      // system database's leader.
      await this.session(as, { database: 'system', defaultAccessMode: neo4j.session.WRITE }, (session) =>
        session.run(CHANGE_OWN_PASSWORD, { oldPassword: as.password, newPassword: password }).summary(),
      );
    } catch (error) {
      throw withoutSecrets(error, [as.password, password]);
    }
  }

  private async session<T>(
    credentials: Neo4jCredentials,
    config: { database?: string; defaultAccessMode: SessionMode },
    work: (session: Session) => Promise<T>,
  ): Promise<T> {
    const driver = neo4j.driver(this.uri, neo4j.auth.basic(credentials.username, credentials.password), {
      connectionTimeout: this.options.connectionTimeoutMs ?? 5_000,
      connectionAcquisitionTimeout: 2 * (this.options.connectionTimeoutMs ?? 5_000),
      maxConnectionPoolSize: 2,
      userAgent: 'groundwork-neo4j-password-rotation',
      telemetryDisabled: true,
    });
    try {
      const session = driver.session(config);
      try {
        return await work(session);
      } finally {
        await session.close();
      }
    } finally {
      await driver.close();
    }
  }
}

/** An error that says what went wrong (Neo4j's status code and message) with any of `secrets` cut out of it. */
function withoutSecrets(error: unknown, secrets: readonly string[]): Error {
  const code = (error as { code?: unknown })?.code;
  let message = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) if (secret) message = message.split(secret).join('[redacted]');
  const safe = new Error(typeof code === 'string' && code && !message.includes(code) ? `${code}: ${message}` : message);
  if (typeof code === 'string') Object.assign(safe, { code });
  return safe;
}

export async function handler(event: RotationEvent): Promise<void> {
  const uri = process.env.NEO4J_URI;
  if (!uri) throw new Error('NEO4J_URI is not set');
  return rotationHandler(neo4jPasswordStrategy(new BoltNeo4jLogin(uri)), new SecretsManagerClient({}))(event);
}
