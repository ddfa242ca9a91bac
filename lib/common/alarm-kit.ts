/**
 * How every check's alarms are made and wired, whatever the check (canary, pipeline, lag): fixed names
 * under one prefix, a description that links the runbook, child alarms that notify, a heartbeat gated so
 * a fresh deployment does not page, and one composite per check that pages once per incident.
 */
import { Annotations, ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { CHECK_LABELS, type CheckKind } from '../../lambda/contract';
import { METRICS, type MetricName } from '../../lambda/metrics-contract';
import { guardAlarmNames } from './alarm-names';
import { ALARM_NAME_PREFIX } from './alarm-topic';

export const { GREATER_THAN_THRESHOLD: ABOVE, LESS_THAN_THRESHOLD: BELOW, GREATER_THAN_OR_EQUAL_TO_THRESHOLD: AT_LEAST } = cloudwatch.ComparisonOperator;
export const { IGNORE, BREACHING, NOT_BREACHING } = cloudwatch.TreatMissingData;
export const ONCE = { evaluationPeriods: 1, datapointsToAlarm: 1 };

/** Where the maintenance alarms' metric would be, if anything published it (nothing does: see maintenanceAlarm). */
export const MAINTENANCE_NAMESPACE = 'StreamProbe/Maintenance';
/** For a filled counter: the newest period may still be empty (so 0) when CloudWatch judges it. */
export const IN_LAST_TWO = { evaluationPeriods: 2, datapointsToAlarm: 1 };

/** Where a check's alarms go: the same two topics for the canary, a pipeline and a lag check. */
export interface AlarmTopicProps {
  /** Pages on-call: the composite alarm's ALARM and OK actions, and nothing else. Without it nothing pages (synth warns). */
  readonly pagingTopic?: sns.ITopic;
  /**
   * Receives every other alarm's ALARM and OK (chat, tickets); never pages. Without it those alarms notify
   * nobody (synth warns): they are never sent to the paging topic, where one late event would page.
   */
  readonly notificationTopic?: sns.ITopic;
}

/** One alarm, by what it watches and when it fires. */
export interface AlarmSpec {
  /** Construct id, unique within the check. */
  readonly id: string;
  /** The end of the alarm's name: streamprobe-<kind>-<check>-<name>. */
  readonly name: string;
  /** What the alarm means, for its description (the runbook link is added). */
  readonly what: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly comparison: cloudwatch.ComparisonOperator;
  /** M of N: datapoints that must breach among the periods evaluated. */
  readonly periods: Periods;
  /** What missing data means: keep the state (ignore), breaching, or not breaching. */
  readonly missing: cloudwatch.TreatMissingData;
  /** Part of the composite's logic only: no notification of its own. */
  readonly silent?: boolean;
  /** Its runbook entry, `<kind>-<this>` (docs/RUNBOOK.md anchors). Default: `name`. */
  readonly runbook?: string;
}

export interface Periods {
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export interface Heartbeat {
  readonly stopped: cloudwatch.Alarm;
  readonly hasRun: cloudwatch.Alarm;
  readonly scheduled?: cloudwatch.Alarm;
}

/** Failed runs over windows of time: what pages intermittent failure (AlarmKit.failureWindows). */
export interface FailureWindows {
  readonly failedRuns: cloudwatch.Alarm;
  readonly failedLately: cloudwatch.Alarm;
  readonly failedWithin20: cloudwatch.Alarm;
  readonly onAndOff: cloudwatch.Alarm;
  readonly outage: cloudwatch.Alarm;
}

/** A value against a threshold (AlarmKit.level). */
export interface LevelSpec {
  readonly id: string;
  readonly name: string;
  readonly what: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  /** M of N above the threshold that fires `above`. */
  readonly enter: Periods;
  /** Hysteresis: the page clears only below `nearShare` of the threshold. */
  readonly hold?: { readonly nearShare: number };
  /** Its runbook entry, as AlarmSpec's; the hold's are `<this>-lately` and `<this>-near`. */
  readonly runbook?: string;
  /** `above` only decides the composite too: its ALARM alone means nothing to tell anyone. */
  readonly silent?: boolean;
}

/** The hold that keeps a level's page until it is well back under its threshold. */
export interface LevelHold {
  readonly aboveLately: cloudwatch.Alarm;
  readonly near: cloudwatch.Alarm;
}

export interface LevelAlarms {
  readonly above: cloudwatch.Alarm;
  readonly hold?: LevelHold;
}

/** A check's alarm period: its schedule interval, never less than a minute (standard resolution). */
export function alarmPeriod(schedule: Duration): Duration {
  return Duration.seconds(Math.max(60, schedule.toSeconds()));
}

/** Whole periods in `span`, at least one. */
export function periodsIn(span: Duration, period: Duration): number {
  return Math.max(1, Math.floor(span.toSeconds() / period.toSeconds()));
}

/** A value that pages when it stays above its threshold for a while, or goes far above it (AlarmKit.slowOrFar). */
export interface SlowOrFarSpec {
  readonly id: string;
  readonly name: string;
  /** What is measured, for the descriptions: "pipeline latency Maximum", "consumer group g: time lag". */
  readonly subject: string;
  /** What one period is: "runs", "checks". */
  readonly periodsAre: string;
  readonly metric: cloudwatch.IMetric;
  readonly thresholdMs: number;
  /** Periods in a row above the threshold that page. */
  readonly sustained: number;
  /** Said of the far path, after "in 3 ... in a row". */
  readonly farUnless?: string;
  /** The far path's `above` notifies nobody (LevelSpec.silent). */
  readonly farSilent?: boolean;
  /** Runbook entries as AlarmSpec's: `<runbook>` and `<runbook>-severe`. */
  readonly runbook?: string;
}

/** A metric of the contract, with the dimensions it is published with. */
export function contractMetric(
  namespace: string,
  name: MetricName,
  dimensions: Record<string, string>,
  statistic: string,
  period: Duration,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace,
    metricName: name,
    dimensionsMap: dimensions,
    statistic,
    period,
    unit: cloudwatch.Unit[METRICS[name].unit.toUpperCase() as keyof typeof cloudwatch.Unit],
  });
}

