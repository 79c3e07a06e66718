// What every part of `npm run bench` measures with: GNU time's wall time and peak RSS of a command, and medians.
import { spawnSync } from 'node:child_process';

export interface Sample {
  wallSeconds: number;
  rssMiB: number;
}

/**
 * Wall time and peak RSS of a command that must succeed. Peak RSS is GNU time's %M, the largest of the
 * command and the processes it waited for.
 */
export function measured(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Sample {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8' });
  if (result.error) throw new Error('GNU time is needed at /usr/bin/time (Debian: apt-get install time)');
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`.split('\n').slice(-30).join('\n'));
  const [wall, rssKiB] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { wallSeconds: wall, rssMiB: rssKiB / 1024 };
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
