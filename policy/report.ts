import type { EnvironmentReport, Row } from './engine';

export interface FormatOptions {
  /** Print passing rows too. @default false */
  readonly verbose?: boolean;
}

/**
 * One environment's verdicts as a table (rule, resource, verdict, and for a failure the failing field;
 * for a waived failure the waiver's reason), then the summary line `<env>: N passed, N failed, N waived`.
 */
export function formatReport(report: EnvironmentReport, options: FormatOptions = {}): string {
  const shown = report.rows.filter((row) => options.verbose || row.verdict !== 'PASS');
  const lines = [`${report.env} (tier ${report.tier}): ${report.stacks.length} stacks`];
  if (shown.length > 0) {
    const header: Row = { rule: 'rule', resource: 'resource', verdict: 'PASS' };
    const ruleWidth = Math.max(...[header, ...shown].map((row) => row.rule.length));
    const resourceWidth = Math.max(...[header, ...shown].map((row) => row.resource.length));
    lines.push(`  ${'rule'.padEnd(ruleWidth)}  ${'resource'.padEnd(resourceWidth)}  verdict  detail`);
    for (const row of shown) {
      lines.push(`  ${row.rule.padEnd(ruleWidth)}  ${row.resource.padEnd(resourceWidth)}  ${row.verdict.padEnd(7)}  ${detail(row)}`.trimEnd());
    }
  }
  const stale = report.staleWaivers > 0 ? ` (${report.staleWaivers} of them stale waiver${report.staleWaivers === 1 ? '' : 's'})` : '';
  lines.push(`${report.env}: ${report.passed} passed, ${report.failed} failed${stale}, ${report.waived} waived`);
  return `${lines.join('\n')}\n`;
}

function detail(row: Row): string {
  if (row.verdict === 'PASS') return '';
  const failure = `${row.field}: ${row.message}`;
  return row.verdict === 'WAIVED' ? `${failure}; waived: ${row.reason}` : failure;
}
