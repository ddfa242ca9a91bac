/**
 * The alarms of one target, built from the metrics contract, so an alarm can only watch a metric the probe
 * publishes. Each alarm notifies; one composite alarm per target pages.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS, type MetricName } from '../lambda/metrics-contract';
import type { ResolvedTarget } from './target-props';

export function probeMetric(target: ResolvedTarget, name: MetricName, statistic: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: target.namespace,
    metricName: name,
    dimensionsMap: { [DIMENSIONS.probe]: target.probeName },
    statistic,
    period,
    unit: cloudwatch.Unit[METRICS[name].unit.toUpperCase() as keyof typeof cloudwatch.Unit],
  });
}

/** Alarm periods: the schedule interval, never less than a minute (standard resolution). */
export function alarmPeriod(target: ResolvedTarget): Duration {
  return Duration.seconds(Math.max(60, target.schedule.toSeconds()));
}

/**
 * The heartbeat period spans three schedule intervals: one late datapoint must not page, and a probe
 * that stopped running pages within two such periods.
 */
export function heartbeatPeriod(target: ResolvedTarget): Duration {
  return Duration.seconds(Math.max(60, target.schedule.toSeconds()) * 3);
}

/**
 * An alarm referenced by its name-derived ARN instead of Fn::GetAtt. Alarm names are fixed here, so the
 * ARN is known at synth time, and templates stay deployable where alarms are not modelled (the emulator).
 */
export function alarmByName(scope: Construct, alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm): cloudwatch.IAlarm {
  const name = alarm instanceof cloudwatch.CompositeAlarm
    ? (alarm.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmName!
    : (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName!;
  const arn = Stack.of(scope).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return cloudwatch.Alarm.fromAlarmArn(scope, `${alarm.node.id}ByName`, arn);
}

export interface TargetAlarms {
  readonly latency: cloudwatch.Alarm;
  readonly availability: cloudwatch.Alarm;
  readonly loss: cloudwatch.Alarm;
  readonly heartbeat: cloudwatch.Alarm;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly lambdaThrottles: cloudwatch.Alarm;
  readonly composite: cloudwatch.CompositeAlarm;
}

export class ProbeAlarms extends Construct {
  readonly alarms: TargetAlarms;

  constructor(scope: Construct, id: string, target: ResolvedTarget, fn: lambda.IFunction) {
    super(scope, id);
    const t = target.thresholds;
    const period = alarmPeriod(target);
    const describe = (what: string) =>
      `streamprobe ${target.probeName}: ${what}. Runbook: ${target.runbookUrl}`;
    const name = (suffix: string) => `streamprobe-${target.probeName}-${suffix}`;

    const latency = new cloudwatch.Alarm(this, 'Latency', {
      alarmName: name('latency'),
      alarmDescription: describe(`end-to-end latency ${t.latencyStatistic} above ${t.endToEndLatency.toMilliseconds()} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`),
      metric: probeMetric(target, 'EndToEndLatency', t.latencyStatistic, period),
      threshold: t.endToEndLatency.toMilliseconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: t.evaluationPeriods,
      datapointsToAlarm: t.datapointsToAlarm,
      // No runs means no latency: the heartbeat alarm speaks for that.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const availability = new cloudwatch.Alarm(this, 'Availability', {
      alarmName: name('availability'),
      alarmDescription: describe(`end-to-end availability below ${t.availabilityPercent}% in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (failed runs count as 0)`),
      metric: probeMetric(target, 'EndToEndAvailability', 'Average', period),
      threshold: t.availabilityPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: t.evaluationPeriods,
      datapointsToAlarm: t.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const loss = new cloudwatch.Alarm(this, 'Loss', {
      alarmName: name('loss'),
      alarmDescription: describe(`more than ${t.lostMessages} acknowledged canary events lost (acks=all, not readable by the deadline)`),
      metric: probeMetric(target, 'MessagesLost', 'Sum', period),
      threshold: t.lostMessages,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const heartbeat = new cloudwatch.Alarm(this, 'Heartbeat', {
      alarmName: name('heartbeat'),
      alarmDescription: describe('the probe stopped reporting: no run in two heartbeat periods'),
      metric: probeMetric(target, 'RunSucceeded', 'SampleCount', heartbeatPeriod(target)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // A probe that stopped publishes nothing at all: missing data is the failure.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // Any Lambda failure in 2 of 3 periods: one blip (a cold-start hiccup) does not page.
    const lambdaAlarm = (id: string, suffix: string, what: string, metric: cloudwatch.IMetric) =>
      new cloudwatch.Alarm(this, id, {
        alarmName: name(suffix),
        alarmDescription: describe(what),
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const lambdaErrors = lambdaAlarm('LambdaErrors', 'lambda-errors', 'the probe Lambda failed (crash, init error or timeout)',
      fn.metricErrors({ period, statistic: 'Sum' }));
    const lambdaThrottles = lambdaAlarm('LambdaThrottles', 'lambda-throttles', 'the probe Lambda was throttled (a run still going when the next began)',
      fn.metricThrottles({ period, statistic: 'Sum' }));
    const children = [latency, availability, loss, heartbeat, lambdaErrors, lambdaThrottles];
    const composite = new cloudwatch.CompositeAlarm(this, 'Composite', {
      compositeAlarmName: name('pipeline'),
      alarmDescription: describe('the Kafka pipeline or its probe is unhealthy; see which child alarm is in ALARM'),
      alarmRule: cloudwatch.AlarmRule.anyOf(...children.map((c) => cloudwatch.AlarmRule.fromAlarm(alarmByName(this, c), cloudwatch.AlarmState.ALARM))),
    });
    // The rule names the children by ARN string, so CloudFormation needs the order spelled out.
    composite.node.addDependency(...children);
    this.alarms = { latency, availability, loss, heartbeat, lambdaErrors, lambdaThrottles, composite };
  }

  /** Child alarms notify (ALARM and OK) without paging; the composite pages. */
  wireActions(notify: cloudwatch.IAlarmAction, page: cloudwatch.IAlarmAction): void {
    const { composite, ...children } = this.alarms;
    for (const alarm of Object.values(children)) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    composite.addAlarmAction(page);
    composite.addOkAction(page);
  }
}
