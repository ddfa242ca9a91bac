/**
 * The healthy soak: many real runs against the local broker, one per simulated minute, replayed through
 * the alarms of the synthesized template with the drill's evaluator. A healthy pipeline must page no one
 * and notify no one: any transition here is a false alarm a user would have received.
 */
import { readFileSync } from 'node:fs';
import { ProbeLogger } from '../lambda/adapters/logger';
import { parseConfig } from '../lambda/config/roundtrip';
import type { RunReport } from '../lambda/core/roundtrip/report';
import { createRuntime } from '../lambda/runtime';
import { run, runScenario } from '../test/drill/scenarios';
import { alarmsFromTemplate, checkIds, topicId } from '../test/drill/template';

export interface SoakResult {
  readonly runs: number;
  readonly outcomes: Record<string, number>;
  readonly lost: number;
  readonly pages: number;
  readonly notifications: readonly string[];
  readonly wallSeconds: number;
}

export async function healthySoak(brokers: string, runs: number, templateFile: string, probeName: string, log: (line: string) => void): Promise<SoakResult> {
  const config = parseConfig({ probeName, brokers, topic: `bench-soak-${Date.now()}`, minPartitions: 3, metricsSink: 'none' });
  const runtime = createRuntime('roundtrip', { config, logger: new ProbeLogger({ level: 'SILENT' }) });
  const reports: RunReport[] = [];
  const started = Date.now();
  try {
    await runtime.runOnce(); // creates the topic: the deployment's first run, not part of the soak
    for (let i = 0; i < runs; i++) {
      reports.push((await runtime.runOnce()).details);
      if ((i + 1) % 250 === 0) log(`  soak: ${i + 1} of ${runs} runs`);
    }
  } finally {
    await runtime.close();
  }
  const template = JSON.parse(readFileSync(templateFile, 'utf8'));
  const row = runScenario(
    { name: 'healthy soak', shouldPage: false, deployedAt: 0, minutes: reports.map(run) },
    alarmsFromTemplate(template),
    { paging: topicId(template, 'pages on-call'), notify: topicId(template, 'does not page') },
    checkIds(template, probeName),
  );
  const outcomes: Record<string, number> = {};
  for (const r of reports) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return {
    runs,
    outcomes,
    lost: reports.reduce((n, r) => n + r.counts.lost, 0),
    pages: row.pages,
    notifications: row.notifications,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
}
