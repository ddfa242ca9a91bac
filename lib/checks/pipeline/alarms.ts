/** A pipeline canary's alarms: what pages (through one composite) and what only notifies. */
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DIMENSIONS, type MetricName } from '../../../lambda/metrics-contract';
import {
  ABOVE,
  AlarmKit,
  alarmPeriod,
  BELOW,
  contractMetric,
  type FailureWindows,
  filled,
  type Heartbeat,
  IGNORE,
  IN_LAST_TWO,
  type LevelAlarms,
  NOT_BREACHING,
  ONCE,
  periodsIn,
} from '../../common/alarm-kit';
import type { ResolvedPipeline } from './props';

export interface PipelineAlarms {
  readonly latency: cloudwatch.Alarm;
  readonly latencySevere: LevelAlarms;
  readonly failures: FailureWindows;
  readonly loss: cloudwatch.Alarm;
  readonly availability: cloudwatch.Alarm;
  readonly heartbeat: Heartbeat;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly late: cloudwatch.Alarm;
  readonly duplicated: cloudwatch.Alarm;
  readonly unexpected: cloudwatch.Alarm;
  readonly composite: cloudwatch.CompositeAlarm;
}

export class PipelineAlarmSet extends AlarmKit {
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, p: ResolvedPipeline, scheduled: { function: lambda.IFunction; rule?: events.IRule }) {
    super(scope, id, { kind: 'pipeline', name: p.name, runbookUrl: p.runbookUrl });
    const t = p.thresholds;
    const period = alarmPeriod(p.schedule);
    const m = (name: MetricName, statistic: string) => contractMetric(p.namespace, name, { [DIMENSIONS.pipeline]: p.name }, statistic, period);
    const mOfN = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm };
    // Above the threshold for latencyFor, or twice it in 3 runs in a row: latency wandering around the
    // threshold for an hour is ordinary.
    const latency = this.slowOrFar({
      id: 'Latency',
      name: 'latency',
      subject: `pipeline latency ${t.latencyStatistic}`,
      periodsAre: 'runs',
      metric: m('PipelineLatency', t.latencyStatistic),
      thresholdMs: t.latencyMs,
      sustained: periodsIn(t.latencyFor, period),
    });
    const direct = {
      latency: latency.sustained,
      latencySevere: latency.severe,
      // Lost means the deadline passed without the expected outputs: the application stopped or dropped it.
      loss: this.alarm({
        id: 'Loss',
        name: 'loss',
        what: `more than ${t.lostCanaries} canaries without their outputs by their ${p.deadline.toSeconds()} s deadline (${p.inputTopic} to ${p.outputTopic})`,
        metric: filled(m('PipelineCanariesLost', 'Sum'), 'canaries lost'),
        threshold: t.lostCanaries,
        comparison: ABOVE,
        periods: IN_LAST_TWO,
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
      failures: this.failureWindows(m('PipelineRunSucceeded', 'Minimum'), 1, 'runs', period),
      ...this.lambdaAlarms(scheduled.function, period),
    };
    const heartbeat = this.heartbeat(
      m('PipelineRunSucceeded', 'Maximum'),
      m('PipelineRunSucceeded', 'SampleCount'),
      'the pipeline canary',
      scheduled.rule,
      period,
    );
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
      [
        direct.latency,
        this.levelRule(direct.latencySevere),
        direct.loss,
        direct.availability,
        this.failureRule(direct.failures),
        direct.lambdaErrors,
        this.heartbeatRule(heartbeat),
      ],
    );
    this.alarms = { ...direct, heartbeat, ...notifying, composite };
  }
}