/**
 * A counter published only when non-zero, with every silent period read as 0. Alarmed on as it is,
 * CloudWatch looks back past its periods for the last real datapoint while the range still holds one, so
 * the alarm would clear some minutes late, later the longer the range it happens to use.
 */
export function filled(metric: cloudwatch.IMetric, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({ expression: 'FILL(m, 0)', usingMetrics: { m: metric }, label, period: metric.toMetricConfig().metricStat?.period });
}

/**
 * An alarm referenced by its name-derived ARN instead of Fn::GetAtt. Alarm names are fixed here, so the
 * ARN is known at synth time, and templates stay deployable where alarms are not modelled (the emulator).
 */
export function alarmByName(scope: Construct, alarm: cloudwatch.Alarm | cloudwatch.CompositeAlarm): cloudwatch.IAlarm {
  const name =
    alarm instanceof cloudwatch.CompositeAlarm
      ? (alarm.node.defaultChild as cloudwatch.CfnCompositeAlarm).alarmName!
      : (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName!;
  const arn = Stack.of(scope).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  return cloudwatch.Alarm.fromAlarmArn(scope, `${alarm.node.id}ByName`, arn);
}

/** The check whose alarms a kit makes: its kind and name go into every alarm name, its runbook into every description. */
export interface AlarmKitCheck {
  readonly kind: CheckKind;
  readonly name: string;
  readonly runbookUrl: string;
}

/**
 * A runbook entry: the URL with the entry's anchor when the runbook is a URL, else where to find it in the
 * runbook the project ships (docs/RUNBOOK.md, whose headings carry these anchors).
 */
export function runbookLink(runbook: string, anchor: string): string {
  return /^https?:\/\//.test(runbook) ? `${runbook.replace(/#.*$/, '')}#${anchor}` : `${runbook}, section "${anchor}"`;
}

/** The start of every alarm name of one check. */
export function checkAlarmPrefix(kind: CheckKind, name: string): string {
  return `${ALARM_NAME_PREFIX}${kind}-${name}-`;
}

export class AlarmKit extends Construct {
  private readonly notifying: cloudwatch.Alarm[] = [];
  private composite: cloudwatch.CompositeAlarm | undefined;
  /** Every alarm a composite rule names. */
  private readonly referenced = new Set<cloudwatch.Alarm>();

  private readonly check: AlarmKitCheck;

  constructor(scope: Construct, id: string, check: AlarmKitCheck) {
    super(scope, id);
    this.check = check;
    guardAlarmNames(this);
  }

  /** streamprobe-<kind>-<name>-<what>: checks of different kinds can never share an alarm name. */
  alarmName(suffix: string): string {
    return `${checkAlarmPrefix(this.check.kind, this.check.name)}${suffix}`;
  }

  /** What the alarm means, and where its runbook entry is: the runbook's anchor `<kind>-<entry>`. */
  describe(what: string, entry: string): string {
    return `streamprobe ${CHECK_LABELS[this.check.kind]} ${this.check.name}: ${what}. Runbook: ${runbookLink(this.check.runbookUrl, `${this.check.kind}-${entry}`)}`;
  }

  /** One alarm of the check, named streamprobe-<kind>-<name>-<name suffix>; it notifies unless silent. */
  alarm(spec: AlarmSpec): cloudwatch.Alarm {
    const { id, name, what, metric, threshold, comparison, periods, missing, silent } = spec;
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: this.alarmName(name),
      alarmDescription: this.describe(what, spec.runbook ?? name),
      metric,
      threshold,
      comparisonOperator: comparison,
      treatMissingData: missing,
      ...periods,
    });
    if (!silent) this.notifying.push(alarm);
    return alarm;
  }

  /**
   * The heartbeat. `stopped`: no successful run (`successes`, statistic Maximum, 1 for a run that did its
   * work) in 3 periods, silence breaching: a probe that stopped and one that only fails look alike, so a
   * probe that resumes into an outage keeps the page instead of sending a false OK. 3 of 3, not 2 of 2: when
   * CloudWatch judges the period still in progress (empty, so breaching), one failed run and that period
   * would make 2. `hasRun` (OK from the first run published on, `runs` statistic SampleCount) or
   * `scheduled` (OK while the schedule's rule fired in both of the last 2 periods) gate `stopped`, so a fresh
   * deployment, which has published nothing, does not page, and a schedule that fires but never reaches the
   * function pages a few minutes after the deploy. Two firings, not one: a first run that starts just after
   * a minute boundary publishes in the period after the rule's first firing.
   * The price of counting failed runs: a fresh deployment whose very first run fails pages (the periods
   * before it are silent); a probe resuming into an outage looks the same.
   */
  heartbeat(successes: cloudwatch.Metric, runs: cloudwatch.IMetric, what: string, rule: events.IRule | undefined, period: Duration): Heartbeat {
    // One-minute periods whatever the schedule: with periods as long as the interval, CloudWatch looks back
    // over N + a few of them for real datapoints, which at a 5-minute schedule delays the page by 25 minutes.
    const minutes = 3 * Math.max(1, Math.round(period.toSeconds() / 60));
    return {
      stopped: this.alarm({
        id: 'Stopped',
        name: 'stopped',
        what: `${what} completed no run in 3 schedule intervals (stopped, or failing every run)`,
        metric: successes.with({ period: Duration.minutes(1) }),
        threshold: 1,
        comparison: BELOW,
        periods: { evaluationPeriods: minutes, datapointsToAlarm: minutes },
        missing: BREACHING,
        silent: true,
      }),
      hasRun: this.alarm({
        id: 'HasRun',
        name: 'has-run',
        what: 'gate of the stopped alarm: OK once a run was published',
        metric: runs,
        threshold: 1,
        comparison: BELOW,
        periods: ONCE,
        missing: IGNORE,
        silent: true,
      }),
      scheduled:
        rule &&
        this.alarm({
          id: 'Scheduled',
          name: 'scheduled',
          what: 'gate of the stopped alarm: OK while the schedule fires, so a check its schedule cannot invoke still pages',
          metric: new cloudwatch.Metric({
            namespace: 'AWS/Events',
            metricName: 'Invocations',
            dimensionsMap: { RuleName: rule.ruleName },
            statistic: 'Sum',
            period,
          }),
          threshold: 1,
          comparison: BELOW,
          periods: { evaluationPeriods: 2, datapointsToAlarm: 1 },
          missing: BREACHING,
          silent: true,
        }),
    };
  }

  /**
   * Failed runs that come and go, judged by CloudWatch over windows of time (not by a process's memory, which
   * a Lambda cold start wipes). A run is failed when `metric` (statistic Minimum) is below `failedBelow`.
   * Ordinary life fails up to 2 runs an hour; 3 in an hour pages. The page then holds while a failure is
   * recent (4 min), or while one came in the last 20 min and either failures keep coming and going (3
   * changes in 40 min) or they were too few to call an outage (under 10 in 40 min): a quiet spell inside
   * intermittent failure (a third of runs failing go 10 runs clean now and then, and may start with 3 in a
   * row) must not end the incident and page again. So an outage of 10 minutes or more clears 4 minutes
   * after it ends, a shorter one 20 minutes after: it cannot be told from the start of intermittent failure.
   */
  failureWindows(metric: cloudwatch.IMetric, failedBelow: number, what: string, period: Duration): FailureWindows {
    const periods = (minutes: number) => Math.max(1, Math.ceil((minutes * 60) / period.toSeconds()));
    const failed = (id: string, name: string, text: string, minutes: number, atLeast: number, silent: boolean) =>
      this.alarm({
        id,
        name,
        what: text,
        metric,
        threshold: failedBelow,
        comparison: BELOW,
        periods: { evaluationPeriods: periods(minutes), datapointsToAlarm: Math.min(atLeast, periods(minutes)) },
        missing: NOT_BREACHING,
        silent,
      });
    const windows: FailureWindows = {
      failedRuns: failed('FailedRuns', 'failed-runs', `3 or more ${what} failed in the last hour`, 60, 3, false),
      failedLately: failed('FailedLately', 'failed-lately', 'hold of failed-runs: a run failed in the last 4 minutes', 4, 1, true),
      failedWithin20: failed('FailedWithin20', 'failed-within-20m', 'hold of failed-runs: a run failed in the last 20 minutes', 20, 1, true),
      outage: failed(
        'Outage',
        'outage',
        'hold of failed-runs: 10 minutes of runs or more failed in the last 40 minutes (an outage, not failures at random)',
        40,
        periods(10),
        true,
      ),
      onAndOff: this.alarm({
        id: 'OnAndOff',
        name: 'on-and-off',
        what: 'hold of failed-runs: runs went from failed to healthy or back 3 times in 40 minutes (intermittent failure)',
        metric: new cloudwatch.MathExpression({
          expression: `ABS(DIFF(IF(m < ${failedBelow}, 1, 0)))`,
          usingMetrics: { m: metric },
          period,
          label: `${what}: failed/healthy changes`,
        }),
        threshold: 1,
        comparison: AT_LEAST,
        periods: { evaluationPeriods: periods(40), datapointsToAlarm: Math.min(3, periods(40)) },
        missing: NOT_BREACHING,
        silent: true,
      }),
    };
    return windows;
  }

  /**
   * Lambda errors of the check's function, in 2 of 3 periods. Throttles need no alarm of their own: a
   * throttled run is a run that did not happen, and the heartbeat pages on those.
   */
  lambdaAlarms(fn: lambda.IFunction, period: Duration): { lambdaErrors: cloudwatch.Alarm } {
    const twoOfThree = { evaluationPeriods: 3, datapointsToAlarm: 2 };
    return {
      lambdaErrors: this.alarm({
        id: 'LambdaErrors',
        name: 'lambda-errors',
        what: 'the Lambda failed (crash, init error or timeout) in 2 of 3 periods',
        metric: fn.metricErrors({ period, statistic: 'Sum' }),
        threshold: 0,
        comparison: ABOVE,
        periods: twoOfThree,
        missing: IGNORE,
      }),
    };
  }

  /** An alarm's state as a composite rule names it: by ARN, so the composite can be made before its children resolve. */
  when(alarm: cloudwatch.Alarm, state: cloudwatch.AlarmState = cloudwatch.AlarmState.ALARM): cloudwatch.IAlarmRule {
    this.referenced.add(alarm);
    return cloudwatch.AlarmRule.fromAlarm(alarmByName(this, alarm), state);
  }

  /** The heartbeat pages once the check ran or its schedule fired: a fresh deployment has done neither. */
  heartbeatRule(h: Heartbeat): cloudwatch.IAlarmRule {
    const OK = cloudwatch.AlarmState.OK;
    const gate = h.scheduled ? cloudwatch.AlarmRule.anyOf(this.when(h.hasRun, OK), this.when(h.scheduled, OK)) : this.when(h.hasRun, OK);
    return cloudwatch.AlarmRule.allOf(this.when(h.stopped), gate);
  }

  /** Three failed runs in an hour page; the page holds as failureWindows says. */
  failureRule(f: FailureWindows): cloudwatch.IAlarmRule {
    const lately = this.when(f.failedWithin20);
    return cloudwatch.AlarmRule.allOf(
      this.when(f.failedRuns),
      cloudwatch.AlarmRule.anyOf(
        this.when(f.failedLately),
        cloudwatch.AlarmRule.allOf(lately, cloudwatch.AlarmRule.anyOf(this.when(f.onAndOff), cloudwatch.AlarmRule.not(this.when(f.outage)))),
      ),
    );
  }

  /** A level pages when above it; with a hold, it clears only once the value is back below its clear level. */
  levelRule(l: LevelAlarms): cloudwatch.IAlarmRule {
    return l.hold
      ? cloudwatch.AlarmRule.anyOf(this.when(l.above), cloudwatch.AlarmRule.allOf(this.when(l.hold.aboveLately), this.when(l.hold.near)))
      : this.when(l.above);
  }

  /**
   * A value against its threshold: `above` fires after `enter` periods above it. With a hold, the page
   * does not flap while the value wanders around the threshold: it stays while the value was above in 3 of
   * the last 15 periods and near it (above `nearShare` of it) in one of the last 4, so it clears once, 4
   * periods after the value settled below the clear level.
   */
  level(spec: LevelSpec): LevelAlarms {
    const { id, name, what, metric, threshold, enter, hold } = spec;
    const runbook = spec.runbook ?? name;
    const above = this.alarm({ id, name, what, metric, threshold, comparison: ABOVE, periods: enter, missing: IGNORE, runbook, silent: spec.silent });
    if (!hold) return { above };
    return {
      above,
      hold: {
        aboveLately: this.alarm({
          id: `${id}Lately`,
          name: `${name}-lately`,
          what: `hold of ${name}: above ${threshold} in 3 of the last 15 periods`,
          metric,
          threshold,
          comparison: ABOVE,
          periods: { evaluationPeriods: 15, datapointsToAlarm: 3 },
          missing: IGNORE,
          silent: true,
          runbook: `${runbook}-lately`,
        }),
        near: this.alarm({
          id: `${id}Near`,
          name: `${name}-near`,
          what: `hold of ${name}: above ${Math.round(threshold * hold.nearShare)} (its clear level) in one of the last 4 periods`,
          metric,
          threshold: Math.round(threshold * hold.nearShare),
          comparison: ABOVE,
          periods: { evaluationPeriods: 4, datapointsToAlarm: 1 },
          missing: IGNORE,
          silent: true,
          runbook: `${runbook}-near`,
        }),
      },
    };
  }

  /**
   * A value that drifts (a group's time lag, a pipeline's latency) pages two ways: above its threshold in
   * every one of `sustained` periods, or above twice it in 3 in a row, held until back under the threshold.
   * Wandering around the threshold for an hour is ordinary and pages neither.
   */
  slowOrFar(spec: SlowOrFarSpec): { sustained: cloudwatch.Alarm; severe: LevelAlarms } {
    const { id, name, subject, periodsAre, metric, thresholdMs, sustained, runbook = name } = spec;
    return {
      sustained: this.alarm({
        id,
        name,
        what: `${subject} above ${thresholdMs} ms in each of ${sustained} ${periodsAre}`,
        metric,
        threshold: thresholdMs,
        comparison: ABOVE,
        periods: { evaluationPeriods: sustained, datapointsToAlarm: sustained },
        missing: IGNORE,
        runbook,
      }),
      severe: this.level({
        id: `${id}Severe`,
        name: `${name}-severe`,
        what: `${subject} above ${2 * thresholdMs} ms (twice the threshold) in 3 ${periodsAre} in a row${spec.farUnless ? `, ${spec.farUnless}` : ''}; clears below ${thresholdMs} ms`,
        metric,
        threshold: 2 * thresholdMs,
        enter: { evaluationPeriods: 3, datapointsToAlarm: 3 },
        hold: { nearShare: 0.5 },
        silent: spec.farSilent,
        runbook: `${runbook}-severe`,
      }),
    };
  }

  /**
   * The one alarm that pages: any of `rules` (each a child, or children combined) in ALARM, unless the
   * check's maintenance alarm is. Held by the rule rather than by an actions suppressor: a suppressor makes
   * every page wait its wait period first; this way pages are held only while an operator says so.
   */
  pagingComposite(suffix: string, what: string, rules: ReadonlyArray<cloudwatch.Alarm | cloudwatch.IAlarmRule>): cloudwatch.CompositeAlarm {
    const maintenance = this.maintenanceAlarm();
    const composite = new cloudwatch.CompositeAlarm(this, 'Composite', {
      compositeAlarmName: this.alarmName(suffix),
      alarmDescription: this.describe(what, suffix),
      alarmRule: cloudwatch.AlarmRule.allOf(
        cloudwatch.AlarmRule.anyOf(...rules.map((r) => (r instanceof cloudwatch.Alarm ? this.when(r) : r))),
        cloudwatch.AlarmRule.not(this.when(maintenance)),
      ),
    });
    // The rule names the children by ARN string, so CloudFormation needs the order spelled out.
    composite.node.addDependency(...this.referenced);
    this.composite = composite;
    return composite;
  }

  /**
   * Set to ALARM by an operator (`aws cloudwatch set-alarm-state --state-value ALARM`) to hold the check's
   * pages during planned maintenance, and back to OK after it. It watches a metric nothing publishes, with
   * missing data ignored, so CloudWatch keeps the state it was set to: the probe keeps running meanwhile.
   */
  private maintenanceAlarm(): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, 'Maintenance', {
      alarmName: this.alarmName('maintenance'),
      alarmDescription: this.describe(
        "set it to ALARM to hold this check's pages during planned maintenance, and to OK once the work is done and the cluster settled; nothing publishes its metric, so it keeps the state it is set to",
        'maintenance',
      ),
      metric: new cloudwatch.Metric({
        namespace: MAINTENANCE_NAMESPACE,
        metricName: 'Hold',
        dimensionsMap: { Check: `${this.check.kind}-${this.check.name}` },
        statistic: 'Maximum',
        // Never evaluated on data: any period will do, and 5 minutes fits every schedule.
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: AT_LEAST,
      evaluationPeriods: 1,
      treatMissingData: IGNORE,
    });
  }

  /**
   * Routes the alarms: only the composite pages; every other alarm notifies the notification topic, never
   * the paging one. A topic left out leaves its alarms without actions, and synth says so.
   */
  routeTo(topics: AlarmTopicProps): void {
    const label = `streamprobe ${CHECK_LABELS[this.check.kind]} ${this.check.name}`;
    if (!topics.pagingTopic) {
      Annotations.of(this).addWarningV2(
        'streamprobe:noPagingTopic',
        `${label}: no pagingTopic, so its alarms page nobody; give it the topic your on-call subscribes to`,
      );
    }
    if (!topics.notificationTopic) {
      Annotations.of(this).addWarningV2(
        'streamprobe:noNotificationTopic',
        `${label}: no notificationTopic, so its ${this.notifying.length} other alarms (late events, a missing broker, ...) notify nobody; they never go to the paging topic`,
      );
    }
    this.wireActions(
      topics.notificationTopic && new actions.SnsAction(topics.notificationTopic),
      topics.pagingTopic && new actions.SnsAction(topics.pagingTopic),
    );
  }

  /** Child alarms notify (ALARM and OK) without paging; the composite pages. The heartbeat's parts stay silent. */
  wireActions(notify: cloudwatch.IAlarmAction | undefined, page: cloudwatch.IAlarmAction | undefined): void {
    for (const alarm of notify ? this.notifying : []) {
      alarm.addAlarmAction(notify!);
      alarm.addOkAction(notify!);
    }
    if (page) {
      this.composite?.addAlarmAction(page);
      this.composite?.addOkAction(page);
    }
  }
}
