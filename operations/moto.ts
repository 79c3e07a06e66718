import { spawn, spawnSync } from 'node:child_process';
import { freeLoopbackPort, stopProcess } from './local-server';

export interface RunningEmulator {
  /** Base URL, e.g. http://127.0.0.1:41234. */
  readonly endpoint: string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Credentials for an emulator environment. Emulators accept any; the access key id is the account id
 * because LocalStack acts in the account a 12-digit key names, and moto uses its default account
 * (123456789012, the `local` account) for keys it did not issue.
 */
export function emulatorCredentials(accountId: string): NodeJS.ProcessEnv {
  return { AWS_ACCESS_KEY_ID: accountId, AWS_SECRET_ACCESS_KEY: 'emulator' };
}

/**
 * Starts moto_server on a free loopback port, with AWS-managed IAM policies loaded (attaching one fails
 * without them), and resolves once it answers. Fails with a clear message when moto is not installed or
 * does not come up within `timeoutMs`.
 */
export async function startMoto(timeoutMs = 30_000): Promise<RunningEmulator> {
  if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error) {
    throw new Error('moto_server is not on PATH. Install it with `pip install "moto[server]"`, or set AWS_ENDPOINT_URL to a running emulator.');
  }
  const port = await freeLoopbackPort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // However this process ends, the emulator it started ends with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode} before it answered:\n${stderr}`);
    if (await answers(`${endpoint}/moto-api/`)) return { endpoint, stop: () => stopProcess(child) };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stopProcess(child);
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms:\n${stderr}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.status < 500;
  } catch {
    return false;
  }
}
