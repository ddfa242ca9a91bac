/** The round trip's dashboard row: latency overall and per leader broker, produce latency, availability, problems, heartbeat. */
import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { DIMENSIONS } from '../../../lambda/metrics-contract';
import { alarmPeriod } from '../../common/alarm-kit';
import { alarmRow, HEIGHT, WIDTH } from '../../common/widgets';
import { probeMetric } from './alarms';
import type { StreamProbeRoundTrip } from './construct';

export function roundTripWidgets(scope: Construct, probe: StreamProbeRoundTrip): cloudwatch.IWidget[] {
  const t = probe.target;
  const period = alarmPeriod(t.schedule);
  const m = (name: Parameters<typeof probeMetric>[1], statistic: string, label: string, p: Duration = period) =>
    probeMetric(t, name, statistic, p).with({ label });
  const perBroker = new cloudwatch.MathExpression({
    expression: `SEARCH('{${t.namespace},${DIMENSIONS.probe},${DIMENSIONS.broker}} MetricName="EndToEndLatency" ${DIMENSIONS.probe}="${t.probeName}"', '${t.thresholds.latencyStatistic}', ${period.toSeconds()})`,
    label: 'broker',
    period,
  });
  return [
    new cloudwatch.TextWidget({
      markdown: `## ${t.probeName}\nTopic \`${t.topic}\`, every ${t.schedule.toMinutes()} min. Runbook: ${t.runbookUrl}`,
      width: 24,
      height: 2,
    }),
    new cloudwatch.GraphWidget({
      title: 'End-to-end latency (ms)',
      width: WIDTH,
      height: HEIGHT,
      left: ['p50', 'p90', 'p99', 'Maximum'].map((s) => m('EndToEndLatency', s, s)),
      leftAnnotations: [{ value: t.thresholds.endToEndLatency.toMilliseconds(), label: `alarm (${t.thresholds.latencyStatistic})` }],
    }),
    new cloudwatch.GraphWidget({
      title: 'End-to-end latency per leader broker (ms)',
      width: WIDTH,
      height: HEIGHT,
      left: [perBroker, m('SlowestBrokerLatency', 'Maximum', 'slowest broker (median)')],
    }),
    new cloudwatch.GraphWidget({
      title: 'Produce latency, acks=all (ms)',
      width: WIDTH,
      height: HEIGHT,
      left: ['p50', 'p99', 'Maximum'].map((s) => m('ProduceLatency', s, s)),
    }),
    new cloudwatch.GraphWidget({
      title: 'Availability (%)',
      width: WIDTH,
      height: HEIGHT,
      left: [m('EndToEndAvailability', 'Average', 'end to end'), m('ProduceAvailability', 'Average', 'produce')],
      leftYAxis: { min: 0, max: 100 },
      leftAnnotations: [{ value: t.thresholds.availabilityPercent, label: 'alarm' }],
    }),
    new cloudwatch.GraphWidget({
      title: 'Loss, duplicates and other problems (events)',
      width: WIDTH,
      height: HEIGHT,
      left: [
        m('MessagesLost', 'Sum', 'lost'),
        m('MessagesDuplicated', 'Sum', 'duplicated'),
        m('MessagesOutOfOrder', 'Sum', 'out of order'),
        m('MessagesCorrupt', 'Sum', 'corrupt'),
        m('ForeignMessages', 'Sum', 'foreign'),
        m('ProduceErrors', 'Sum', 'produce errors'),
        m('MessagesLate', 'Sum', 'late'),
        m('MetricsFallback', 'Sum', 'metrics via EMF'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Heartbeat (runs, successful runs)',
      width: WIDTH,
      height: HEIGHT,
      left: [m('RunSucceeded', 'SampleCount', 'runs'), m('RunSucceeded', 'Sum', 'successful runs')],
      right: [m('RunDuration', 'Maximum', 'run duration (ms)')],
    }),
    alarmRow(scope, `Alarms: ${t.probeName}`, probe.alarms),
  ];
}
