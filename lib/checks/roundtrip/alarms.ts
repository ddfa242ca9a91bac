/**
 * The alarms of one target, built from the metrics contract, so an alarm can only watch a metric the probe
 * publishes. Child alarms notify (a non-paging topic); one composite alarm per target pages, once per
 * incident. The design, and the drill that proves it, are in the README ("What pages whom").
 */
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DIMENSIONS, type MetricName, OUTCOME_HISTORY_RUNS } from '../../../lambda/metrics-contract';
import { ABOVE, AlarmKit, AT_LEAST, BELOW, contractMetric, IGNORE, NOT_BREACHING, ONCE } from '../../common/alarm-kit';

import type { ResolvedTarget } from './props';

export function probeMetric(target: ResolvedTarget, name: MetricName, statistic: string, period: Duration): cloudwatch.Metric {
  return contractMetric(target.namespace, name, { [DIMENSIONS.probe]: target.probeName }, statistic, period);
}

/** Alarm periods: the schedule interval, never less than a minute (standard resolution). */
export function alarmPeriod(target: ResolvedTarget): Duration {
  return Duration.seconds(Math.max(60, target.schedule.toSeconds()));
}

/** Alarms whose ALARM pages on-call (through the composite). */
export interface PagingAlarms {
  readonly latency: cloudwatch.Alarm;
  readonly slowBroker: cloudwatch.Alarm;
  readonly availability: cloudwatch.Alarm;
  readonly unstable: cloudwatch.Alarm;
  readonly loss: cloudwatch.Alarm;
  readonly stopped: cloudwatch.Alarm;
  readonly hasRun: cloudwatch.Alarm;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly lambdaThrottles: cloudwatch.Alarm;
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

export type TargetAlarms = PagingAlarms & NotifyingAlarms & { readonly composite: cloudwatch.CompositeAlarm };

/** The share of the run budget above which a run is slow: below the 75% at which measuring stops (core/budget). */
export const SLOW_RUN_SHARE = 0.7;

/** Steady periods the unstable alarm waits for before it clears. */
export const UNSTABLE_HOLD_PERIODS = 10;

export class ProbeAlarms extends AlarmKit {
  readonly alarms: TargetAlarms;

  constructor(scope: Construct, id: string, target: ResolvedTarget, fn: lambda.IFunction) {
    super(scope, id, { kind: 'roundtrip', name: target.probeName, runbookUrl: target.runbookUrl });
    const t = target.thresholds;
    const period = alarmPeriod(target);
    const mOfN = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm };
    const latencyMs = t.endToEndLatency.toMilliseconds();
    const m = (name: MetricName, statistic: string) => probeMetric(target, name, statistic, period);

    // Missing data keeps the state (ignore) on every signal a run always publishes: a run that failed or
    // never ran says nothing about latency or availability, so an alarm neither clears nor fires on silence.
    // The heartbeat speaks for silence; this is what keeps the composite in ALARM when Kafka is down and the
    // probe then stops. Loss is published only when non-zero (a custom metric is billed for the hours it has
    // data): for it missing means zero. Outcome changes stay dense: sparse, CloudWatch would look back past
    // the hold for older readings and clear the unstable alarm two minutes later.
    const paging: PagingAlarms = {
      latency: this.alarm({
        id: 'Latency',
        name: 'latency',
        what: `end-to-end latency ${t.latencyStatistic} above ${latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        metric: m('EndToEndLatency', t.latencyStatistic),
        threshold: latencyMs,
        comparison: ABOVE,
        periods: mOfN,
        missing: IGNORE,
      }),
      slowBroker: this.alarm({
        id: 'SlowBroker',
        name: 'slow-broker',
        what: `the slowest leader broker's median end-to-end latency above ${latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (one slow broker, whatever the cluster size)`,
        metric: m('SlowestBrokerLatency', 'Maximum'),
        threshold: latencyMs,
        comparison: ABOVE,
        periods: mOfN,
        missing: IGNORE,
      }),
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
      // Holds the page while failures come and go: a hard fault changes the outcome twice (down, up) and
      // clears in minutes; intermittent failure keeps changing it, and 3 good runs in a row prove nothing.
      // 1 of N is the hysteresis: it fires on the first unsteady reading and clears only after N steady ones,
      // so a quiet spell inside intermittent failure (a third of runs failing go 13 runs clean about once
      // an hour) does not end the incident and page again.
      unstable: this.alarm({
        id: 'Unstable',
        name: 'unstable',
        what: `run outcomes changed ${t.unstableOutcomeChanges} or more times in the last ${OUTCOME_HISTORY_RUNS} runs (intermittent failure); clears after ${UNSTABLE_HOLD_PERIODS} steady periods`,
        metric: m('RunOutcomeChanges', 'Maximum'),
        threshold: t.unstableOutcomeChanges,
        comparison: AT_LEAST,
        periods: { evaluationPeriods: UNSTABLE_HOLD_PERIODS, datapointsToAlarm: 1 },
        missing: IGNORE,
      }),
      loss: this.alarm({
        id: 'Loss',
        name: 'loss',
        what: `more than ${t.lostMessages} acknowledged canary events confirmed lost (acks=all, still unread a full run after their own)`,
        metric: m('MessagesLost', 'Sum'),
        threshold: t.lostMessages,
        comparison: ABOVE,
        periods: ONCE,
        missing: NOT_BREACHING,
      }),
      ...this.heartbeat(m('RunSucceeded', 'SampleCount'), 'the probe'),
      ...this.lambdaAlarms(fn, period),
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

    const { stopped, hasRun, ...direct } = paging;
    const composite = this.pagingComposite(
      'pages',
      'the Kafka pipeline or its probe is unhealthy; the child alarm in ALARM says which',
      Object.values(direct),
      { stopped, hasRun },
    );
    this.alarms = { ...paging, ...notifying, composite };
  }
}
