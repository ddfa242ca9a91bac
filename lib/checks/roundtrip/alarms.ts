/**
 * The alarms of one target, built from the metrics contract, so an alarm can only watch a metric the probe
 * publishes. Child alarms notify (a non-paging topic); one composite alarm per target pages, once per
 * incident. The design, and the drill that proves it, are in the README ("What pages whom").
 */
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DIMENSIONS, OUTCOME_HISTORY_RUNS, type MetricName } from '../../../lambda/metrics-contract';
import { ABOVE, AT_LEAST, AlarmKit, BELOW, IGNORE, NOT_BREACHING, ONCE, contractMetric } from '../../common/alarm-kit';

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
}

export type TargetAlarms = PagingAlarms & NotifyingAlarms & { readonly composite: cloudwatch.CompositeAlarm };

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
      latency: this.alarm('Latency', 'latency', `end-to-end latency ${t.latencyStatistic} above ${latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        m('EndToEndLatency', t.latencyStatistic), latencyMs, ABOVE, mOfN, IGNORE),
      slowBroker: this.alarm('SlowBroker', 'slow-broker', `the slowest leader broker's median end-to-end latency above ${latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (one slow broker, whatever the cluster size)`,
        m('SlowestBrokerLatency', 'Maximum'), latencyMs, ABOVE, mOfN, IGNORE),
      availability: this.alarm('Availability', 'availability', `end-to-end availability below ${t.availabilityPercent}% in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (failed runs count as 0)`,
        m('EndToEndAvailability', 'Average'), t.availabilityPercent, BELOW, mOfN, IGNORE),
      // Holds the page while failures come and go: a hard fault changes the outcome twice (down, up) and
      // clears in minutes; intermittent failure keeps changing it, and 3 good runs in a row prove nothing.
      // 1 of N is the hysteresis: it fires on the first unsteady reading and clears only after N steady ones,
      // so a quiet spell inside intermittent failure (a third of runs failing go 13 runs clean about once
      // an hour) does not end the incident and page again.
      unstable: this.alarm('Unstable', 'unstable', `run outcomes changed ${t.unstableOutcomeChanges} or more times in the last ${OUTCOME_HISTORY_RUNS} runs (intermittent failure); clears after ${UNSTABLE_HOLD_PERIODS} steady periods`,
        m('RunOutcomeChanges', 'Maximum'), t.unstableOutcomeChanges, AT_LEAST, { evaluationPeriods: UNSTABLE_HOLD_PERIODS, datapointsToAlarm: 1 }, IGNORE),
      loss: this.alarm('Loss', 'loss', `more than ${t.lostMessages} acknowledged canary events confirmed lost (acks=all, still unread a full run after their own)`,
        m('MessagesLost', 'Sum'), t.lostMessages, ABOVE, ONCE, NOT_BREACHING),
      ...this.heartbeat(m('RunSucceeded', 'SampleCount'), 'the probe'),
      ...this.lambdaAlarms(fn, period),
    };
    const counter = (name: MetricName) => m(name, 'Sum');
    const notifying: NotifyingAlarms = {
      duplicates: this.alarm('Duplicates', 'duplicates', 'canary events were read more than once at different offsets', counter('MessagesDuplicated'), 0, ABOVE, ONCE, NOT_BREACHING),
      outOfOrder: this.alarm('OutOfOrder', 'out-of-order', 'canary events of one partition were read out of order', counter('MessagesOutOfOrder'), 0, ABOVE, ONCE, NOT_BREACHING),
      corrupt: this.alarm('Corrupt', 'corrupt', 'canary events failed their checksum', counter('MessagesCorrupt'), 0, ABOVE, ONCE, NOT_BREACHING),
      late: this.alarm('Late', 'late', 'canary events arrived after their run\'s deadline (slow, not lost)', counter('MessagesLate'), 0, ABOVE, ONCE, NOT_BREACHING),
      brokerMissing: this.alarm('BrokerMissing', 'broker-missing', 'the cluster lists fewer brokers than it should (expectedBrokers, or the most the probe has seen)', m('BrokersMissing', 'Maximum'), 0, ABOVE, mOfN, NOT_BREACHING),
      leaderless: this.alarm('Leaderless', 'leaderless-broker', 'a broker leads no canary partition, so its latency is not measured', m('BrokersWithoutCanaryLeader', 'Maximum'), 0, ABOVE, mOfN, NOT_BREACHING),
      metricsFallback: this.alarm('MetricsFallback', 'metrics-fallback', 'PutMetricData failed; metrics reached CloudWatch through EMF log lines', counter('MetricsFallback'), 0, ABOVE, ONCE, NOT_BREACHING),
      slowRuns: this.alarm('SlowRuns', 'slow-runs', `runs took more than 80% of their ${target.runTimeout.toSeconds()} s budget in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        m('RunDuration', 'Maximum'), Math.round(target.runTimeout.toMilliseconds() * 0.8), ABOVE, mOfN, NOT_BREACHING),
    };

    const { stopped, hasRun, ...direct } = paging;
    const composite = this.pagingComposite('pages', 'the Kafka pipeline or its probe is unhealthy; the child alarm in ALARM says which', Object.values(direct), { stopped, hasRun });
    this.alarms = { ...paging, ...notifying, composite };
  }

}
