/**
 * The alarms of one target, built from the metrics contract, so an alarm can only watch a metric the probe
 * publishes. Child alarms notify (a non-paging topic); one composite alarm per target pages, once per
 * incident. The design, and the drill that proves it, are in the README ("What pages whom").
 */
import type { Duration } from 'aws-cdk-lib';
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
} from '../../common/alarm-kit';

import type { ResolvedTarget } from './props';

export function probeMetric(target: ResolvedTarget, name: MetricName, statistic: string, period: Duration): cloudwatch.Metric {
  return contractMetric(target.namespace, name, { [DIMENSIONS.probe]: target.probeName }, statistic, period);
}

/** Alarms whose ALARM pages on-call (through the composite). */
export interface PagingAlarms {
  readonly latency: LevelAlarms;
  readonly slowBroker: LevelAlarms;
  readonly availability: cloudwatch.Alarm;
  readonly failures: FailureWindows;
  readonly loss: cloudwatch.Alarm;
  readonly heartbeat: Heartbeat;
  readonly lambdaErrors: cloudwatch.Alarm;
}

/** Alarms that only notify: integrity signals worth a look, not a page. */
export interface NotifyingAlarms {
  readonly duplicates: cloudwatch.Alarm;
  readonly outOfOrder: cloudwatch.Alarm;
  readonly corrupt: cloudwatch.Alarm;
  readonly late: cloudwatch.Alarm;
  readonly brokerMissing: cloudwatch.Alarm;
  readonly leaderless: cloudwatch.Alarm;
  readonly metricsFallback: cloudwatch.Alarm;
  readonly slowRuns: cloudwatch.Alarm;
  readonly offsetCommits: cloudwatch.Alarm;
}

/** Every alarm of a round trip, and the composite that pages. */
export interface TargetAlarms extends PagingAlarms, NotifyingAlarms {
  readonly composite: cloudwatch.CompositeAlarm;
}

/** The share of the run budget above which a run is slow: below the 75% at which measuring stops (core/budget). */
export const SLOW_RUN_SHARE = 0.7;

/** A run that brought back less than this share of its events (percent) failed; a late event or two does not. */
export const FAILED_RUN_BELOW_PERCENT = 50;

/** Latency pages clear only below this share of the threshold. */
export const LATENCY_CLEAR_SHARE = 0.8;

export class ProbeAlarms extends AlarmKit {
  readonly alarms: TargetAlarms;

  constructor(scope: Construct, id: string, target: ResolvedTarget, scheduled: { function: lambda.IFunction; rule?: events.IRule }) {
    super(scope, id, { kind: 'roundtrip', name: target.probeName, runbookUrl: target.runbookUrl });
    const t = target.thresholds;
    const period = alarmPeriod(target.schedule);
    const mOfN = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm };
    const latencyMs = t.endToEndLatency.toMilliseconds();
    const m = (name: MetricName, statistic: string) => probeMetric(target, name, statistic, period);

