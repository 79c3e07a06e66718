/**
 * What one watched metric is: what CloudWatch reads, how, and when it is bad. `MetricAlarms` makes an alarm
 * of it and `MetricDashboard` a graph, so the alarm and the graph can never read different things.
 */

/** A metric AWS publishes, named by namespace, name and dimensions. */
export interface MetricSource {
  /** The namespace, e.g. `AWS/ApplicationELB`. */
  readonly namespace: string;
  /** The metric's name, e.g. `TargetResponseTime`. */
  readonly metricName: string;
  /** Dimension name to value (values may be references to other stacks), in the order they are written. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** A statistic: `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount`, or a percentile such as `p99`. */
export type MetricStatistic = 'Average' | 'Sum' | 'Minimum' | 'Maximum' | 'SampleCount' | `p${number}`;

/** One metric, read with one statistic. */
export interface SingleMetric {
  readonly kind: 'metric';
  readonly metric: MetricSource;
  readonly statistic: MetricStatistic;
}

/** An input of a metric math expression, named by the id the expression uses. */
export interface ExpressionInput {
  /** Lowercase letter first, then letters, digits and underscores: how the expression names it. */
  readonly id: string;
  readonly metric: MetricSource;
  readonly statistic: MetricStatistic;
}

/** A metric math expression over several metrics, e.g. an error rate or the busiest of several nodes. */
export interface MetricExpression {
  readonly kind: 'expression';
  /** Id of the expression itself (distinct from its inputs'). */
  readonly id: string;
  /** The expression, e.g. `MAX([n1, n2])`. */
  readonly expression: string;
  /** What the expression's value means, shown on the graph's legend and in the alarm. */
  readonly label: string;
  readonly inputs: readonly ExpressionInput[];
}

/** How the measured value is compared with the threshold; the alarm fires when the comparison holds. */
export type MetricComparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/**
 * What an alarm makes of a period without data: `missing` (for metrics AWS publishes all the time, a gap
 * leaves the alarm's state as it is and then turns it to INSUFFICIENT_DATA), `notBreaching` (for metrics
 * published only when something happens: no requests, no errors), `breaching`, or `ignore`.
 */
export type MissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

/** One watched metric: what is read, over which period, and what value is bad. */
export interface MetricDefinition {
  /** Unique within its list, kebab-case: the alarm's name ends with it, e.g. `load-balancer-5xx-rate`. */
  readonly id: string;
  /** The dashboard section it is shown in, e.g. `Load balancer`. */
  readonly group: string;
  /** The graph's title, e.g. `5xx responses, % of requests`. */
  readonly title: string;
  /** What the alarm means, for the person paged: what is wrong and where to look. */
  readonly description: string;
  /** What is read: one metric or a metric math expression. */
  readonly measure: SingleMetric | MetricExpression;
  /** Seconds each datapoint covers (60 or a multiple of it). */
  readonly periodSeconds: number;
  /** The unit of the value, as the graph's axis label says it, e.g. `Percent`, `Seconds`, `Bytes`. */
  readonly unit: string;
  readonly comparison: MetricComparison;
  /** The value the measure is compared with, in `unit`. */
  readonly threshold: number;
  /** Periods the alarm looks back over. */
  readonly evaluationPeriods: number;
  /** Of those, how many must breach for the alarm to fire. */
  readonly datapointsToAlarm: number;
  readonly treatMissingData: MissingData;
}

const EXPRESSION_ID = /^[a-z][A-Za-z0-9_]*$/;
const DEFINITION_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** One metric read with one statistic. */
export function singleMetric(metric: MetricSource, statistic: MetricStatistic): SingleMetric {
  return { kind: 'metric', metric, statistic };
}

/**
 * A metric math expression. Fails when an id is not one CloudWatch accepts, ids repeat, or an input is
 * never used by the expression (CloudWatch would still fetch and bill it).
 */
export function metricExpression(props: { readonly id?: string; readonly expression: string; readonly label: string; readonly inputs: readonly ExpressionInput[] }): MetricExpression {
  const id = props.id ?? 'e1';
  const ids = [id, ...props.inputs.map((input) => input.id)];
  for (const each of ids) {
    if (!EXPRESSION_ID.test(each)) throw new Error(`metric math id "${each}" must start with a lowercase letter and hold only letters, digits and underscores`);
  }
  if (new Set(ids).size !== ids.length) throw new Error(`metric math ids must be unique; got ${ids.join(', ')}`);
  for (const input of props.inputs) {
    if (!new RegExp(`\\b${input.id}\\b`).test(props.expression)) throw new Error(`metric math input "${input.id}" is not used by "${props.expression}"`);
  }
  return { kind: 'expression', id, expression: props.expression, label: props.label, inputs: props.inputs };
}

/** Fails unless every definition's id is kebab-case and unique, and its evaluation is one CloudWatch accepts. */
export function checkDefinitions(definitions: readonly MetricDefinition[]): void {
  const seen = new Set<string>();
  for (const definition of definitions) {
    if (!DEFINITION_ID.test(definition.id)) throw new Error(`metric id "${definition.id}" must be kebab-case`);
    if (seen.has(definition.id)) throw new Error(`metric id "${definition.id}" is defined twice`);
    seen.add(definition.id);
    if (definition.periodSeconds < 60 || definition.periodSeconds % 60 !== 0) throw new Error(`metric ${definition.id}: periodSeconds must be a multiple of 60, not ${definition.periodSeconds}`);
    if (definition.datapointsToAlarm > definition.evaluationPeriods) {
      throw new Error(`metric ${definition.id}: datapointsToAlarm (${definition.datapointsToAlarm}) exceeds evaluationPeriods (${definition.evaluationPeriods})`);
    }
    // CloudWatch refuses an alarm that looks back more than a day.
    if (definition.periodSeconds * definition.evaluationPeriods > 86_400) throw new Error(`metric ${definition.id}: evaluates more than a day (${definition.evaluationPeriods} × ${definition.periodSeconds} s)`);
  }
}

/** True when the statistic is a percentile (`p99`): alarms take it as an extended statistic. */
export function isPercentile(statistic: MetricStatistic): boolean {
  return /^p\d+(\.\d+)?$/.test(statistic);
}
