import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { freeLoopbackPort, stopProcess } from '../../operations/local-server';
import { tempDir } from './synthesized';

/** A throwaway PostgreSQL server on loopback, with password (SCRAM) logins only. */
export interface RunningPostgres {
  readonly port: number;
  /** The superuser's login. */
  readonly superuser: { readonly username: string; readonly password: string };
  /** Everything the server logged; it logs every statement. */
  log(): string;
  stop(): Promise<void>;
}

/** Where Debian puts the server's programs; they are not on PATH. */
function serverBinaries(): string {
  const onPath = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [onPath.status === 0 ? onPath.stdout.trim() : '', ...listVersions('/usr/lib/postgresql').map((version) => `/usr/lib/postgresql/${version}/bin`)];
  const found = candidates.find((dir) => dir && fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'postgres')));
  if (!found) throw new Error('PostgreSQL server programs (initdb, postgres) not found: install Debian\'s postgresql package');
  return found;
}

function listVersions(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort().reverse() : [];
}

/**
 * initdb and postgres refuse to run as root; as root, they run as the `postgres` user Debian's package makes
 * (spawned with its ids, so signals reach the server itself), in a directory it owns.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: idOf('-u'), gid: idOf('-g') } : undefined;
}

/** Starts a fresh cluster in a temporary directory and resolves once it takes logins (within `timeoutMs`). */
export async function startPostgres(timeoutMs = 30_000): Promise<RunningPostgres> {
  const bin = serverBinaries();
  const dir = tempDir('postgres');
  const data = path.join(dir, 'data');
  const superuser = { username: 'groundwork_admin', password: `admin-${process.pid}-${Date.now()}` };
  fs.writeFileSync(path.join(dir, 'password'), superuser.password);
  const user = serverUser();
  if (user) for (const file of [dir, path.join(dir, 'password')]) fs.chownSync(file, user.uid, user.gid);
  const init = spawnSync(path.join(bin, 'initdb'), ['-D', data, '-U', superuser.username, '--pwfile', path.join(dir, 'password'), '--auth', 'scram-sha-256', '--no-sync'], { encoding: 'utf8', ...user });
  if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);
  const port = await freeLoopbackPort();
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off', '-c', 'log_statement=all'];
  const child = spawn(path.join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'], ...user });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const stop = async () => {
    // SIGINT: PostgreSQL's fast shutdown.
    await stopProcess(child, 'SIGINT');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited with code ${child.exitCode} before it took logins:\n${stderr.slice(-4000)}`);
    if (await takesLogins(port, superuser)) return { port, superuser, log: () => stderr, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`postgres did not take logins on port ${port} within ${timeoutMs} ms:\n${stderr.slice(-4000)}`);
}

async function takesLogins(port: number, login: { username: string; password: string }): Promise<boolean> {
  const client = new Client({ host: '127.0.0.1', port, user: login.username, password: login.password, database: 'postgres', connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** The `postgres` user's id (`-u`) or group id (`-g`). */
function idOf(flag: '-u' | '-g'): number {
  const id = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) throw new Error('running as root, PostgreSQL needs the postgres user (Debian\'s postgresql package makes it)');
  return Number(id.stdout.trim());
}
