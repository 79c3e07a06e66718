import { spawn } from 'node:child_process';

/** How a child process ended, and what it printed. */
export interface ProcessRun {
  /** The exit code; null when a signal ended it (the timeout's). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as they arrived, as a terminal shows them. */
  readonly output: string;
}

export interface RunProcessOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Longest the process may run before it is sent `killSignal`. */
  readonly timeoutMs: number;
  /** @default 'SIGKILL' */
  readonly killSignal?: NodeJS.Signals;
}

/** Runs a command as a script's user would, with no terminal on stdin (as in CI), and collects its output. */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr, output] = ['', '', ''];
    child.stdout.on('data', (chunk) => ((stdout += chunk), (output += chunk)));
    child.stderr.on('data', (chunk) => ((stderr += chunk), (output += chunk)));
    const timer = setTimeout(() => child.kill(options.killSignal ?? 'SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, output });
    });
  });
}
