/** One CloudWatch dashboard per deployment: a row of widgets per canary target, pipeline and lag check, all from the metrics contract. */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { StreamProbeLagCheck } from './checks/lag/construct';
import { lagWidgets } from './checks/lag/widgets';
import type { StreamProbePipeline } from './checks/pipeline/construct';
import { pipelineWidgets } from './checks/pipeline/widgets';
import type { StreamProbeRoundTrip } from './checks/roundtrip/construct';
import { roundTripWidgets } from './checks/roundtrip/widgets';

export interface ProbeDashboardProps {
  readonly dashboardName: string;
  readonly probes: StreamProbeRoundTrip[];
  readonly pipelines?: StreamProbePipeline[];
  readonly lagChecks?: StreamProbeLagCheck[];
}

export class ProbeDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ProbeDashboardProps) {
    super(scope, id);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(6),
    });
    for (const probe of props.probes) {
      const scope = new Construct(this, `roundtrip-${probe.target.probeName}`);
      this.dashboard.addWidgets(...roundTripWidgets(scope, probe));
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
