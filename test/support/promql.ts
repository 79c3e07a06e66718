import { parser } from '@prometheus-io/lezer-promql';

/** Where the Prometheus project's PromQL grammar finds a syntax error in an expression: [] when it parses. */
export function promqlErrors(expr: string): number[] {
  const errors: number[] = [];
  parser.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
  return errors;
}
