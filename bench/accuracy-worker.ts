/**
 * A warm probe process for the accuracy benchmark, driven over stdin: each line "RUNS N" makes N runs and
 * answers one JSON line with every end-to-end sample (ms), the acknowledged and lost counts. The parent
 * may SIGSTOP it between commands, as Lambda freezes a container between invocations.
 */
import { createInterface } from 'node:readline';
import { ProbeLogger } from '../lambda/adapters/logger';
import { parseConfig } from '../lambda/config/roundtrip';
import { createRuntime } from '../lambda/runtime';

async function main(): Promise<void> {
  const [brokers, topic, minPartitions] = process.argv.slice(2);
  const config = parseConfig({ probeName: `bench-accuracy-${topic}`, brokers, topic, minPartitions, runTimeoutMs: 30_000, metricsSink: 'none' });
  const runtime = createRuntime('roundtrip', { config, logger: new ProbeLogger({ level: 'ERROR' }) });
  await runtime.runOnce(); // cold: connect and join, never a sample
  process.stdout.write('READY\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, count] = line.trim().split(' ');
    if (command !== 'RUNS') break;
    const samples: number[] = [];
    let acknowledged = 0;
    let lost = 0;
    let overdue = 0;
    for (let i = 0; i < Number(count); i++) {
      const report = (await runtime.runOnce()).details;
      samples.push(...report.samples.endToEnd);
      acknowledged += report.counts.acknowledged;
      lost += report.counts.lost;
      overdue += report.counts.overdue;
    }
    process.stdout.write(`${JSON.stringify({ samples, acknowledged, lost, overdue })}\n`);
  }
  await runtime.close();
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
