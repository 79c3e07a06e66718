import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { requireTerraform } from '../operations/terraform-cli';
import { tempDir } from './support/synthesized';

// `npm run local` without AWS_ENDPOINT_URL starts its own moto; Ctrl-C (SIGINT to its process group, as a
// terminal sends it) must stop everything it started, even part-way through a deploy.
const ROOT = path.resolve(__dirname, '..');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

it('starts moto on a free loopback port and stops it, and itself, on Ctrl-C', async () => {
  requireTerraform();
  const workDir = tempDir('local-command');
  const env: NodeJS.ProcessEnv = { ...process.env, GROUNDWORK_WORK_DIR: workDir };
  delete env.AWS_ENDPOINT_URL;
  // Its own process group, so the test can signal the whole group the way a terminal does.
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/local.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    // Part-way through the deploy: the state stack's first apply is running.
    const deadline = Date.now() + 60_000;
    while (!output.includes('$ terraform apply') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    const port = Number(/Started moto at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(await portOpen(port)).toBe(true);

    process.kill(-child.pid!, 'SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 30_000)))]);
    clearTimeout(timer);
    expect(code).toBe(130);
    expect(output).toContain('stopped by SIGINT before the platform was up');
    expect(await portOpen(port)).toBe(false);
  } finally {
    // Whatever of the group is left (Terraform finishing its interrupt) goes too.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}, 120_000);
