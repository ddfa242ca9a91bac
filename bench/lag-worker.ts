/**
 * One lag-check process for the scale benchmark: a cold check (connect, read) then warm checks, reporting
 * wall times, what was read and peak memory as one JSON line. Bundled by esbuild like the Lambda.
 */
import { ProbeLogger } from '../lambda/adapters/logger';
import { parseLagConfig } from '../lambda/config/lag';
import { createRuntime } from '../lambda/runtime';

async function main(): Promise<void> {
  const [brokers, pattern, warmChecks] = process.argv.slice(2);
  const runtime = createRuntime('lag', {
    config: parseLagConfig({ checkName: 'bench', brokers, groupPattern: pattern, runTimeoutMs: 60_000, metricsSink: 'none' }),
    logger: new ProbeLogger({ level: 'ERROR' }),
  });
  const checks = [];
  for (let i = 0; i <= Number(warmChecks); i++) {
    const start = performance.now();
    const report = (await runtime.runOnce()).details;
    checks.push({
      ms: performance.now() - start,
      succeeded: report.succeeded,
      groups: report.groups.length,
      partitions: report.groups.reduce((n, g) => n + g.partitions.length, 0),
      lagging: report.groups.reduce((n, g) => n + g.laggingPartitions, 0),
      unknownTimeLag: report.groups.reduce((n, g) => n + g.partitions.filter((p) => (p.offsetLag ?? 0n) > 0n && p.timeLagMs === undefined).length, 0),
    });
  }
  await runtime.close();
  process.stdout.write(`${JSON.stringify({ checks, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
