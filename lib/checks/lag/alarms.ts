/** A lag check's alarms: per named group, over every group a pattern finds, and the check's own health. */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DIMENSIONS, type MetricName } from '../../../lambda/metrics-contract';
import {
  ABOVE,
  AlarmKit,
  AT_LEAST,
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
  periodsIn,
} from '../../common/alarm-kit';
import type { ResolvedLagCheck } from './props';

export interface GroupAlarms {
  /** Above the threshold for `timeLagFor`: a consumer slowly falling behind. */
  readonly timeLag: cloudwatch.Alarm;
  /** Above twice the threshold in 3 checks in a row, held until back under the threshold: far behind, now. */
  readonly timeLagSevere: LevelAlarms;
  readonly stopped: cloudwatch.Alarm;
  /** Stopped in any of the last 10 checks: a deploy's backlog, which the severe lag does not page on. */
  readonly stoppedLately: cloudwatch.Alarm;
  readonly stalled: cloudwatch.Alarm;
  readonly retentionLoss: cloudwatch.Alarm;
}

export interface LagCheckAlarms {
  readonly groups: Readonly<Record<string, GroupAlarms>>;
  /** Over every group the check read: present when a pattern finds groups no alarm names. */
  readonly anyGroup?: GroupAlarms;
  readonly failing: cloudwatch.Alarm;
  readonly failures: FailureWindows;
  readonly heartbeat: Heartbeat;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly unknownGroups: cloudwatch.Alarm;
  readonly composite: cloudwatch.CompositeAlarm;
}

/** The metrics one set of group alarms watches: a named group's own, or the check's over every group. */
interface GroupMetrics {
  readonly timeLag: cloudwatch.IMetric;
  readonly stopped: cloudwatch.IMetric;
  readonly stalled: cloudwatch.IMetric;
  readonly retentionLoss: cloudwatch.IMetric;
}

/** Checks a group may be stopped for after which the severe lag pages again: a deploy and its catch-up. */
const STOPPED_LATELY_CHECKS = 10;

export class LagAlarmSet extends AlarmKit {
  readonly alarms: LagCheckAlarms;
  private readonly c: ResolvedLagCheck;
  private readonly period: Duration;

