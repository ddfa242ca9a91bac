/**
 * How every check's alarms are made and wired, whatever the check (canary, pipeline, lag): fixed names
 * under one prefix, a description that links the runbook, child alarms that notify, a heartbeat gated so
 * a fresh deployment does not page, and one composite per check that pages once per incident.
 */
import { Annotations, ArnFormat, type Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
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
}

export interface Periods {
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
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

/** The start of every alarm name of one check. */
export function checkAlarmPrefix(kind: CheckKind, name: string): string {
  return `${ALARM_NAME_PREFIX}${kind}-${name}-`;
}

export class AlarmKit extends Construct {
  private readonly notifying: cloudwatch.Alarm[] = [];
  private readonly silent: cloudwatch.Alarm[] = [];
  private composite: cloudwatch.CompositeAlarm | undefined;

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

  describe(what: string): string {
    return `streamprobe ${CHECK_LABELS[this.check.kind]} ${this.check.name}: ${what}. Runbook: ${this.check.runbookUrl}`;
  }

  /** One alarm of the check, named streamprobe-<kind>-<name>-<name suffix>; it notifies unless silent. */
  alarm(spec: AlarmSpec): cloudwatch.Alarm {
    const { id, name, what, metric, threshold, comparison, periods, missing, silent } = spec;
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmName: this.alarmName(name),
      alarmDescription: this.describe(what),
      metric,
      threshold,
      comparisonOperator: comparison,
      treatMissingData: missing,
      ...periods,
    });
    (silent ? this.silent : this.notifying).push(alarm);
    return alarm;
  }

  /**
   * The heartbeat: `runs` is a metric every run publishes (statistic SampleCount). Silence is the failure
   * (missing data breaching); CloudWatch looks back past N periods while real datapoints remain there, so
   * 2 of 2 pages 4 intervals after the last run, never for one skipped interval. `hasRun` is OK from the
   * first run on and gates `stopped`, so a fresh deployment, which has published nothing, does not page.
   */
  heartbeat(runs: cloudwatch.IMetric, what: string): { stopped: cloudwatch.Alarm; hasRun: cloudwatch.Alarm } {
    return {
      stopped: this.alarm({
        id: 'Stopped',
        name: 'stopped',
        what: `${what} published no run for 4 schedule intervals`,
        metric: runs,
        threshold: 1,
        comparison: BELOW,
        periods: { evaluationPeriods: 2, datapointsToAlarm: 2 },
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
    };
  }

  /** Lambda errors and throttles of the check's function, in 2 of 3 periods. */
  lambdaAlarms(fn: lambda.IFunction, period: Duration): { lambdaErrors: cloudwatch.Alarm; lambdaThrottles: cloudwatch.Alarm } {
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
      lambdaThrottles: this.alarm({
        id: 'LambdaThrottles',
        name: 'lambda-throttles',
        what: 'the Lambda was throttled (a run still going when the next began) in 2 of 3 periods',
        metric: fn.metricThrottles({ period, statistic: 'Sum' }),
        threshold: 0,
        comparison: ABOVE,
        periods: twoOfThree,
        missing: IGNORE,
      }),
    };
  }

  /** The one alarm that pages: any direct child in ALARM, or the heartbeat stopped after a first run. */
  pagingComposite(
    suffix: string,
    what: string,
    direct: readonly cloudwatch.Alarm[],
    heartbeat: { stopped: cloudwatch.Alarm; hasRun: cloudwatch.Alarm },
  ): cloudwatch.CompositeAlarm {
    const ref = (a: cloudwatch.Alarm, state = cloudwatch.AlarmState.ALARM) => cloudwatch.AlarmRule.fromAlarm(alarmByName(this, a), state);
    const composite = new cloudwatch.CompositeAlarm(this, 'Composite', {
      compositeAlarmName: this.alarmName(suffix),
      alarmDescription: this.describe(what),
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...direct.map((a) => ref(a)),
        cloudwatch.AlarmRule.allOf(ref(heartbeat.stopped), ref(heartbeat.hasRun, cloudwatch.AlarmState.OK)),
      ),
    });
    // The rule names the children by ARN string, so CloudFormation needs the order spelled out.
    composite.node.addDependency(...direct, heartbeat.stopped, heartbeat.hasRun);
    this.composite = composite;
    return composite;
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
