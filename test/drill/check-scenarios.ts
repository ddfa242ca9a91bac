/**
 * Drill scenarios of the pipeline canary and the consumer-lag check: minute-by-minute worlds built from
 * their real reports (collect-checks.ts), turned into datapoints by the Lambdas' own serializers, and
 * replayed through the synthesized alarms like the canary's (scenarios.ts).
 */

import type { GroupLagReport, LagCheckReport } from '../../lambda/core/lag/report';
import type { PipelineReport } from '../../lambda/core/pipeline/report';
import { checkReport } from '../../lambda/core/serializers';
import type { LagPools, PipelinePools } from './collect-checks';
import { FAULT, faultTimeline, type Minute, pick, type Scenario, WARM } from './scenarios';

const fault = (name: string, minutes: Minute[], extra: Partial<Scenario> = {}): Scenario => ({
  name,
  shouldPage: true,
  onset: WARM,
  recovery: WARM + FAULT,
  deployedAt: 0,
  minutes,
  pageWithin: 3,
  okWithin: 3,
  ...extra,
});
const quiet = (name: string, minutes: Minute[], onset?: number): Scenario => ({ name, shouldPage: false, deployedAt: 0, onset, minutes });

export function pipelineScenarios(pools: PipelinePools, pipeline: string): Scenario[] {
  const as = (r: PipelineReport): Minute => ({ kind: 'report', report: checkReport('pipeline', { ...r, pipeline }) });
  const healthy = (i: number) => as(pick(pools.healthy, i));
  const timeline = (f: (i: number) => Minute, minutes = FAULT) => faultTimeline(healthy, f, minutes);
  // The minute the application stops, its canary is still in flight; from the next, each run confirms a loss.
  const stopped = (i: number) => as(i === 0 ? pools.latePair[0] : pick(pools.lost, i));
  return [
    quiet(
      `pipeline ${pipeline}: healthy, 3 hours`,
      Array.from({ length: 180 }, (_, i) => healthy(i)),
    ),
    quiet(`pipeline ${pipeline}: fresh deploy (no data yet)`, [{ kind: 'nothing' }, { kind: 'nothing' }, ...Array.from({ length: 30 }, (_, i) => healthy(i))]),
    fault(`pipeline ${pipeline}: application stopped`, timeline(stopped)),
    fault(
      `pipeline ${pipeline}: input cluster unreachable`,
      timeline((i) => as(pick(pools.failed, i))),
    ),
    fault(
      `pipeline ${pipeline}: the check stopped (no runs)`,
      timeline(() => ({ kind: 'nothing' })),
      { pageWithin: 4 },
    ),
    fault(
      `pipeline ${pipeline}: every run crashes`,
      timeline(() => ({ kind: 'lambda-error' })),
    ),
    quiet(
      `pipeline ${pipeline}: one canary late, within its deadline`,
      [...timeline(healthy, 0).slice(0, WARM), as(pools.latePair[0]), as(pools.latePair[1]), ...Array.from({ length: 30 }, (_, i) => healthy(i))],
      WARM,
    ),
    quiet(
      `pipeline ${pipeline}: one failed run`,
      timeline((i) => as(pick(pools.failed, i)), 1),
      WARM,
    ),
  ];
}

/** The check's groups as the template names them: the real group's figures under the configured name. */
function renamed(report: LagCheckReport, names: Readonly<Record<string, GroupLagReport>>): LagCheckReport {
  return { ...report, groups: Object.entries(names).map(([group, g]) => ({ ...g, group })) };
}

export function lagScenarios(pools: LagPools, check: string, named: string, byPattern: string): Scenario[] {
  const g = (r: LagCheckReport) => r.groups[0]!;
  const as = (r: LagCheckReport): Minute => ({ kind: 'report', report: checkReport('lag', { ...r, check }) });
  const world = (namedGroup: GroupLagReport, patternGroup = g(pools.ok)): Minute => as(renamed(pools.ok, { [named]: namedGroup, [byPattern]: patternGroup }));
  const healthy = () => world(g(pools.ok));
  const timeline = (f: (i: number) => Minute, minutes = FAULT) => faultTimeline(healthy, f, minutes);
  return [
    quiet(`lag ${check}: healthy, 3 hours`, Array.from({ length: 180 }, healthy)),
    quiet(`lag ${check}: fresh deploy (no data yet)`, [{ kind: 'nothing' }, { kind: 'nothing' }, ...Array.from({ length: 30 }, healthy)]),
    fault(
      `lag ${check}: consumer stopped`,
      timeline(() => world(g(pools.stopped))),
    ),
    fault(
      `lag ${check}: consumer lagging past the threshold`,
      timeline(() => world(g(pools.lagging))),
    ),
    fault(
      `lag ${check}: records lost to retention`,
      timeline(() => world(g(pools.retentionLoss))),
    ),
    fault(
      `lag ${check}: a group found by pattern stopped`,
      timeline(() => world(g(pools.ok), g(pools.stopped))),
    ),
    fault(
      `lag ${check}: cluster unreachable`,
      timeline(() => as(pools.failed)),
    ),
    fault(
      `lag ${check}: the check stopped (no runs)`,
      timeline(() => ({ kind: 'nothing' })),
      { pageWithin: 4 },
    ),
    quiet(
      `lag ${check}: consumer restarted (stopped for one check)`,
      timeline(() => world(g(pools.stopped)), 1),
      WARM,
    ),
    quiet(
      `lag ${check}: a named group the cluster does not know`,
      timeline(() => world(g(pools.unknown))),
      WARM,
    ),
  ];
}
