/** A pipeline canary's alarms: what pages (through one composite) and what only notifies. */
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DIMENSIONS, type MetricName } from '../../../lambda/metrics-contract';
import { ABOVE, AlarmKit, BELOW, contractMetric, IGNORE, NOT_BREACHING, ONCE } from '../../common/alarm-kit';
import type { ResolvedPipeline } from './props';

export interface PipelineAlarms {
  readonly latency: cloudwatch.Alarm;
  readonly loss: cloudwatch.Alarm;
  readonly availability: cloudwatch.Alarm;
  readonly stopped: cloudwatch.Alarm;
  readonly hasRun: cloudwatch.Alarm;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly lambdaThrottles: cloudwatch.Alarm;
  readonly late: cloudwatch.Alarm;
  readonly duplicated: cloudwatch.Alarm;
  readonly unexpected: cloudwatch.Alarm;
  readonly composite: cloudwatch.CompositeAlarm;
}

export class PipelineAlarmSet extends AlarmKit {
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, p: ResolvedPipeline, fn: lambda.IFunction) {
    super(scope, id, { kind: 'pipeline', name: p.name, runbookUrl: p.runbookUrl });
    const t = p.thresholds;
    const period = Duration.seconds(Math.max(60, p.schedule.toSeconds()));
    const m = (name: MetricName, statistic: string) => contractMetric(p.namespace, name, { [DIMENSIONS.pipeline]: p.name }, statistic, period);
    const mOfN = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm };
    const direct = {
      latency: this.alarm({
        id: 'Latency',
        name: 'latency',
        what: `pipeline latency ${t.latencyStatistic} above ${t.latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        metric: m('PipelineLatency', t.latencyStatistic),
        threshold: t.latencyMs,
        comparison: ABOVE,
        periods: mOfN,
        missing: IGNORE,
      }),
      // Lost means the deadline passed without the expected outputs: the application stopped or dropped it.
      loss: this.alarm({
        id: 'Loss',
        name: 'loss',
        what: `more than ${t.lostCanaries} canaries without their outputs by their ${p.deadline.toSeconds()} s deadline (${p.inputTopic} to ${p.outputTopic})`,
        metric: m('PipelineCanariesLost', 'Sum'),
        threshold: t.lostCanaries,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      availability: this.alarm({
        id: 'Availability',
        name: 'availability',
        what: `pipeline availability below ${t.availabilityPercent}% in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (runs that could not send count as 0)`,
        metric: m('PipelineAvailability', 'Average'),
        threshold: t.availabilityPercent,
        comparison: BELOW,
        periods: mOfN,
        missing: IGNORE,
      }),
      ...this.lambdaAlarms(fn, period),
    };
    const heartbeat = this.heartbeat(m('PipelineRunSucceeded', 'SampleCount'), 'the pipeline canary');
    const notifying = {
      late: this.alarm({
        id: 'Late',
        name: 'late',
        what: 'canaries came out after their own run, within their deadline (slow, not lost)',
        metric: m('PipelineCanariesLate', 'Sum'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      duplicated: this.alarm({
        id: 'Duplicated',
        name: 'duplicated',
        what: 'canaries came out more often than expected',
        metric: m('PipelineCanariesDuplicated', 'Sum'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      unexpected: this.alarm({
        id: 'Unexpected',
        name: 'unexpected',
        what: 'outputs of canaries that should have been filtered out, or that no run sent',
        metric: m('PipelineUnexpectedOutputs', 'Sum'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
    };
    const composite = this.pagingComposite(
      'pages',
      `the pipeline ${p.inputTopic} to ${p.outputTopic} or its canary is unhealthy; the child alarm in ALARM says which`,
      Object.values(direct),
      heartbeat,
    );
    this.alarms = { ...direct, ...heartbeat, ...notifying, composite };
  }
}
