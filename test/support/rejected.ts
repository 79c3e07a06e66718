import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSynth } from '../../lib/cli';
import { tempDir } from './synthesized';

/** What `npm run synth` did with a registry: its exit code, what it printed, and what it left on disk. */
export interface SynthOutcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The `<env>.<field path>: <message>` lines of a configuration error, in order. */
  readonly problems: readonly string[];
  /** Every file or directory left in the output's parent directory (empty when nothing was written). */
  readonly leftBehind: readonly string[];
}

/**
 * Runs the synth command's own code (`runSynth`, as `main.ts` does) over the registry into a fresh
 * directory, capturing what it prints instead of letting it reach the test's output; `inspect` reads a
 * successful output before the directory is removed.
 */
export function synthOutcome(registry: Readonly<Record<string, unknown>>, inspect?: (outdir: string) => void): SynthOutcome {
  const parent = tempDir('outcome');
  const outdir = path.join(parent, 'cdktf.out');
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  let exitCode: number;
  try {
    exitCode = runSynth(registry, outdir);
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const problems = stderr
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4));
  const leftBehind = fs.readdirSync(parent, { recursive: true, encoding: 'utf8' });
  if (exitCode === 0) inspect?.(outdir);
  fs.rmSync(parent, { recursive: true, force: true });
  return { exitCode, stdout, stderr, problems, leftBehind };
}

/** A deep copy of a configuration with one change applied (the change may break its type on purpose). */
export function changed<T>(base: T, change: (draft: any) => void): T {
  const draft = structuredClone(base);
  change(draft);
  return draft;
}

/**
 * One invalid configuration and what synth must say about it: the registry key, the configuration, the
 * exact `<env>.<field path>`, and a fragment of the message.
 */
export type InvalidCase = readonly [what: string, key: string, config: unknown, fieldPath: string, fragment: string];

/**
 * Asserts that synth refuses the case: exit 1, a problem on that field whose message holds the fragment,
 * and nothing written. Unless `alone` is false (a case whose field is wrong in two ways), that problem is
 * the field's only one: a problem said twice is noise.
 */
export function expectRejected([, key, config, fieldPath, fragment]: InvalidCase, { alone = true } = {}): SynthOutcome {
  const outcome = synthOutcome({ [key]: config });
  expect(outcome.exitCode).toBe(1);
  const onField = outcome.problems.filter((problem) => problem.startsWith(`${fieldPath}: `));
  const found = onField.some((problem) => problem.includes(fragment)) && (!alone || onField.length === 1);
  expect({ fieldPath, problems: outcome.problems, found }).toEqual({ fieldPath, problems: outcome.problems, found: true });
  expect(outcome.leftBehind).toEqual([]);
  expect(outcome.stdout).toBe('');
  return outcome;
}
