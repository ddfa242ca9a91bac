/**
 * Drill scenarios of the pipeline canary and the consumer-lag check: minute-by-minute worlds built from
 * their real reports (collect-checks.ts), turned into datapoints by the Lambdas' own serializers, and
 * replayed through the synthesized alarms like the canary's (scenarios.ts).
 */

import type { GroupLagReport, LagCheckReport } from '../../lambda/core/lag/report';
import type { PipelineReport } from '../../lambda/core/pipeline/report';
import { checkReport } from '../../lambda/core/serializers';
import type { LagPools, PipelinePools } from './collect-checks';
import { routineDays, seeded } from './routine-life';
import { FAULT, faultTimeline, type Minute, pick, type Scenario, STOPPED_PAGE_WITHIN, WARM } from './scenarios';

const fault = (name: string, minutes: Minute[], extra: Partial<Scenario> = {}): Scenario => ({
  name,
  shouldPage: true,
  onset: WARM,
  recovery: WARM + FAULT,
  deployedAt: 0,
  minutes,
  ...extra,
});
const quiet = (name: string, minutes: Minute[], onset?: number): Scenario => ({ name, shouldPage: false, deployedAt: 0, onset, minutes });

/** The drill's pipeline and lag check take the defaults: latency pages at half the 60 s deadline, time lag at 60 s. */
export const PIPELINE_LATENCY_MS = 30_000;
export const LAG_THRESHOLD_MS = 60_000;
/** A group may stay empty 5 minutes (a deploy) without paging: it pages once its 6th check says so, a minute later. */
const GROUP_STOPPED_PAGE_WITHIN = 5 + 2;
/** Latency or lag above the threshold pages after 20 minutes of it. */
const SUSTAINED_PAGE_WITHIN = 20 + 1;

/** A pipeline run whose canaries took `ms`. */
function withLatency(r: PipelineReport, ms: number): PipelineReport {
  return { ...r, latencySamples: r.latencySamples.map(() => ms) };
}

/** A minute in which the pipeline canary reported `r`, made once per report: its datums are then made once too. */
function pipelineMinute(pipeline: string): (r: PipelineReport) => Minute {
  const made = new WeakMap<PipelineReport, Minute>();
  return (r) => {
    let minute = made.get(r);
    if (!minute) made.set(r, (minute = { kind: 'report', report: checkReport('pipeline', { ...r, pipeline }) }));
    return minute;
  };
}

export function pipelineScenarios(pools: PipelinePools, pipeline: string): Scenario[] {
  const as = pipelineMinute(pipeline);
  const healthy = (i: number) => as(pick(pools.healthy, i));
  const wander = seeded(23);
  const wandering = (i: number) => as(withLatency(pick(pools.healthy, i), (0.75 + 0.5 * wander()) * PIPELINE_LATENCY_MS));
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
      { pageWithin: STOPPED_PAGE_WITHIN },
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
    quiet(`pipeline ${pipeline}: latency wandering 0.75-1.25x the threshold, 3 hours`, timeline(wandering, 180), WARM),
    fault(
      `pipeline ${pipeline}: latency 1.5x the threshold for an hour`,
      timeline((i) => as(withLatency(pick(pools.healthy, i), 1.5 * PIPELINE_LATENCY_MS)), 60),
      { recovery: WARM + 60, pageWithin: SUSTAINED_PAGE_WITHIN },
    ),
  ];
}

/** A month of the pipeline canary's ordinary life (routineDays): blips, and latency wandering an hour a day. */
export function pipelineRoutineMonth(pools: PipelinePools, pipeline: string, seed: number): Scenario {
  const as = pipelineMinute(pipeline);
  const minutes = routineDays(seed).map((d, i): Minute => {
    if (d.kind === 'failed') return as(pick(pools.failed, i));
    if (d.kind === 'wandering') return as(withLatency(pick(pools.healthy, i), d.share * PIPELINE_LATENCY_MS));
    return as(pick(pools.healthy, i));
  });
  return quiet(`pipeline ${pipeline}: a month of routine life, seed ${seed}`, minutes);
}

/** The check's groups as the template names them: the real group's figures under the configured name. */
function renamed(report: LagCheckReport, names: Readonly<Record<string, GroupLagReport>>): LagCheckReport {
  return { ...report, groups: Object.entries(names).map(([group, g]) => ({ ...g, group })) };
}

/** A group from the real ones: members consuming (or none, while it is empty), `lagMs` behind. */
function groupAt(pools: LagPools, lagMs: number, empty = false): GroupLagReport {
  const base = (empty ? pools.stopped : pools.ok).groups[0]!;
  const status = empty ? 'STOPPED' : lagMs > LAG_THRESHOLD_MS ? 'LAGGING' : 'OK';
  return { ...base, status, maxTimeLagMs: lagMs, laggingPartitions: lagMs > 0 ? Math.max(1, base.laggingPartitions) : 0 };
}

