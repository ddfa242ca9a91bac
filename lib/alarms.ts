/**
 * The alarms of one target, built from the metrics contract, so an alarm can only watch a metric the probe
 * publishes. Child alarms notify (a non-paging topic); one composite alarm per target pages, once per
 * incident. The design, and the drill that proves it, are in the README ("What pages whom").
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { DIMENSIONS, METRICS, OUTCOME_HISTORY_RUNS, type MetricName } from '../lambda/metrics-contract';
import { ALARM_NAME_PREFIX } from './alarm-topic';
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

const { GREATER_THAN_THRESHOLD: ABOVE, LESS_THAN_THRESHOLD: BELOW, GREATER_THAN_OR_EQUAL_TO_THRESHOLD: AT_LEAST } = cloudwatch.ComparisonOperator;
const { IGNORE, BREACHING, NOT_BREACHING } = cloudwatch.TreatMissingData;
/** Steady periods the unstable alarm waits for before it clears. */
export const UNSTABLE_HOLD_PERIODS = 10;

export class ProbeAlarms extends Construct {
  readonly alarms: TargetAlarms;
  private readonly notifying: cloudwatch.Alarm[] = [];
  private readonly silent: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, private readonly target: ResolvedTarget, fn: lambda.IFunction) {
    super(scope, id);
    const t = target.thresholds;
    const period = alarmPeriod(target);
    const mOfN = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm };
    const once = { evaluationPeriods: 1, datapointsToAlarm: 1 };
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
        m('MessagesLost', 'Sum'), t.lostMessages, ABOVE, once, NOT_BREACHING),
      // Silence is the failure here (missing data breaching). CloudWatch looks back past N periods while real
      // datapoints remain there, so 3 of 3 waits 5 intervals; 2 of 2 pages 4 intervals after the last run,
      // never for one skipped interval, and needs no warm-up after the first run (1 of 3 would).
      stopped: this.alarm('Stopped', 'stopped', 'the probe published no run for 4 schedule intervals',
        m('RunSucceeded', 'SampleCount'), 1, BELOW, { evaluationPeriods: 2, datapointsToAlarm: 2 }, BREACHING, { silent: true }),
      // INSUFFICIENT_DATA until the first run ever, then OK for good (ignore keeps it): gates "stopped", so a
      // fresh deployment, which has published nothing yet, does not page.
      hasRun: this.alarm('HasRun', 'has-run', 'gate of the stopped alarm: OK once the probe has published a run',
        m('RunSucceeded', 'SampleCount'), 1, BELOW, once, IGNORE, { silent: true }),
      lambdaErrors: this.alarm('LambdaErrors', 'lambda-errors', 'the probe Lambda failed (crash, init error or timeout) in 2 of 3 periods',
        fn.metricErrors({ period, statistic: 'Sum' }), 0, ABOVE, { evaluationPeriods: 3, datapointsToAlarm: 2 }, IGNORE),
      lambdaThrottles: this.alarm('LambdaThrottles', 'lambda-throttles', 'the probe Lambda was throttled (a run still going when the next began) in 2 of 3 periods',
        fn.metricThrottles({ period, statistic: 'Sum' }), 0, ABOVE, { evaluationPeriods: 3, datapointsToAlarm: 2 }, IGNORE),
    };
    const counter = (name: MetricName) => m(name, 'Sum');
    const notifying: NotifyingAlarms = {
      duplicates: this.alarm('Duplicates', 'duplicates', 'canary events were read more than once at different offsets', counter('MessagesDuplicated'), 0, ABOVE, once, NOT_BREACHING),
      outOfOrder: this.alarm('OutOfOrder', 'out-of-order', 'canary events of one partition were read out of order', counter('MessagesOutOfOrder'), 0, ABOVE, once, NOT_BREACHING),
      corrupt: this.alarm('Corrupt', 'corrupt', 'canary events failed their checksum', counter('MessagesCorrupt'), 0, ABOVE, once, NOT_BREACHING),
      late: this.alarm('Late', 'late', 'canary events arrived after their run\'s deadline (slow, not lost)', counter('MessagesLate'), 0, ABOVE, once, NOT_BREACHING),
      brokerMissing: this.alarm('BrokerMissing', 'broker-missing', 'the cluster lists fewer brokers than it should (expectedBrokers, or the most the probe has seen)', m('BrokersMissing', 'Maximum'), 0, ABOVE, mOfN, NOT_BREACHING),
      leaderless: this.alarm('Leaderless', 'leaderless-broker', 'a broker leads no canary partition, so its latency is not measured', m('BrokersWithoutCanaryLeader', 'Maximum'), 0, ABOVE, mOfN, NOT_BREACHING),
      metricsFallback: this.alarm('MetricsFallback', 'metrics-fallback', 'PutMetricData failed; metrics reached CloudWatch through EMF log lines', counter('MetricsFallback'), 0, ABOVE, once, NOT_BREACHING),
      slowRuns: this.alarm('SlowRuns', 'slow-runs', `runs took more than 80% of their ${target.runTimeout.toSeconds()} s budget in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        m('RunDuration', 'Maximum'), Math.round(target.runTimeout.toMilliseconds() * 0.8), ABOVE, mOfN, NOT_BREACHING),
    };

    const ref = (a: cloudwatch.Alarm, state = cloudwatch.AlarmState.ALARM) => cloudwatch.AlarmRule.fromAlarm(alarmByName(this, a), state);
    const { stopped, hasRun, ...direct } = paging;
    const composite = new cloudwatch.CompositeAlarm(this, 'Composite', {
      compositeAlarmName: this.name('pipeline'),
      alarmDescription: this.describe('the Kafka pipeline or its probe is unhealthy; the child alarm in ALARM says which'),
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...Object.values(direct).map((a) => ref(a)),
        cloudwatch.AlarmRule.allOf(ref(stopped), ref(hasRun, cloudwatch.AlarmState.OK)),
      ),
    });
    // The rule names the children by ARN string, so CloudFormation needs the order spelled out.
    composite.node.addDependency(...Object.values(paging));
    this.alarms = { ...paging, ...notifying, composite };
  }

  private name(suffix: string): string {
    return `${ALARM_NAME_PREFIX}${this.target.probeName}-${suffix}`;
  }

  private describe(what: string): string {
    return `streamprobe ${this.target.probeName}: ${what}. Runbook: ${this.target.runbookUrl}`;
  }

  private alarm(
    id: string, suffix: string, what: string, metric: cloudwatch.IMetric, threshold: number,
    comparisonOperator: cloudwatch.ComparisonOperator, periods: { evaluationPeriods: number; datapointsToAlarm: number },
    treatMissingData: cloudwatch.TreatMissingData, options: { silent?: boolean } = {},
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: this.name(suffix), alarmDescription: this.describe(what), metric, threshold, comparisonOperator, treatMissingData, ...periods,
    });
    (options.silent ? this.silent : this.notifying).push(alarm);
    return alarm;
  }

  /** Child alarms notify (ALARM and OK) without paging; the composite pages. The heartbeat's parts stay silent. */
  wireActions(notify: cloudwatch.IAlarmAction, page: cloudwatch.IAlarmAction): void {
    for (const alarm of this.notifying) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    this.alarms.composite.addAlarmAction(page);
    this.alarms.composite.addOkAction(page);
  }
}
