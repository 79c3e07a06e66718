import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import type { DefinedAlarm } from './metric-alarms';
import type { MetricDefinition, MetricSource } from './metric-definition';

/** Columns of CloudWatch's dashboard grid. */
export const DASHBOARD_COLUMNS = 24;

export interface MetricDashboardProps {
  /** The dashboard's name, e.g. `groundwork-prod`. */
  readonly dashboardName: string;
  /** The region the metrics are in: every graph names it. */
  readonly region: string;
  /**
   * The alarms to show: each as a graph of exactly what it reads, its threshold drawn across it, in
   * sections by `definition.group` (in the order groups first appear); and all of them in one status widget.
   */
  readonly alarms: readonly DefinedAlarm[];
  /** Columns a graph takes, of 24. @default 8 (three graphs a row) */
  readonly graphWidth?: number;
  /** Rows a graph takes. @default 6 */
  readonly graphHeight?: number;
}

/** A widget's place on the grid. */
interface Placement {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/**
 * A CloudWatch dashboard built from metric definitions: the alarms' states on top, then one section per
 * group with a graph per metric. A graph reads the same metrics, statistic, period and expression as its
 * alarm, and draws the alarm's threshold as a horizontal line labelled with the alarm's name. Widgets are
 * laid out left to right on the 24-column grid, a section starting a new row, so none overlap. The body is
 * JSON with its keys sorted, so the same definitions always give the same bytes.
 */
export class MetricDashboard extends Construct {
  readonly dashboardName: string;
  readonly dashboardArn: string;

  constructor(scope: Construct, id: string, props: MetricDashboardProps) {
    super(scope, id);
    const graphWidth = props.graphWidth ?? 8;
    const graphHeight = props.graphHeight ?? 6;
    if (!Number.isInteger(graphWidth) || graphWidth < 1 || graphWidth > DASHBOARD_COLUMNS) throw new Error(`graphWidth must be a whole number from 1 to ${DASHBOARD_COLUMNS}, not ${graphWidth}`);
    if (!Number.isInteger(graphHeight) || graphHeight < 1) throw new Error(`graphHeight must be a whole number of at least 1, not ${graphHeight}`);

    const grid = new Grid();
    const widgets: Record<string, unknown>[] = [];
    // Four alarms to a row of the status widget, and a row for its title.
    widgets.push({
      type: 'alarm',
      ...grid.place(DASHBOARD_COLUMNS, 1 + Math.max(2, Math.ceil(props.alarms.length / 4))),
      properties: { title: 'Alarms', alarms: props.alarms.map((alarm) => alarm.alarmArn) },
    });
    const groups = [...new Set(props.alarms.map((alarm) => alarm.definition.group))];
    for (const group of groups) {
      grid.newRow();
      widgets.push({ type: 'text', ...grid.place(DASHBOARD_COLUMNS, 1), properties: { markdown: `## ${group}` } });
      grid.newRow();
      for (const alarm of props.alarms.filter((each) => each.definition.group === group)) {
        widgets.push({ type: 'metric', ...grid.place(graphWidth, graphHeight), properties: graphProperties(alarm, props.region) });
      }
    }

    const dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.dashboardName,
      dashboardBody: canonicalJson({ widgets }),
    });
    this.dashboardName = dashboard.dashboardName;
    this.dashboardArn = dashboard.dashboardArn;
  }
}

/** What a graph widget shows: the alarm's measure as the alarm reads it, and its threshold. */
function graphProperties({ definition, alarmName }: DefinedAlarm, region: string): Record<string, unknown> {
  const { measure } = definition;
  const metrics =
    measure.kind === 'metric'
      ? [[...metricPath(measure.metric), { stat: measure.statistic, period: definition.periodSeconds }]]
      : [
          ...measure.inputs.map((input) => [...metricPath(input.metric), { id: input.id, stat: input.statistic, period: definition.periodSeconds, visible: false }]),
          [{ id: measure.id, expression: measure.expression, label: measure.label }],
        ];
  return {
    title: definition.title,
    region,
    view: 'timeSeries',
    stacked: false,
    period: definition.periodSeconds,
    ...(measure.kind === 'metric' && { stat: measure.statistic }),
    metrics,
    annotations: { horizontal: [{ label: alarmName, value: definition.threshold, fill: breachingSide(definition) }] },
    yAxis: { left: { label: definition.unit, showUnits: false, min: 0 } },
  };
}

/** `[namespace, name, dimension, value, ...]`, as a dashboard names a metric. */
function metricPath(metric: MetricSource): string[] {
  return [metric.namespace, metric.metricName, ...Object.entries(metric.dimensions).flat()];
}

/** Shades the side of the threshold line on which the alarm fires. */
function breachingSide(definition: MetricDefinition): 'above' | 'below' {
  return definition.comparison.startsWith('Greater') ? 'above' : 'below';
}

/** Places widgets left to right, wrapping at 24 columns; a row is as tall as its tallest widget. */
class Grid {
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  place(width: number, height: number): Placement {
    if (this.x + width > DASHBOARD_COLUMNS) this.newRow();
    const placement = { x: this.x, y: this.y, width, height };
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
    return placement;
  }

  /** Starts a new row below everything placed so far (nothing when the current row is empty). */
  newRow(): void {
    if (this.x === 0) return;
    this.y += this.rowHeight;
    this.x = 0;
    this.rowHeight = 0;
  }
}

/** JSON with every object's keys sorted: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, each) =>
    each && typeof each === 'object' && !Array.isArray(each) ? Object.fromEntries(Object.entries(each).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : each,
  );
}
