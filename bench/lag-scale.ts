/**
 * The lag check at scale: 50 consumer groups over 2,000 partitions (40 topics of 50), each group behind on
 * half its partitions, checked by a fresh process bundled like the Lambda. Reports the cold and warm check
 * times and peak memory, against the targets of one minute and 256 MB.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Kafka, logLevel } from 'kafkajs';

export const LAG_SCALE = { topics: 40, partitionsPerTopic: 50, groups: 50, warmChecks: 2 };

async function setUp(brokers: string): Promise<void> {
  const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, clientId: 'bench-lag-setup' });
  const admin = kafka.admin();
  await admin.connect();
  const topics = Array.from({ length: LAG_SCALE.topics }, (_, t) => `bench-lag-${t}`);
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: LAG_SCALE.partitionsPerTopic, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  const producer = kafka.producer();
  await producer.connect();
  // Two records on every partition: a group at offset 1 is behind by one record, at 2 it is caught up.
  for (const topic of topics) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: LAG_SCALE.partitionsPerTopic * 2 }, (_, i) => ({ partition: i % LAG_SCALE.partitionsPerTopic, value: `r${i}` })),
    });
  }
  await producer.disconnect();
  // Group g reads topic g mod 40: 50 groups, every partition covered, ten topics read by two groups.
  for (let g = 0; g < LAG_SCALE.groups; g++) {
    const groupId = `bench-lag-group-${g}`;
    for (const topic of [topics[g % LAG_SCALE.topics]!]) {
      await admin.setOffsets({
        groupId,
        topic,
        partitions: Array.from({ length: LAG_SCALE.partitionsPerTopic }, (_, p) => ({ partition: p, offset: p % 2 === 0 ? '1' : '2' })),
      });
    }
  }
  await admin.disconnect();
}

function runWorker(workerJs: string, brokers: string): Promise<{ checks: Array<Record<string, number | boolean>>; maxRssMb: number }> {
  return new Promise((resolve, reject) => {
    // The Lambda's heap at 256 MB: Node sizes old space at about half the memory; this caps it the same way.
    const child = spawn(process.execPath, ['--max-old-space-size=128', workerJs, brokers, '^bench-lag-group-', String(LAG_SCALE.warmChecks)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '',
      err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`lag worker failed: ${err}`))));
  });
}

export type LagScaleResult = Awaited<ReturnType<typeof lagScale>>;

export async function lagScale(brokers: string, outDir: string, esbuildOptions: Record<string, unknown>, log: (line: string) => void) {
  const started = Date.now();
  await setUp(brokers);
  log(
    `  ${LAG_SCALE.groups} groups over ${LAG_SCALE.topics * LAG_SCALE.partitionsPerTopic} partitions set up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const workerJs = join(outDir, 'lag-worker.js');
  await build({ ...esbuildOptions, entryPoints: [join(__dirname, 'lag-worker.ts')], outfile: workerJs });
  const result = await runWorker(workerJs, brokers);
  const [cold, ...warm] = result.checks;
  const warmMs = warm.map((c) => c.ms as number).sort((a, b) => a - b);
  return {
    groups: cold!.groups,
    partitions: cold!.partitions,
    laggingPartitions: cold!.lagging,
    unknownTimeLag: cold!.unknownTimeLag,
    succeeded: result.checks.every((c) => c.succeeded),
    coldMs: Math.round(cold!.ms as number),
    warmMedianMs: Math.round(warmMs[Math.floor(warmMs.length / 2)]!),
    peakRssMb: Math.round(result.maxRssMb * 10) / 10,
  };
}

/** Alone: `npx tsx bench/lag-scale.ts` starts its own broker and prints the result. */
if (require.main === module) {
  void (async () => {
    const { startLocalKafka, PROJECT_ROOT } = await import('../local-kafka/broker');
    const broker = await startLocalKafka({ initialRebalanceDelayMs: 0 });
    try {
      const out = join(PROJECT_ROOT, 'bench', 'out');
      const result = await lagScale(
        broker.plaintext,
        out,
        { bundle: true, minify: true, platform: 'node', target: 'node22', format: 'cjs', logLevel: 'silent' },
        (l) => process.stderr.write(`${l}\n`),
      );
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } finally {
      await broker.stop();
    }
  })();
}
