import { ConfigError } from '../environments/load';
import { synthesize, type StackSummary } from './synthesize';

/**
 * Synthesizes every environment of the registry into `outdir` and prints a summary. Returns the exit
 * code: 1, with every configuration problem on stderr and nothing written, when the config is invalid.
 */
export function runSynth(registry: Readonly<Record<string, unknown>>, outdir: string, keepOrphanedStacks = false): number {
  try {
    const stacks = synthesize(registry, { outdir, keepOrphanedStacks });
    process.stdout.write(formatSummary(outdir, stacks));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\nNothing was written to ${outdir}.\n`);
    return 1;
  }
}

function formatSummary(outdir: string, stacks: readonly StackSummary[]): string {
  const width = Math.max(...stacks.map((s) => s.name.length), 'stack'.length);
  const column = (value: number, header: string) => String(value).padStart(header.length);
  const total = stacks.reduce((sum, s) => sum + s.resources, 0);
  return [
    `Synthesized ${stacks.length} stacks (${total} resources) into ${outdir}/`,
    `${'stack'.padEnd(width)}  resources  data  outputs`,
    ...stacks.map((s) => `${s.name.padEnd(width)}  ${column(s.resources, 'resources')}  ${column(s.dataSources, 'data')}  ${column(s.outputs, 'outputs')}`),
    '',
  ].join('\n');
}
