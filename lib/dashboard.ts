/** One CloudWatch dashboard per deployment: a row of widgets per canary target, pipeline and lag check, all from the metrics contract. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DIMENSIONS, type MetricName } from '../lambda/metrics-contract';
import { contractMetric } from './alarm-kit';
import { alarmByName, alarmPeriod, probeMetric } from './alarms';
import type { StreamProbeLagCheck } from './lag-target';
import type { StreamProbePipeline } from './pipeline-target';
import type { StreamProbeTarget } from './probe-target';

const WIDTH = 8;
const HEIGHT = 6;

function targetWidgets(scope: Construct, probe: StreamProbeTarget): cloudwatch.IWidget[] {
  const t = probe.target;
  const period = alarmPeriod(t);
  const m = (name: Parameters<typeof probeMetric>[1], statistic: string, label: string, p: Duration = period) =>
    probeMetric(t, name, statistic, p).with({ label });
  const perBroker = new cloudwatch.MathExpression({
    expression: `SEARCH('{${t.namespace},${DIMENSIONS.probe},${DIMENSIONS.broker}} MetricName="EndToEndLatency" ${DIMENSIONS.probe}="${t.probeName}"', '${t.thresholds.latencyStatistic}', ${period.toSeconds()})`,
    label: 'broker',
    period,
  });
  return [
    new cloudwatch.TextWidget({ markdown: `## ${t.probeName}\nTopic \`${t.topic}\`, every ${t.schedule.toMinutes()} min. Runbook: ${t.runbookUrl}`, width: 24, height: 2 }),
    new cloudwatch.GraphWidget({
      title: 'End-to-end latency (ms)', width: WIDTH, height: HEIGHT,
      left: ['p50', 'p90', 'p99', 'Maximum'].map((s) => m('EndToEndLatency', s, s)),
      leftAnnotations: [{ value: t.thresholds.endToEndLatency.toMilliseconds(), label: `alarm (${t.thresholds.latencyStatistic})` }],
    }),
    new cloudwatch.GraphWidget({
      title: 'End-to-end latency per leader broker (ms)', width: WIDTH, height: HEIGHT,
      left: [perBroker, m('SlowestBrokerLatency', 'Maximum', 'slowest broker (median)')],
    }),
    new cloudwatch.GraphWidget({
      title: 'Produce latency, acks=all (ms)', width: WIDTH, height: HEIGHT,
      left: ['p50', 'p99', 'Maximum'].map((s) => m('ProduceLatency', s, s)),
    }),
    new cloudwatch.GraphWidget({
      title: 'Availability (%)', width: WIDTH, height: HEIGHT,
      left: [m('EndToEndAvailability', 'Average', 'end to end'), m('ProduceAvailability', 'Average', 'produce')],
      leftYAxis: { min: 0, max: 100 },
      leftAnnotations: [{ value: t.thresholds.availabilityPercent, label: 'alarm' }],
    }),
    new cloudwatch.GraphWidget({
      title: 'Loss, duplicates and other problems (events)', width: WIDTH, height: HEIGHT,
      left: [
        m('MessagesLost', 'Sum', 'lost'), m('MessagesDuplicated', 'Sum', 'duplicated'), m('MessagesOutOfOrder', 'Sum', 'out of order'),
        m('MessagesCorrupt', 'Sum', 'corrupt'), m('ForeignMessages', 'Sum', 'foreign'), m('ProduceErrors', 'Sum', 'produce errors'),
        m('MessagesLate', 'Sum', 'late'), m('MetricsFallback', 'Sum', 'metrics via EMF'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: 'Heartbeat (runs, successful runs)', width: WIDTH, height: HEIGHT,
      left: [m('RunSucceeded', 'SampleCount', 'runs'), m('RunSucceeded', 'Sum', 'successful runs'), m('RunOutcomeChanges', 'Maximum', 'outcome changes')],
      right: [m('RunDuration', 'Maximum', 'run duration (ms)')],
    }),
    new cloudwatch.AlarmStatusWidget({
      title: `Alarms: ${t.probeName}`, width: 24, height: 3,
      alarms: Object.values(probe.alarms).map((a) => alarmByName(scope, a)),
    }),
  ];
}

function pipelineWidgets(scope: Construct, p: StreamProbePipeline): cloudwatch.IWidget[] {
  const r = p.pipeline;
  const period = Duration.seconds(Math.max(60, r.schedule.toSeconds()));
  const m = (name: MetricName, statistic: string, label: string) => contractMetric(r.namespace, name, { [DIMENSIONS.pipeline]: r.name }, statistic, period).with({ label });
  return [
    new cloudwatch.TextWidget({ markdown: `## pipeline ${r.name}\n\`${r.inputTopic}\` to \`${r.outputTopic}\`, deadline ${r.deadline.toSeconds()} s, every ${r.schedule.toMinutes()} min. Runbook: ${r.runbookUrl}`, width: 24, height: 2 }),
    new cloudwatch.GraphWidget({
      title: 'Pipeline latency (ms)', width: WIDTH, height: HEIGHT,
      left: ['p50', 'Maximum'].map((s) => m('PipelineLatency', s, s)),
      leftAnnotations: [{ value: r.thresholds.latencyMs, label: `alarm (${r.thresholds.latencyStatistic})` }],
    }),
    new cloudwatch.GraphWidget({
      title: 'Canaries', width: WIDTH, height: HEIGHT,
      left: [m('PipelineCanariesSent', 'Sum', 'sent'), m('PipelineCanariesLost', 'Sum', 'lost'), m('PipelineCanariesLate', 'Sum', 'late'),
        m('PipelineCanariesDuplicated', 'Sum', 'duplicated'), m('PipelineUnexpectedOutputs', 'Sum', 'unexpected')],
    }),
    new cloudwatch.GraphWidget({
      title: 'Availability (%) and heartbeat', width: WIDTH, height: HEIGHT,
      left: [m('PipelineAvailability', 'Average', 'availability')], leftYAxis: { min: 0, max: 100 },
      leftAnnotations: [{ value: r.thresholds.availabilityPercent, label: 'alarm' }],
      right: [m('PipelineRunSucceeded', 'SampleCount', 'runs')],
    }),
    alarmRow(scope, `Alarms: pipeline ${r.name}`, Object.values(p.alarms)),
  ];
}

function lagWidgets(scope: Construct, c: StreamProbeLagCheck): cloudwatch.IWidget[] {
  const r = c.check;
  const period = Duration.seconds(Math.max(60, r.schedule.toSeconds()));
  const check = (name: MetricName, statistic: string, label: string) => contractMetric(r.namespace, name, { [DIMENSIONS.lagCheck]: r.name }, statistic, period).with({ label });
  // One line per group, whichever groups the check found (named or by pattern): a search, not a list.
  const perGroup = (name: MetricName, label: string) => new cloudwatch.MathExpression({
    expression: `SEARCH('{${r.namespace},${DIMENSIONS.lagCheck},${DIMENSIONS.consumerGroup}} MetricName="${name}" ${DIMENSIONS.lagCheck}="${r.name}"', 'Maximum', ${period.toSeconds()})`,
    label, period,
  });
  const groupAlarms = [...Object.values(c.alarms.groups), ...(c.alarms.anyGroup ? [c.alarms.anyGroup] : [])].flatMap((g) => Object.values(g));
  const { groups: _g, anyGroup: _a, ...checkAlarms } = c.alarms;
  return [
    new cloudwatch.TextWidget({ markdown: `## consumer lag: ${r.name}\n${[...r.groups.map((g) => `\`${g}\``), ...(r.groupPattern ? [`groups matching \`/${r.groupPattern}/\``] : [])].join(', ')}; LAGGING above ${r.timeLagThresholdMs / 1000} s. Runbook: ${r.runbookUrl}`, width: 24, height: 2 }),
    new cloudwatch.GraphWidget({
      title: 'Time lag per group (ms)', width: WIDTH, height: HEIGHT, left: [perGroup('ConsumerGroupMaxTimeLag', 'time lag')],
      leftAnnotations: [{ value: r.timeLagThresholdMs, label: 'LAGGING' }],
    }),
    new cloudwatch.GraphWidget({ title: 'Offset lag per group (records)', width: WIDTH, height: HEIGHT, left: [perGroup('ConsumerGroupTotalOffsetLag', 'offset lag')], right: [perGroup('ConsumerGroupMembers', 'members')] }),
    new cloudwatch.GraphWidget({
      title: 'Groups stopped, stalled, losing records; check heartbeat', width: WIDTH, height: HEIGHT,
      left: [check('LagCheckGroupsStopped', 'Maximum', 'stopped'), check('LagCheckGroupsStalled', 'Maximum', 'stalled'),
        check('LagCheckGroupsRetentionLoss', 'Maximum', 'retention loss'), check('LagCheckUnknownGroups', 'Maximum', 'unknown')],
      right: [check('LagCheckSucceeded', 'SampleCount', 'checks'), check('LagCheckSucceeded', 'Sum', 'checks that read the cluster')],
    }),
    alarmRow(scope, `Alarms: lag check ${r.name}`, [...groupAlarms, ...Object.values(checkAlarms)]),
  ];
}

function alarmRow(scope: Construct, title: string, alarms: ReadonlyArray<cloudwatch.Alarm | cloudwatch.CompositeAlarm>): cloudwatch.IWidget {
  // An alarm status widget shows at most 100 alarms.
  return new cloudwatch.AlarmStatusWidget({ title, width: 24, height: 3, alarms: alarms.slice(0, 100).map((a) => alarmByName(scope, a)) });
}

export class ProbeDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: {
    readonly dashboardName: string;
    readonly probes: readonly StreamProbeTarget[];
    readonly pipelines?: readonly StreamProbePipeline[];
    readonly lagChecks?: readonly StreamProbeLagCheck[];
  }) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
    });
    for (const probe of props.probes) {
      const scope = new Construct(this, `roundtrip-${probe.target.probeName}`);
      this.dashboard.addWidgets(...targetWidgets(scope, probe));
      // The widget names alarms by ARN string; create them first.
      this.dashboard.node.addDependency(probe.alarms.composite);
    }
    for (const p of props.pipelines ?? []) {
      this.dashboard.addWidgets(...pipelineWidgets(new Construct(this, `pipeline-${p.pipeline.name}`), p));
      this.dashboard.node.addDependency(p.alarms.composite);
    }
    for (const c of props.lagChecks ?? []) {
      this.dashboard.addWidgets(...lagWidgets(new Construct(this, `lag-${c.check.name}`), c));
      this.dashboard.node.addDependency(c.alarms.composite);
    }
  }
}
