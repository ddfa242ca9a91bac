/**
 * One probe process for the run-cost benchmark: a cold run (connect, join, first run) then warm runs,
 * reporting wall times and peak memory as one JSON line. Bundled by esbuild like the Lambda, run by node.
 */

import { ProbeLogger } from '../lambda/adapters/logger';
import { parseConfig } from '../lambda/config/roundtrip';
import { createRuntime } from '../lambda/runtime';

async function main(): Promise<void> {
  const [brokers, topic, warmRuns] = process.argv.slice(2);
  const config = parseConfig({ probeName: 'bench', brokers, topic, runTimeoutMs: 30_000, metricsSink: 'none' });
  const runtime = createRuntime('roundtrip', { config, logger: new ProbeLogger({ level: 'ERROR' }) });
  const wall = async () => {
    const start = performance.now();
    const report = (await runtime.runOnce()).details;
    return { ms: performance.now() - start, report };
  };
  const cold = await wall();
  const warm: number[] = [];
  const warmLatencyP99: number[] = [];
  let lost = cold.report.counts.lost;
  for (let i = 0; i < Number(warmRuns); i++) {
    const run = await wall();
    warm.push(run.ms);
    warmLatencyP99.push(run.report.latency.endToEnd?.p99 ?? NaN);
    lost += run.report.counts.lost;
  }
  await runtime.close();
  process.stdout.write(
    `${JSON.stringify({
      coldMs: cold.ms,
      coldConnectMs: cold.report.timings.connectMs,
      coldPrepareMs: cold.report.timings.prepareMs,
      coldOutcome: cold.report.outcome,
      partitions: cold.report.counts.partitions,
      warmMs: warm,
      warmLatencyP99,
      lost,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
