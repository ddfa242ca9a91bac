/**
 * The alarm drill: real runs against the real broker (faults made for real), replayed minute by minute
 * through the alarms of the template `cdk synth` writes, under CloudWatch's documented evaluation rules.
 * Every failure pages once and in time, recovers in time, and nothing pages when healthy.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { lagScenarios, pipelineScenarios } from '../drill/check-scenarios';
import { collectReports } from '../drill/collect';
import { collectLagReports, collectPipelineReports } from '../drill/collect-checks';
import { routineMonth } from '../drill/routine-life';
import { buildScenarios, type DrillRow, formatAssumptionTable, formatDrillTable, runUnderEveryAssumption, withOutcomeHistory } from '../drill/scenarios';
import { alarmsFromTemplate, alarmsOfCheck, functionId, topicId } from '../drill/template';
import { readTemplate, synth } from '../helpers/cdk';

const kafka = inject('kafka');
/** Every scenario under the default assumptions. */
let rows: DrillRow[];
/** Every scenario under every assumption (EVALUATION_ASSUMPTIONS). */
let everyAssumption: DrillRow[];

beforeAll(async () => {
  const brokers = ['b-1.drill.internal:9092'];
  const [pools, pipelinePools, lagPools, synthesized] = await Promise.all([
    collectReports(kafka.plaintext),
    collectPipelineReports(kafka.plaintext),
    collectLagReports(kafka.plaintext),
    synth({
      stackName: 'Drill',
      targets: [{ probeName: 'drill', brokers }],
      pipelines: [{ pipelineName: 'flow', inputBrokers: brokers, inputTopic: 'in', outputTopic: 'out' }],
      lagChecks: [{ checkName: 'lag', brokers, groups: ['orders'], groupPattern: '^etl' }],
    }),
  ]);
  expect(synthesized.code, synthesized.output).toBe(0);
  const template = readTemplate(synthesized.outdir, 'Drill') as never;
  const alarms = alarmsFromTemplate(template);
  const topics = { paging: topicId(template, 'pages on-call'), notify: topicId(template, 'does not page') };
  rows = [
    ...buildScenarios(pools).flatMap((s) => runUnderEveryAssumption(s, alarms, topics, functionId(template, 'drill'))),
    ...pipelineScenarios(pipelinePools, 'flow').flatMap((s) =>
      runUnderEveryAssumption(s, alarms, topics, functionId(template, 'flow', 'STREAMPROBE_PIPELINE_NAME')),
    ),
    ...lagScenarios(lagPools, 'lag', 'orders', 'etl-loader').flatMap((s) =>
      runUnderEveryAssumption(s, alarms, topics, functionId(template, 'lag', 'STREAMPROBE_LAG_CHECK_NAME')),
    ),
  ];
  everyAssumption = rows;
  if (process.env.DRILL_MONTH) {
    const started = performance.now();
    const month = withOutcomeHistory(routineMonth(pools, 1));
    const monthRows = runUnderEveryAssumption(month, alarmsOfCheck(alarms, 'streamprobe-roundtrip-drill-'), topics, functionId(template, 'drill'));
    process.stdout.write(`month: ${((performance.now() - started) / 1000).toFixed(1)} s\n${formatAssumptionTable(monthRows)}\n`);
  }
  rows = everyAssumption.filter((r) => r.assumptions === 'default');
  process.stdout.write(`\n${formatDrillTable(rows)}\n\n${formatAssumptionTable(everyAssumption)}\n`);
}, 240_000);

describe('the alarm drill', () => {
  it('meets the target in every scenario', () => {
    expect(rows.length).toBeGreaterThanOrEqual(15 + 8 + 10);
    expect(
      rows.filter((r) => !r.pass).map((r) => r.scenario),
      formatDrillTable(rows),
    ).toEqual([]);
  });

  it('never pages when healthy, on a fresh deploy, for a late event or a single failed run', () => {
    for (const r of rows.filter((x) => !x.shouldPage)) expect(r.pages, r.scenario).toBe(0);
  });

  it('sends exactly one page per incident and no OK while it is still broken', () => {
    for (const r of rows.filter((x) => x.shouldPage)) {
      expect([r.scenario, r.pages, r.okWhileBroken]).toEqual([r.scenario, 1, 0]);
    }
  });

  it('tells integrity signals apart without paging: the late event and the EMF fallback notify', () => {
    expect(rows.find((r) => r.scenario === 'one late event')!.notifications).toContain('drill-late');
    expect(rows.find((r) => r.scenario === 'metrics through the EMF fallback')!.notifications).toContain('drill-metrics-fallback');
    expect(rows.find((r) => r.scenario === 'offset commits failing, runs healthy')!.notifications).toEqual(['drill-offset-commits']);
    expect(rows.find((r) => r.scenario === 'pipeline flow: one canary late, within its deadline')!.notifications).toContain('flow-late');
    expect(rows.find((r) => r.scenario === 'lag lag: a named group the cluster does not know')!.notifications).toContain('lag-unknown-groups');
  });
});
