/** A lag check's dashboard row: time and offset lag per group, groups stopped or stalled, heartbeat, alarms. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { DIMENSIONS, type MetricName } from '../../../lambda/metrics-contract';
import { alarmPeriod, contractMetric } from '../../common/alarm-kit';
import { alarmRow, HEIGHT, WIDTH } from '../../common/widgets';
import type { StreamProbeLagCheck } from './construct';

export function lagWidgets(scope: Construct, c: StreamProbeLagCheck): cloudwatch.IWidget[] {
  const r = c.check;
  const period = alarmPeriod(r.schedule);
  const check = (name: MetricName, statistic: string, label: string) =>
    contractMetric(r.namespace, name, { [DIMENSIONS.lagCheck]: r.name }, statistic, period).with({ label });
  // One line per group, whichever groups the check found (named or by pattern): a search, not a list.
  const perGroup = (name: MetricName, label: string) =>
    new cloudwatch.MathExpression({
      expression: `SEARCH('{${r.namespace},${DIMENSIONS.lagCheck},${DIMENSIONS.consumerGroup}} MetricName="${name}" ${DIMENSIONS.lagCheck}="${r.name}"', 'Maximum', ${period.toSeconds()})`,
      label,
      period,
    });
  return [
    new cloudwatch.TextWidget({
      markdown: `## consumer lag: ${r.name}\n${[...r.groups.map((g) => `\`${g}\``), ...(r.groupPattern ? [`groups matching \`/${r.groupPattern}/\``] : [])].join(', ')}; LAGGING above ${r.timeLagThresholdMs / 1000} s. Runbook: ${r.runbookUrl}`,
      width: 24,
      height: 2,
    }),
    new cloudwatch.GraphWidget({
      title: 'Time lag per group (ms)',
      width: WIDTH,
      height: HEIGHT,
      left: [perGroup('ConsumerGroupMaxTimeLag', 'time lag')],
      leftAnnotations: [{ value: r.timeLagThresholdMs, label: 'LAGGING' }],
    }),
    new cloudwatch.GraphWidget({
      title: 'Offset lag per group (records)',
      width: WIDTH,
      height: HEIGHT,
      left: [perGroup('ConsumerGroupTotalOffsetLag', 'offset lag')],
      right: [perGroup('ConsumerGroupMembers', 'members')],
    }),
    new cloudwatch.GraphWidget({
      title: 'Groups stopped, stalled, losing records; check heartbeat',
      width: WIDTH,
      height: HEIGHT,
      left: [
        check('LagCheckGroupsStopped', 'Maximum', 'stopped'),
        check('LagCheckGroupsStalled', 'Maximum', 'stalled'),
        check('LagCheckGroupsRetentionLoss', 'Maximum', 'retention loss'),
        check('LagCheckUnknownGroups', 'Maximum', 'unknown'),
      ],
      right: [check('LagCheckSucceeded', 'SampleCount', 'checks'), check('LagCheckSucceeded', 'Sum', 'checks that read the cluster')],
    }),
    alarmRow(scope, `Alarms: lag check ${r.name}`, c.alarms),
  ];
}
