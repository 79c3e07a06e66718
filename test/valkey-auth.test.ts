import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import * as net from 'node:net';
import { ElastiCacheValkeyAuth } from '../lambda/valkey-auth-token-rotation';

/** An ElastiCache client that records each request and answers as an available group whose primary is at `port`. */
function recordingClient(port = 6379) {
  const calls: { command: string; input: any }[] = [];
  const client = new ElastiCacheClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  client.middlewareStack.add(
    (_next, context) => async (args: any) => {
      calls.push({ command: context.commandName!, input: args.input });
      const group = { ReplicationGroupId: 'groundwork-prod', Status: 'available', NodeGroups: [{ PrimaryEndpoint: { Address: '127.0.0.1', Port: port } }] };
      return { output: { $metadata: {}, ReplicationGroup: group, ReplicationGroups: [group] }, response: {} } as any;
    },
    { step: 'initialize', name: 'record' },
  );
  return { client, calls };
}

/**
 * A server that speaks just enough of the Valkey protocol (RESP) to check a token the way Valkey does:
 * AUTH with a valid token is +OK, with any other -WRONGPASS; PING is +PONG.
 */
async function tokenServer(valid: readonly string[]): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      // Each complete command is an array of bulk strings: *<n>\r\n($<len>\r\n<arg>\r\n){n}
      for (;;) {
        const lines = buffered.split('\r\n');
        const count = Number(lines[0]?.slice(1));
        if (!lines[0]?.startsWith('*') || lines.length < 1 + 2 * count + 1) return;
        const args = Array.from({ length: count }, (_, i) => lines[2 + 2 * i]);
        buffered = lines.slice(1 + 2 * count).join('\r\n');
        const [command, ...rest] = args;
        if (command.toUpperCase() === 'AUTH') socket.write(valid.includes(rest[rest.length - 1]) ? '+OK\r\n' : '-WRONGPASS invalid username-password pair or user is disabled.\r\n');
        else if (command.toUpperCase() === 'PING') socket.write('+PONG\r\n');
        else socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('checking a token against the cache', () => {
  it('says yes to a token the server accepts and no to one it refuses with WRONGPASS', async () => {
    const server = await tokenServer(['current-token']);
    try {
      const auth = new ElastiCacheValkeyAuth('groundwork-prod', recordingClient(server.port).client, { tls: false });
      await expect(auth.accepts('current-token')).resolves.toBe(true);
      await expect(auth.accepts('some-other-token')).resolves.toBe(false);
    } finally {
      await server.close();
    }
  });

  it('throws, rather than answering no, when the cache cannot be reached', async () => {
    const server = await tokenServer([]);
    await server.close(); // nothing listens on the port any more
    const auth = new ElastiCacheValkeyAuth('groundwork-prod', recordingClient(server.port).client, { tls: false });
    await expect(auth.accepts('any-token')).rejects.toThrow();
  });
});

describe('the Valkey token changes sent to ElastiCache', () => {
  it('adds a token with ROTATE and retires the others with SET, applied at once, waiting until the group is available', async () => {
    const { client, calls } = recordingClient();
    const auth = new ElastiCacheValkeyAuth('groundwork-prod', client);
    await auth.addToken('new-token');
    await auth.keepOnlyToken('new-token');
    const modifications = calls.filter((call) => call.command === 'ModifyReplicationGroupCommand').map((call) => call.input);
    expect(modifications).toEqual([
      { ReplicationGroupId: 'groundwork-prod', AuthToken: 'new-token', AuthTokenUpdateStrategy: 'ROTATE', ApplyImmediately: true },
      { ReplicationGroupId: 'groundwork-prod', AuthToken: 'new-token', AuthTokenUpdateStrategy: 'SET', ApplyImmediately: true },
    ]);
    expect(calls.map((call) => call.command)).toEqual([
      'ModifyReplicationGroupCommand',
      'DescribeReplicationGroupsCommand',
      'ModifyReplicationGroupCommand',
      'DescribeReplicationGroupsCommand',
    ]);
  });
});