    // Missing data keeps the state (ignore) on every signal a run always publishes: a run that failed or
    // never ran says nothing about latency or availability, so an alarm neither clears nor fires on silence.
    // The heartbeat speaks for silence. Loss is published only when non-zero (a custom metric is billed for
    // the hours it has data): its alarm reads silence as 0.
    const paging: PagingAlarms = {
      latency: this.level({
        id: 'Latency',
        name: 'latency',
        what: `end-to-end latency ${t.latencyStatistic} above ${latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods; clears below ${latencyMs * LATENCY_CLEAR_SHARE} ms`,
        metric: m('EndToEndLatency', t.latencyStatistic),
        threshold: latencyMs,
        enter: mOfN,
        hold: { nearShare: LATENCY_CLEAR_SHARE },
      }),
      slowBroker: this.level({
        id: 'SlowBroker',
        name: 'slow-broker',
        what: `the slowest leader broker's median end-to-end latency above ${latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (one slow broker, whatever the cluster size); clears below ${latencyMs * LATENCY_CLEAR_SHARE} ms`,
        metric: m('SlowestBrokerLatency', 'Maximum'),
        threshold: latencyMs,
        enter: mOfN,
        hold: { nearShare: LATENCY_CLEAR_SHARE },
      }),
      // Sustained: a rolling restart delays a run's events now and then, never three runs in a row.
      availability: this.alarm({
        id: 'Availability',
        name: 'availability',
        what: `end-to-end availability below ${t.availabilityPercent}% in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (failed runs count as 0)`,
        metric: m('EndToEndAvailability', 'Average'),
        threshold: t.availabilityPercent,
        comparison: BELOW,
        periods: mOfN,
        missing: IGNORE,
      }),
      failures: this.failureWindows(
        m('EndToEndAvailability', 'Minimum'),
        FAILED_RUN_BELOW_PERCENT,
        `runs (less than ${FAILED_RUN_BELOW_PERCENT}% of events back)`,
        period,
      ),
      loss: this.alarm({
        id: 'Loss',
        name: 'loss',
        what: `more than ${t.lostMessages} acknowledged canary events confirmed lost (acks=all, still unread a full run after their own)`,
        metric: filled(m('MessagesLost', 'Sum'), 'events lost'),
        threshold: t.lostMessages,
        comparison: ABOVE,
        periods: IN_LAST_TWO,
        missing: NOT_BREACHING,
      }),
      heartbeat: this.heartbeat(m('RunSucceeded', 'Maximum'), m('RunSucceeded', 'SampleCount'), 'the probe', scheduled.rule, period),
      ...this.lambdaAlarms(scheduled.function, period),
    };
    const counter = (name: MetricName) => m(name, 'Sum');
    const notifying: NotifyingAlarms = {
      duplicates: this.alarm({
        id: 'Duplicates',
        name: 'duplicates',
        what: 'canary events were read more than once at different offsets',
        metric: counter('MessagesDuplicated'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      outOfOrder: this.alarm({
        id: 'OutOfOrder',
        name: 'out-of-order',
        what: 'canary events of one partition were read out of order',
        metric: counter('MessagesOutOfOrder'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      corrupt: this.alarm({
        id: 'Corrupt',
        name: 'corrupt',
        what: 'canary events failed their checksum',
        metric: counter('MessagesCorrupt'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      late: this.alarm({
        id: 'Late',
        name: 'late',
        what: "canary events arrived after their run's deadline (slow, not lost)",
        metric: counter('MessagesLate'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      brokerMissing: this.alarm({
        id: 'BrokerMissing',
        name: 'broker-missing',
        what: 'the cluster lists fewer brokers than it should (expectedBrokers, or the most the probe has seen)',
        metric: m('BrokersMissing', 'Maximum'),
        threshold: 0,
        comparison: ABOVE,
        periods: mOfN,
        missing: NOT_BREACHING,
      }),
      leaderless: this.alarm({
        id: 'Leaderless',
        name: 'leaderless-broker',
        what: 'a broker leads no canary partition, so its latency is not measured',
        metric: m('BrokersWithoutCanaryLeader', 'Maximum'),
        threshold: 0,
        comparison: ABOVE,
        periods: mOfN,
        missing: NOT_BREACHING,
      }),
      metricsFallback: this.alarm({
        id: 'MetricsFallback',
        name: 'metrics-fallback',
        what: 'PutMetricData failed; metrics reached CloudWatch through EMF log lines',
        metric: counter('MetricsFallback'),
        threshold: 0,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      // Measuring stops at 75% of the budget (the rest is for reporting): a run over 70% used nearly all of
      // its measuring time. At 80%, as before, it could never fire.
      slowRuns: this.alarm({
        id: 'SlowRuns',
        name: 'slow-runs',
        what: `runs took more than 70% of their ${target.runTimeout.toSeconds()} s budget (measuring stops at 75%) in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        metric: m('RunDuration', 'Maximum'),
        threshold: Math.round(target.runTimeout.toMilliseconds() * SLOW_RUN_SHARE),
        comparison: ABOVE,
        periods: mOfN,
        missing: NOT_BREACHING,
      }),
      // The coordinator path consumers depend on: a commit failing now and then (a coordinator moving in a
      // rolling restart) is ordinary; failing in most runs is worth a look before consumers fall behind.
      offsetCommits: this.alarm({
        id: 'OffsetCommits',
        name: 'offset-commits',
        what: `the probe's offset commits (group coordinator) failed or took over 3 s in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        metric: counter('OffsetCommitErrors'),
        threshold: 0,
        comparison: ABOVE,
        periods: mOfN,
        missing: NOT_BREACHING,
      }),
    };

    const composite = this.pagingComposite('pages', 'the Kafka pipeline or its probe is unhealthy; the child alarm in ALARM says which', [
      this.levelRule(paging.latency),
      this.levelRule(paging.slowBroker),
      paging.availability,
      this.failureRule(paging.failures),
      paging.loss,
      this.heartbeatRule(paging.heartbeat),
      paging.lambdaErrors,
    ]);
    this.alarms = { ...paging, ...notifying, composite };
  }
}
