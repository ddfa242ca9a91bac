/** A lag check's alarms: per named group, over every group a pattern finds, and the check's own health. */
import { Duration } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { DIMENSIONS, type MetricName } from '../../../lambda/metrics-contract';
import { ABOVE, AlarmKit, AT_LEAST, BELOW, contractMetric, IGNORE, NOT_BREACHING, ONCE } from '../../common/alarm-kit';
import type { ResolvedLagCheck } from './props';

export interface GroupAlarms {
  readonly timeLag: cloudwatch.Alarm;
  readonly stopped: cloudwatch.Alarm;
  readonly stalled: cloudwatch.Alarm;
  readonly retentionLoss: cloudwatch.Alarm;
}

export interface LagCheckAlarms {
  readonly groups: Readonly<Record<string, GroupAlarms>>;
  /** Over every group the check read: present when a pattern finds groups no alarm names. */
  readonly anyGroup?: GroupAlarms;
  readonly failing: cloudwatch.Alarm;
  readonly stopped: cloudwatch.Alarm;
  readonly hasRun: cloudwatch.Alarm;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly lambdaThrottles: cloudwatch.Alarm;
  readonly unknownGroups: cloudwatch.Alarm;
  readonly composite: cloudwatch.CompositeAlarm;
}

export class LagAlarmSet extends AlarmKit {
  readonly alarms: LagCheckAlarms;

  constructor(scope: Construct, id: string, c: ResolvedLagCheck, fn: lambda.IFunction) {
    super(scope, id, { kind: 'lag', name: c.name, runbookUrl: c.runbookUrl });
    const period = Duration.seconds(Math.max(60, c.schedule.toSeconds()));
    const metric = (dims: Record<string, string>) => (name: MetricName, statistic: string) => contractMetric(c.namespace, name, dims, statistic, period);
    const check = metric({ [DIMENSIONS.lagCheck]: c.name });
    // Silence keeps the state for time lag (a failed check says nothing about it); counters published only
    // when non-zero read silence as zero. A consumer restarting for a deploy is STOPPED for a check or two:
    // M of N lets that pass and pages on a consumer that stays down.
    const groups: Record<string, GroupAlarms> = {};
    c.groups.forEach((group, i) => {
      const m = metric({ [DIMENSIONS.lagCheck]: c.name, [DIMENSIONS.consumerGroup]: group });
      groups[group] = {
        timeLag: this.alarm({
          id: `Group${i}TimeLag`,
          name: `${group}-time-lag`,
          what: `consumer group ${group}: time lag above ${c.timeLagThresholdMs} ms in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
          metric: m('ConsumerGroupMaxTimeLag', 'Maximum'),
          threshold: c.timeLagThresholdMs,
          comparison: ABOVE,
          periods: c.periods,
          missing: IGNORE,
        }),
        stopped: this.alarm({
          id: `Group${i}Stopped`,
          name: `${group}-stopped`,
          what: `consumer group ${group}: no members while records wait, in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
          metric: m('ConsumerGroupStopped', 'Maximum'),
          threshold: 1,
          comparison: AT_LEAST,
          periods: c.periods,
          missing: NOT_BREACHING,
        }),
        stalled: this.alarm({
          id: `Group${i}Stalled`,
          name: `${group}-stalled`,
          what: `consumer group ${group}: members present, records waiting, no commit for ${c.stallAfterMs / 1000} s, in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
          metric: m('ConsumerGroupStalled', 'Maximum'),
          threshold: 1,
          comparison: AT_LEAST,
          periods: c.periods,
          missing: NOT_BREACHING,
        }),
        retentionLoss: this.alarm({
          id: `Group${i}RetentionLoss`,
          name: `${group}-retention-loss`,
          what: `consumer group ${group}: records deleted by retention before the group read them`,
          metric: m('ConsumerGroupRetentionLost', 'Maximum'),
          threshold: 0,
          comparison: ABOVE,
          periods: ONCE,
          missing: NOT_BREACHING,
        }),
      };
    });
    const anyGroup: GroupAlarms | undefined =
      c.groupPattern === undefined
        ? undefined
        : {
            timeLag: this.alarm({
              id: 'AnyTimeLag',
              name: 'any-time-lag',
              what: `a group matching /${c.groupPattern}/: time lag above ${c.timeLagThresholdMs} ms in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
              metric: check('LagCheckMaxTimeLag', 'Maximum'),
              threshold: c.timeLagThresholdMs,
              comparison: ABOVE,
              periods: c.periods,
              missing: IGNORE,
            }),
            stopped: this.alarm({
              id: 'AnyStopped',
              name: 'any-stopped',
              what: `a group matching /${c.groupPattern}/ has no members while records wait`,
              metric: check('LagCheckGroupsStopped', 'Maximum'),
              threshold: 1,
              comparison: AT_LEAST,
              periods: c.periods,
              missing: NOT_BREACHING,
            }),
            stalled: this.alarm({
              id: 'AnyStalled',
              name: 'any-stalled',
              what: `a group matching /${c.groupPattern}/ has stopped committing`,
              metric: check('LagCheckGroupsStalled', 'Maximum'),
              threshold: 1,
              comparison: AT_LEAST,
              periods: c.periods,
              missing: NOT_BREACHING,
            }),
            retentionLoss: this.alarm({
              id: 'AnyRetentionLoss',
              name: 'any-retention-loss',
              what: `a group matching /${c.groupPattern}/ lost records to retention`,
              metric: check('LagCheckGroupsRetentionLoss', 'Maximum'),
              threshold: 0,
              comparison: ABOVE,
              periods: ONCE,
              missing: NOT_BREACHING,
            }),
          };
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
    const lambdaAlarms = this.lambdaAlarms(fn, period);
    const heartbeat = this.heartbeat(check('LagCheckSucceeded', 'SampleCount'), 'the lag check');
    const unknownGroups = this.alarm({
      id: 'UnknownGroups',
      name: 'unknown-groups',
      what: 'a named consumer group is unknown to the cluster (a typo, or a group gone): nothing watches it',
      metric: check('LagCheckUnknownGroups', 'Maximum'),
      threshold: 0,
      comparison: ABOVE,
      periods: ONCE,
      missing: NOT_BREACHING,
    });
    const direct = [...Object.values(groups), ...(anyGroup ? [anyGroup] : [])].flatMap((g) => Object.values(g)).concat(failing, ...Object.values(lambdaAlarms));
    const composite = this.pagingComposite(
      'pages',
      'a consumer group is lagging, stopped, stalled or losing records, or the check cannot run; the child alarm in ALARM says which',
      direct,
      heartbeat,
    );
    this.alarms = { groups, anyGroup, failing, ...heartbeat, ...lambdaAlarms, unknownGroups, composite };
  }
}