/** A deploy's group: empty `minute` minutes with records piling up, or draining what `peak` minutes left (`left` of `of` minutes to go). */
function deployGroup(pools: LagPools, d: { kind: 'deploying'; minute: number } | { kind: 'draining'; left: number; of: number }, peak = 5): GroupLagReport {
  if (d.kind === 'deploying') return groupAt(pools, 5000 + d.minute * 60_000, true);
  return groupAt(pools, ((5000 + peak * 60_000) * d.left) / (d.of + 1));
}

function lagWorld(pools: LagPools, check: string, named: string, byPattern: string) {
  const as = (r: LagCheckReport): Minute => ({ kind: 'report', report: checkReport('lag', { ...r, check }) });
  // The same groups make the same minute: a month of ordinary minutes is one report, its datums made once.
  const made = new WeakMap<GroupLagReport, WeakMap<GroupLagReport, Minute>>();
  const world = (namedGroup: GroupLagReport, patternGroup = pools.ok.groups[0]!): Minute => {
    const byNamed = made.get(namedGroup) ?? new WeakMap<GroupLagReport, Minute>();
    made.set(namedGroup, byNamed);
    let minute = byNamed.get(patternGroup);
    if (!minute) byNamed.set(patternGroup, (minute = as(renamed(pools.ok, { [named]: namedGroup, [byPattern]: patternGroup }))));
    return minute;
  };
  return { as, world };
}

/** A month of the lag check's ordinary life (routineDays): failed checks, a consumer deploy a day, lag wandering an hour a day. */
export function lagRoutineMonth(pools: LagPools, check: string, named: string, byPattern: string, seed: number): Scenario {
  const { as, world } = lagWorld(pools, check, named, byPattern);
  let peak = 0;
  const minutes = routineDays(seed).map((d): Minute => {
    switch (d.kind) {
      case 'failed':
        return as(pools.failed);
      case 'deploying':
        peak = d.minute;
        return world(deployGroup(pools, d));
      case 'draining':
        return world(deployGroup(pools, d, peak));
      case 'wandering':
        return world(groupAt(pools, d.share * LAG_THRESHOLD_MS));
      default:
        return world(pools.ok.groups[0]!);
    }
  });
  return quiet(`lag ${check}: a month of routine life, seed ${seed}`, minutes);
}

export function lagScenarios(pools: LagPools, check: string, named: string, byPattern: string): Scenario[] {
  const g = (r: LagCheckReport) => r.groups[0]!;
  const { as, world } = lagWorld(pools, check, named, byPattern);
  const healthy = () => world(g(pools.ok));
  const timeline = (f: (i: number) => Minute, minutes = FAULT) => faultTimeline(healthy, f, minutes);
  const wander = seeded(29);
  const deploy = (i: number) =>
    world(i < 5 ? deployGroup(pools, { kind: 'deploying', minute: i + 1 }) : deployGroup(pools, { kind: 'draining', left: 8 - i, of: 3 }));
  return [
    quiet(`lag ${check}: healthy, 3 hours`, Array.from({ length: 180 }, healthy)),
    quiet(`lag ${check}: fresh deploy (no data yet)`, [{ kind: 'nothing' }, { kind: 'nothing' }, ...Array.from({ length: 30 }, healthy)]),
    fault(
      `lag ${check}: consumer stopped`,
      timeline(() => world(g(pools.stopped))),
      { pageWithin: GROUP_STOPPED_PAGE_WITHIN },
    ),
    fault(
      `lag ${check}: consumer stopped for 30 minutes, its backlog growing`,
      timeline((i) => world(groupAt(pools, 5000 + (i + 1) * 60_000, true)), 30),
      { recovery: WARM + 30, pageWithin: GROUP_STOPPED_PAGE_WITHIN },
    ),
    quiet(`lag ${check}: consumer deploy (group empty 5 minutes, backlog drained in 3)`, timeline(deploy, 8), WARM),
    quiet(
      `lag ${check}: time lag wandering 0.75-1.25x the threshold, 3 hours`,
      timeline(() => world(groupAt(pools, (0.75 + 0.5 * wander()) * LAG_THRESHOLD_MS)), 180),
      WARM,
    ),
    fault(
      `lag ${check}: time lag 1.5x the threshold for an hour`,
      timeline(() => world(groupAt(pools, 1.5 * LAG_THRESHOLD_MS)), 60),
      { recovery: WARM + 60, pageWithin: SUSTAINED_PAGE_WITHIN },
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
      { pageWithin: GROUP_STOPPED_PAGE_WITHIN },
    ),
    fault(
      `lag ${check}: cluster unreachable`,
      timeline(() => as(pools.failed)),
    ),
    fault(
      `lag ${check}: the check stopped (no runs)`,
      timeline(() => ({ kind: 'nothing' })),
      { pageWithin: STOPPED_PAGE_WITHIN },
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