  constructor(scope: Construct, id: string, c: ResolvedLagCheck, scheduled: { function: lambda.IFunction; rule?: events.IRule }) {
    super(scope, id, { kind: 'lag', name: c.name, runbookUrl: c.runbookUrl });
    this.c = c;
    this.period = alarmPeriod(c.schedule);
    const metric = (dims: Record<string, string>) => (name: MetricName, statistic: string) => contractMetric(c.namespace, name, dims, statistic, this.period);
    const check = metric({ [DIMENSIONS.lagCheck]: c.name });
    const groups: Record<string, GroupAlarms> = {};
    c.groups.forEach((group, i) => {
      const m = metric({ [DIMENSIONS.lagCheck]: c.name, [DIMENSIONS.consumerGroup]: group });
      groups[group] = this.groupAlarms(`Group${i}`, group, `consumer group ${group}`, {
        timeLag: m('ConsumerGroupMaxTimeLag', 'Maximum'),
        stopped: m('ConsumerGroupStopped', 'Maximum'),
        stalled: m('ConsumerGroupStalled', 'Maximum'),
        retentionLoss: m('ConsumerGroupRetentionLost', 'Maximum'),
      });
    });
    const anyGroup =
      c.groupPattern === undefined
        ? undefined
        : this.groupAlarms('Any', 'any', `a group matching /${c.groupPattern}/`, {
            timeLag: check('LagCheckMaxTimeLag', 'Maximum'),
            stopped: check('LagCheckGroupsStopped', 'Maximum'),
            stalled: check('LagCheckGroupsStalled', 'Maximum'),
            retentionLoss: check('LagCheckGroupsRetentionLoss', 'Maximum'),
          });
    const failing = this.alarm({
      id: 'Failing',
      name: 'failing',
      what: `the check could not read the cluster in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
      metric: check('LagCheckSucceeded', 'Average'),
      threshold: 1,
      comparison: BELOW,
      periods: c.periods,
      missing: IGNORE,
    });
    const failures = this.failureWindows(check('LagCheckSucceeded', 'Minimum'), 1, 'checks', this.period);
    const lambdaAlarms = this.lambdaAlarms(scheduled.function, this.period);
    const heartbeat = this.heartbeat(
      check('LagCheckSucceeded', 'Maximum'),
      check('LagCheckSucceeded', 'SampleCount'),
      'the lag check',
      scheduled.rule,
      this.period,
    );
    const unknownGroups = this.alarm({
      id: 'UnknownGroups',
      name: 'unknown-groups',
      what: 'a named consumer group is unknown to the cluster (a typo, or a group gone): nothing watches it',
      metric: check('LagCheckUnknownGroups', 'Maximum'),
      threshold: 0,
      comparison: ABOVE,
      periods: { evaluationPeriods: 1, datapointsToAlarm: 1 },
      missing: NOT_BREACHING,
    });
    const composite = this.pagingComposite(
      'pages',
      'a consumer group is lagging, stopped, stalled or losing records, or the check cannot run; the child alarm in ALARM says which',
      [
        ...[...Object.values(groups), ...(anyGroup ? [anyGroup] : [])].map((g) => this.groupRule(g)),
        failing,
        this.failureRule(failures),
        this.heartbeatRule(heartbeat),
        lambdaAlarms.lambdaErrors,
      ],
    );
    this.alarms = { groups, anyGroup, failing, failures, heartbeat, ...lambdaAlarms, unknownGroups, composite };
  }

  /**
   * A consumer's deploy empties its group for a few minutes (STOPPED), and its lag grows meanwhile and for
   * the catch-up after: neither pages unless the group stays empty past `stoppedFor`. Lag pages when it is
   * far behind (twice the threshold, 3 checks in a row, unless the group was empty lately) or has been
   * behind for `timeLagFor`: lag wandering around the threshold for an hour is ordinary.
   */
  private groupAlarms(id: string, name: string, label: string, m: GroupMetrics): GroupAlarms {
    const c = this.c;
    const stoppedChecks = periodsIn(c.stoppedFor, this.period) + 1;
    const dense = { missing: NOT_BREACHING };
    const lag = this.slowOrFar({
      id: `${id}TimeLag`,
      name: `${name}-time-lag`,
      subject: `${label}: time lag`,
      periodsAre: 'checks',
      metric: m.timeLag,
      thresholdMs: c.timeLagThresholdMs,
      sustained: periodsIn(c.timeLagFor, this.period),
      farUnless: `not within ${STOPPED_LATELY_CHECKS} checks of the group being empty`,
      // Every consumer deploy sends the far path to ALARM; only the composite knows when that matters.
      farSilent: true,
      runbook: 'group-time-lag',
    });
    return {
      timeLag: lag.sustained,
      timeLagSevere: lag.severe,
      stopped: this.alarm({
        id: `${id}Stopped`,
        name: `${name}-stopped`,
        runbook: 'group-stopped',
        what: `${label}: no members while records wait, in each of ${stoppedChecks} checks (longer than a deploy's ${c.stoppedFor.toSeconds()} s)`,
        metric: m.stopped,
        threshold: 1,
        comparison: AT_LEAST,
        periods: { evaluationPeriods: stoppedChecks, datapointsToAlarm: stoppedChecks },
        ...dense,
      }),
      stoppedLately: this.alarm({
        id: `${id}StoppedLately`,
        name: `${name}-stopped-lately`,
        runbook: 'group-stopped-lately',
        what: `hold of ${name}-time-lag-severe: the group was empty in one of the last ${STOPPED_LATELY_CHECKS} checks (a deploy and its catch-up)`,
        metric: m.stopped,
        threshold: 1,
        comparison: AT_LEAST,
        periods: { evaluationPeriods: STOPPED_LATELY_CHECKS, datapointsToAlarm: 1 },
        ...dense,
        silent: true,
      }),
      stalled: this.alarm({
        id: `${id}Stalled`,
        name: `${name}-stalled`,
        runbook: 'group-stalled',
        what: `${label}: members present, records waiting, no commit for ${c.stallAfterMs / 1000} s, in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
        metric: m.stalled,
        threshold: 1,
        comparison: AT_LEAST,
        periods: c.periods,
        ...dense,
      }),
      retentionLoss: this.alarm({
        id: `${id}RetentionLoss`,
        name: `${name}-retention-loss`,
        runbook: 'group-retention-loss',
        what: `${label}: records deleted by retention before the group read them`,
        metric: filled(m.retentionLoss, 'records lost to retention'),
        threshold: 0,
        comparison: ABOVE,
        periods: IN_LAST_TWO,
        missing: NOT_BREACHING,
      }),
    };
  }

  private groupRule(g: GroupAlarms): cloudwatch.IAlarmRule {
    return cloudwatch.AlarmRule.anyOf(
      this.when(g.timeLag),
      cloudwatch.AlarmRule.allOf(this.levelRule(g.timeLagSevere), cloudwatch.AlarmRule.not(this.when(g.stoppedLately))),
      this.when(g.stopped),
      this.when(g.stalled),
      this.when(g.retentionLoss),
    );
  }
}
