import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  waitUntilReplicationGroupAvailable,
} from '@aws-sdk/client-elasticache';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Valkey } from 'iovalkey';
import { randomBytes } from 'node:crypto';
import { rotationHandler, type RotationEvent, type RotationStrategy } from './rotation-protocol';

/** The cache's side of a token change, as ElastiCache offers it for AUTH tokens. */
export interface ValkeyAuth {
  /** Whether the cache accepts this token now. Throws when it cannot tell (unreachable, TLS failure). */
  accepts(token: string): Promise<boolean>;
  /** Strategy ROTATE: the cache accepts this token as well as the one it accepts now. Resolves once applied. */
  addToken(token: string): Promise<void>;
  /** Strategy SET: the cache accepts only this token, which an earlier ROTATE added. Resolves once applied. */
  keepOnlyToken(token: string): Promise<void>;
}

/**
 * The Valkey AUTH token. ElastiCache holds at most two tokens; a rotation adds the new one with ROTATE,
 * so clients holding the current token keep working until they are redeployed with the new one. The
 * next rotation first retires the token this one replaced (SET to the current token), then adds its own:
 * no token a client may still hold is ever revoked, and at most two are ever valid.
 */
export function valkeyAuthTokenStrategy(cache: ValkeyAuth): RotationStrategy {
  return {
    // 32 random bytes as 64 hex digits: within ElastiCache's 16 to 128 printable characters, none forbidden.
    generate: () => randomBytes(32).toString('hex'),
    set: async ({ pending, current, previous }) => {
      if (await cache.accepts(pending)) return; // a retried setSecret: already added
      if (previous !== undefined && previous !== current && (await cache.accepts(previous))) {
        await cache.keepOnlyToken(current);
      }
      await cache.addToken(pending);
    },
    test: async (pending) => {
      if (!(await cache.accepts(pending))) throw new Error('the cache refuses the new auth token');
    },
  };
}

/**
 * Longest wait for one token change to apply. setSecret may make two (SET, then ROTATE); both must fit in
 * the function's 900-second timeout, with room for the rest of the step.
 */
const MODIFY_WAIT_SECONDS = 400;

export interface ElastiCacheValkeyAuthOptions {
  /** Connect with TLS. ElastiCache requires it when transit encryption is on, as Groundwork's is. @default true */
  readonly tls?: boolean;
}

/** ElastiCache's API for changing tokens, and a connection to the primary endpoint for checking one. */
export class ElastiCacheValkeyAuth implements ValkeyAuth {
  constructor(
    private readonly replicationGroupId: string,
    private readonly elasticache: ElastiCacheClient,
    private readonly options: ElastiCacheValkeyAuthOptions = {},
  ) {}

  async accepts(token: string): Promise<boolean> {
    const { address, port } = await this.primaryEndpoint();
    // AUTH is sent by hand, not as a connection option: a refused password then rejects the AUTH command
    // itself with WRONGPASS, rather than closing the connection as an unreachable server would.
    const client = new Valkey({
      host: address,
      port,
      tls: this.options.tls === false ? undefined : { servername: address },
      lazyConnect: true,
      enableReadyCheck: false,
      connectTimeout: 5_000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await client.connect();
      try {
        await client.auth(token);
      } catch (error) {
        if (error instanceof Error && /^WRONGPASS/.test(error.message)) return false;
        throw error;
      }
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }

  addToken(token: string): Promise<void> {
    return this.modify(token, 'ROTATE');
  }

  keepOnlyToken(token: string): Promise<void> {
    return this.modify(token, 'SET');
  }

  private async modify(token: string, strategy: 'ROTATE' | 'SET'): Promise<void> {
    await this.elasticache.send(
      new ModifyReplicationGroupCommand({ ReplicationGroupId: this.replicationGroupId, AuthToken: token, AuthTokenUpdateStrategy: strategy, ApplyImmediately: true }),
    );
    await waitUntilReplicationGroupAvailable(
      { client: this.elasticache, maxWaitTime: MODIFY_WAIT_SECONDS, minDelay: 15 },
      { ReplicationGroupId: this.replicationGroupId },
    );
  }

  private async primaryEndpoint(): Promise<{ address: string; port: number }> {
    const { ReplicationGroups: groups } = await this.elasticache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: this.replicationGroupId }));
    const endpoint = groups?.[0]?.NodeGroups?.[0]?.PrimaryEndpoint;
    if (!endpoint?.Address || !endpoint.Port) throw new Error(`replication group ${this.replicationGroupId} has no primary endpoint yet`);
    return { address: endpoint.Address, port: endpoint.Port };
  }
}

export async function handler(event: RotationEvent): Promise<void> {
  const replicationGroupId = process.env.REPLICATION_GROUP_ID;
  if (!replicationGroupId) throw new Error('REPLICATION_GROUP_ID is not set');
  const cache = new ElastiCacheValkeyAuth(replicationGroupId, new ElastiCacheClient({}));
  return rotationHandler(valkeyAuthTokenStrategy(cache), new SecretsManagerClient({}))(event);
}
