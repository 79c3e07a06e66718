import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { Construct } from 'constructs';
import { checkDefinitions, isPercentile, type MetricDefinition } from './metric-definition';

export interface MetricAlarmsProps {
  /** Alarm names are `<alarmNamePrefix>-<definition id>`, e.g. `groundwork-prod`. */
  readonly alarmNamePrefix: string;
  /** The metrics to alarm on, one alarm each. */
  readonly definitions: readonly MetricDefinition[];
  /** Where every alarm sends its state changes: into ALARM and back to OK. */
  readonly topicArn: string;
}

/** One alarm of a `MetricAlarms`, with what it watches. */
export interface DefinedAlarm {
  readonly definition: MetricDefinition;
  readonly alarmName: string;
  readonly alarmArn: string;
}

/**
 * One CloudWatch alarm per metric definition, each telling the topic when it fires and when it clears.
 * A single metric is read directly (a percentile as an extended statistic); an expression through
 * metric queries, of which only the expression returns data.
 */
export class MetricAlarms extends Construct {
  /** The alarms, in the order of the definitions. */
  readonly alarms: readonly DefinedAlarm[];

  constructor(scope: Construct, id: string, props: MetricAlarmsProps) {
    super(scope, id);
    checkDefinitions(props.definitions);
    this.alarms = props.definitions.map((definition) => {
      const alarmName = `${props.alarmNamePrefix}-${definition.id}`;
      const { measure } = definition;
      const alarm = new CloudwatchMetricAlarm(this, definition.id, {
        alarmName,
        alarmDescription: definition.description,
        comparisonOperator: definition.comparison,
        threshold: definition.threshold,
        evaluationPeriods: definition.evaluationPeriods,
        datapointsToAlarm: definition.datapointsToAlarm,
        treatMissingData: definition.treatMissingData,
        actionsEnabled: true,
        alarmActions: [props.topicArn],
        okActions: [props.topicArn],
        ...(measure.kind === 'metric'
          ? {
              namespace: measure.metric.namespace,
              metricName: measure.metric.metricName,
              dimensions: { ...measure.metric.dimensions },
              period: definition.periodSeconds,
              ...(isPercentile(measure.statistic)
                ? // A percentile over a handful of requests is noise: keep the alarm's state until there are enough.
                  { extendedStatistic: measure.statistic, evaluateLowSampleCountPercentiles: 'ignore' }
                : { statistic: measure.statistic }),
            }
          : {
              metricQuery: [
                ...measure.inputs.map((input) => ({
                  id: input.id,
                  returnData: false,
                  metric: {
                    namespace: input.metric.namespace,
                    metricName: input.metric.metricName,
                    dimensions: { ...input.metric.dimensions },
                    period: definition.periodSeconds,
                    stat: input.statistic,
                  },
                })),
                { id: measure.id, expression: measure.expression, label: measure.label, returnData: true },
              ],
            }),
      });
      return { definition, alarmName, alarmArn: alarm.arn };
    });
  }
}
