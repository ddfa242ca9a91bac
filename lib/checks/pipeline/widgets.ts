/** A pipeline canary's dashboard row: latency, canaries, availability and heartbeat, alarms. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { DIMENSIONS, type MetricName } from '../../../lambda/metrics-contract';
import { alarmPeriod, contractMetric } from '../../common/alarm-kit';
import { alarmRow, HEIGHT, WIDTH } from '../../common/widgets';
import type { StreamProbePipeline } from './construct';

export function pipelineWidgets(scope: Construct, p: StreamProbePipeline): cloudwatch.IWidget[] {
  const r = p.pipeline;
  const period = alarmPeriod(r.schedule);
  const m = (name: MetricName, statistic: string, label: string) =>
    contractMetric(r.namespace, name, { [DIMENSIONS.pipeline]: r.name }, statistic, period).with({ label });
  return [
    new cloudwatch.TextWidget({
      markdown: `## pipeline ${r.name}\n\`${r.inputTopic}\` to \`${r.outputTopic}\`, deadline ${r.deadline.toSeconds()} s, every ${r.schedule.toMinutes()} min. Runbook: ${r.runbookUrl}`,
      width: 24,
      height: 2,
    }),
    new cloudwatch.GraphWidget({
      title: 'Pipeline latency (ms)',
      width: WIDTH,
      height: HEIGHT,
      left: ['p50', 'Maximum'].map((s) => m('PipelineLatency', s, s)),
      leftAnnotations: [{ value: r.thresholds.latencyMs, label: `alarm (${r.thresholds.latencyStatistic})` }],
    }),
    new cloudwatch.GraphWidget({
      title: 'Canaries',
      width: WIDTH,
      height: HEIGHT,
      left: [
        m('PipelineCanariesSent', 'Sum', 'sent'),
        m('PipelineCanariesLost', 'Sum', 'lost'),
        m('PipelineCanariesLate', 'Sum', 'late'),
        m('PipelineCanariesDuplicated', 'Sum', 'duplicated'),
        m('PipelineUnexpectedOutputs', 'Sum', 'unexpected'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Availability (%) and heartbeat',
      width: WIDTH,
      height: HEIGHT,
      left: [m('PipelineAvailability', 'Average', 'availability')],
      leftYAxis: { min: 0, max: 100 },
      leftAnnotations: [{ value: r.thresholds.availabilityPercent, label: 'alarm' }],
      right: [m('PipelineRunSucceeded', 'SampleCount', 'runs')],
    }),
    alarmRow(scope, `Alarms: pipeline ${r.name}`, p.alarms),
  ];
}
