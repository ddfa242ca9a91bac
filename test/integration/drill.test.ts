/**
 * The alarm drill: real runs against the real broker (faults made for real), replayed minute by minute
 * through the alarms of the template `cdk synth` writes, under CloudWatch's documented evaluation rules and
 * under each pessimistic reading of what AWS leaves open. Every failure pages once and in time, recovers in
 * time, and neither a healthy probe nor a month of ordinary production life pages anyone.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { lagRoutineMonth, lagScenarios, pipelineRoutineMonth, pipelineScenarios } from '../drill/check-scenarios';
import { collectReports } from '../drill/collect';
import { collectLagReports, collectPipelineReports } from '../drill/collect-checks';
import type { AlarmSet } from '../drill/evaluator';
import { ROUTINE_SEEDS, routineMonth } from '../drill/routine-life';
import {
  buildScenarios,
  type DrillRow,
  fiveMinuteScenarios,
  formatAssumptionTable,
  formatDrillTable,
  INTERMITTENT_SEEDS,
  intermittentScenarios,
  runUnderEveryAssumption,
  type Scenario,
  worstOf,
} from '../drill/scenarios';
import { alarmsFromTemplate, alarmsOfCheck, type CheckIds, checkIds, pagingAlarmsOnly, topicId } from '../drill/template';
import { readTemplate, synth } from '../helpers/cdk';

const kafka = inject('kafka');
/** Every scenario under every assumption (EVALUATION_ASSUMPTIONS). */
let rows: DrillRow[];

beforeAll(async () => {
  const brokers = ['b-1.drill.internal:9092'];
  const [pools, pipelinePools, lagPools, synthesized] = await Promise.all([
    collectReports(kafka.plaintext),
    collectPipelineReports(kafka.plaintext),
    collectLagReports(kafka.plaintext),
    synth({
      stackName: 'Drill',
      targets: [
        { probeName: 'drill', brokers },
        { probeName: 'drill5', brokers, scheduleMinutes: 5 },
      ],
      pipelines: [{ pipelineName: 'flow', inputBrokers: brokers, inputTopic: 'in', outputTopic: 'out' }],
      lagChecks: [{ checkName: 'lag', brokers, groups: ['orders'], groupPattern: '^etl' }],
    }),
  ]);
  expect(synthesized.code, synthesized.output).toBe(0);
  const template = readTemplate(synthesized.outdir, 'Drill') as never;
  const all = alarmsFromTemplate(template);
  const topics = { paging: topicId(template, 'pages on-call'), notify: topicId(template, 'does not page') };
  // Each check's scenarios against its own alarms: the others would only slow a month of minutes down.
  const check = (prefix: string, ids: CheckIds) => ({ alarms: alarmsOfCheck(all, prefix), ids });
  const roundTrip = check('streamprobe-roundtrip-drill-', checkIds(template, 'drill'));
  const everyFive = check('streamprobe-roundtrip-drill5-', checkIds(template, 'drill5'));
  const pipeline = check('streamprobe-pipeline-flow-', checkIds(template, 'flow', 'STREAMPROBE_PIPELINE_NAME'));
  const lag = check('streamprobe-lag-lag-', checkIds(template, 'lag', 'STREAMPROBE_LAG_CHECK_NAME'));
  const replay = (scenarios: readonly Scenario[], c: { alarms: AlarmSet; ids: CheckIds }) =>
    scenarios.flatMap((s) => runUnderEveryAssumption(s, c.alarms, topics, c.ids));

  const started = performance.now();
  // What pages is all a month needs: the alarms that only notify are left out of it.
  // One month at a time: a month of minutes and its datapoints take a few hundred megabytes.
  const monthly = (c: { alarms: AlarmSet; ids: CheckIds }, month: (seed: number) => Scenario) => {
    const paging = { ...c, alarms: pagingAlarmsOnly(c.alarms) };
    const out: DrillRow[] = [];
    for (let seed = 1; seed <= ROUTINE_SEEDS; seed++) out.push(...replay([month(seed)], paging));
    return out;
  };
  const months = monthly(roundTrip, (seed) => routineMonth(pools, seed));
  const pipelineMonths = monthly(pipeline, (seed) => pipelineRoutineMonth(pipelinePools, 'flow', seed));
  const lagMonths = monthly(lag, (seed) => lagRoutineMonth(lagPools, 'lag', 'orders', 'etl-loader', seed));
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  rows = [
    ...replay(buildScenarios(pools), roundTrip),
    ...replay(fiveMinuteScenarios(pools), everyFive),
    ...worstOf(replay(intermittentScenarios(pools, 0.3), roundTrip), `30% of runs fail at random for an hour (worst of ${INTERMITTENT_SEEDS} seeds)`),
    ...worstOf(replay(intermittentScenarios(pools, 0.5), roundTrip), `50% of runs fail at random for an hour (worst of ${INTERMITTENT_SEEDS} seeds)`),
    ...worstOf(months, `a month of routine life (worst of ${ROUTINE_SEEDS} seeds)`),
    ...replay(pipelineScenarios(pipelinePools, 'flow'), pipeline),
    ...worstOf(pipelineMonths, `pipeline flow: a month of routine life (worst of ${ROUTINE_SEEDS} seeds)`),
    ...replay(lagScenarios(lagPools, 'lag', 'orders', 'etl-loader'), lag),
    ...worstOf(lagMonths, `lag lag: a month of routine life (worst of ${ROUTINE_SEEDS} seeds)`),
  ];
  const defaults = rows.filter((r) => r.assumptions === 'default');
  process.stdout.write(`\n${formatDrillTable(defaults)}\n\n${formatAssumptionTable(rows)}\n\n(${3 * ROUTINE_SEEDS} routine months in ${seconds} s)\n`);
}, 600_000);

describe('the alarm drill', () => {
  it('meets the target in every scenario, under every evaluation assumption', () => {
    expect(rows.length).toBeGreaterThanOrEqual(5 * (23 + 5 + 11 + 15));
    expect(
      rows.filter((r) => !r.pass).map((r) => `${r.scenario} (${r.assumptions})`),
      formatAssumptionTable(rows),
    ).toEqual([]);
  });

  it('never pages when healthy, on a fresh deploy, for blips, or in a month of ordinary life', () => {
    for (const r of rows.filter((x) => !x.shouldPage)) expect([r.scenario, r.assumptions, r.pages]).toEqual([r.scenario, r.assumptions, 0]);
  });

  it('sends exactly one page per incident and no OK while it is still broken', () => {
    for (const r of rows.filter((x) => x.shouldPage)) {
      expect([r.scenario, r.assumptions, r.pages, r.okWhileBroken]).toEqual([r.scenario, r.assumptions, 1, 0]);
    }
  });

  it('tells integrity signals apart without paging: the late event and the EMF fallback notify', () => {
    const row = (scenario: string) => rows.find((r) => r.scenario === scenario && r.assumptions === 'default')!;
    expect(row('one late event').notifications).toContain('drill-late');
    expect(row('metrics through the EMF fallback').notifications).toContain('drill-metrics-fallback');
    expect(row('offset commits failing, runs healthy').notifications).toEqual(['drill-offset-commits']);
    expect(row('pipeline flow: one canary late, within its deadline').notifications).toContain('flow-late');
    expect(row('lag lag: a named group the cluster does not know').notifications).toContain('lag-unknown-groups');
  });
});
