/**
 * No false signals on a real broker: what operators do to a cluster in ordinary times (add partitions,
 * write compressed records, share a topic, point at the wrong port) must never read as loss or failure.
 * Each case is one of issue "No false signals"'s numbered findings, made for real.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { roundTripCommitGroup } from '../../lambda/contract';
import { encodeEvent } from '../../lambda/core/roundtrip/event';
import type { RoundTripCheck } from '../../lambda/runtime';
import { kafkaLibs } from '../../local-kafka/broker';
import { probeConfig, rawKafka, uniqueName, withRuntime } from '../helpers/kafka';
import { SwitchableProxy } from '../helpers/proxy';

const kafka = inject('kafka');

/** Kafka's own console producer (the Java client): an independent writer, compressing with `codec`. */
function consoleProduce(topic: string, codec: string, lines: readonly string[]): Promise<void> {
  const libs = kafkaLibs();
  return new Promise((resolve, reject) => {
    const child = spawn(
      'java',
      [
        '-Xmx128m',
        '-cp',
        `${libs}/*`,
        'org.apache.kafka.tools.ConsoleProducer',
        '--bootstrap-server',
        kafka.plaintext,
        '--topic',
        topic,
        '--compression-codec',
        codec,
        '--request-required-acks',
        'all',
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`console producer (${codec}) exited ${code}: ${err}`))));
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

const healthyCounts = (sent: number) => ({ sent, acknowledged: sent, received: sent, overdue: 0, lost: 0, duplicated: 0, corrupt: 0, produceErrors: 0 });

describe('no false signals on a real broker', () => {
  it('#1 partitions added by someone else while warm: covered within a run, never reported lost', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2 });
    await withRuntime(config, async (runtime, output) => {
      expect((await runtime.runOnce()).details.counts).toMatchObject({ partitions: 2, ...healthyCounts(2) });
      const admin = rawKafka(kafka.plaintext).admin();
      await admin.connect();
      await admin.createPartitions({ topicPartitions: [{ topic: config.topic, count: 5 }] });
      await admin.disconnect();
      const after = [(await runtime.runOnce()).details, (await runtime.runOnce()).details, (await runtime.runOnce()).details];
      for (const r of after) {
        expect(r.outcome, JSON.stringify(r.problems)).toBe('healthy');
        expect(r.counts).toMatchObject(healthyCounts(r.counts.partitions));
      }
      expect(after.at(-1)!.counts.partitions).toBe(5);
      expect(output.events('run_problem')).toEqual([]);
    });
  });

  it("#3 records compressed with gzip, snappy, lz4 and zstd by Kafka's own producer are read, not fatal", async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 1 });
    await withRuntime(config, async (runtime, output) => {
      expect((await runtime.runOnce()).details.outcome).toBe('healthy');
      const codecs = ['gzip', 'snappy', 'lz4', 'zstd'];
      // Canary events of another probe, so a count proves each batch was decompressed and decoded; and one
      // plain line per codec, which is foreign.
      const wallAt = Date.now();
      await Promise.all(
        codecs.map((codec, i) =>
          consoleProduce(config.topic, codec, [
            encodeEvent({ probe: 'neighbour', run: `r-${codec}`, partition: 0, seq: i, sentAt: 0, wallAt }, 200),
            `not a canary, written with ${codec}`,
          ]),
        ),
      );
      const read = (await runtime.runOnce()).details;
      expect(read.outcome, JSON.stringify(read.errors)).toBe('healthy');
      expect(read.counts).toMatchObject({ ...healthyCounts(1), otherProbe: 4, foreign: 4 });
      expect(read.errors).toEqual([]);
      expect(output.text).not.toMatch(/compression not implemented/i);
    });
  }, 60_000);

  it('#6 a produce failure on every event is one folded error line, not one per event or partition', async () => {
    const topic = uniqueName('compacted');
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    // Keyless records are refused by a compacted topic: every send of the run fails.
    await admin.createTopics({ topics: [{ topic, numPartitions: 4, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true });
    await admin.disconnect();
    const config = probeConfig(kafka.plaintext, { topic, minPartitions: 4, eventsPerPartition: 50 });
    await withRuntime(config, async (runtime, output) => {
      const report = (await runtime.runOnce()).details;
      expect(report.counts).toMatchObject({ sent: 200, acknowledged: 0, produceErrors: 200, lost: 0, overdue: 0 });
      const errorLines = output.events('run_error');
      expect(errorLines.length).toBeGreaterThanOrEqual(1);
      expect(errorLines.length).toBeLessThanOrEqual(2);
      const folded = errorLines.reduce((n, l) => n + Number(l.count ?? 1), 0);
      expect(folded).toBe(200);
      expect(errorLines[0]).toMatchObject({ phase: 'send', partitions: [0, 1, 2, 3] });
      expect(output.events('run_problem').length).toBeLessThanOrEqual(200);
      expect(output.text.length).toBeLessThan(250_000);
    });
  });

  it('#7 joins no consumer group through a failure, a reset and close; commits to its one named group, never a member', async () => {
    const proxy = await SwitchableProxy.create(kafka.plaintext);
    const config = probeConfig(proxy.address, { runTimeoutMs: 6000 });
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    const ours = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(config.probeName));
    const commitGroup = roundTripCommitGroup(config.probeName);
    try {
      await withRuntime(config, async (runtime) => {
        expect((await runtime.runOnce()).details.outcome).toBe('failed'); // nothing listens yet
        await proxy.on();
        expect((await runtime.runOnce()).details.outcome).toBe('healthy');
        const { session } = runtime.check as RoundTripCheck;
        await session.reset(); // what a failed run does: every client dropped
        const afterReset = (await runtime.runOnce()).details;
        expect(afterReset.outcome).toBe('healthy');
        expect(afterReset.counts.lost).toBe(0);
        expect(afterReset.offsetCommit).toMatchObject({ group: commitGroup, latencyMs: expect.any(Number) });
        expect(afterReset.offsetCommit?.error).toBeUndefined();
        expect(await ours()).toEqual([commitGroup]);
      });
      expect(await ours()).toEqual([commitGroup]);
      const {
        groups: [described],
      } = await admin.describeGroups([commitGroup]);
      expect(described).toMatchObject({ state: 'Empty', members: [] });
      // What it committed is where the probe had read to: the end of each partition.
      const [committed] = await admin.fetchOffsets({ groupId: commitGroup, topics: [config.topic] });
      const ends = await admin.fetchTopicOffsets(config.topic);
      expect(committed!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(ends.map((e) => [e.partition, e.high]).sort());
    } finally {
      await Promise.all([admin.disconnect(), proxy.off()]);
    }
  });

  it('#8 an endpoint that is not Kafka fails in the connect phase, in time, with its timings', async () => {
    const server = createServer((_, res) => res.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const config = probeConfig(`127.0.0.1:${(server.address() as AddressInfo).port}`, { runTimeoutMs: 6000 });
    try {
      await withRuntime(config, async (runtime, output) => {
        const started = performance.now();
        const report = (await runtime.runOnce()).details;
        expect(performance.now() - started).toBeLessThan(config.runTimeoutMs + 1000);
        expect(report).toMatchObject({ outcome: 'failed', warm: false });
        expect(report.errors.map((e) => e.phase)).toEqual(['connect']);
        expect(report.errors[0]!.message).toMatch(/check that it is a Kafka listener/);
        expect(report.timings.connectMs).toBeGreaterThan(0);
        expect(output.events('run_error')).toEqual([expect.objectContaining({ phase: 'connect' })]);
      });
    } finally {
      server.close();
    }
  });

  it('#9 a second writer with the same probe name is named as such, and its events are not late', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2 });
    await withRuntime(config, async (twin) => {
      await withRuntime(config, async (runtime, output) => {
        await runtime.runOnce();
        await twin.runOnce();
        await twin.runOnce();
        const seen = (await runtime.runOnce()).details;
        expect(seen.outcome).toBe('healthy');
        expect(seen.counts).toMatchObject({ ...healthyCounts(2), late: 0 });
        expect(seen.counts.otherWriter).toBeGreaterThanOrEqual(2);
        const named = output.events('run_problem').filter((l) => l.status === 'other_writer');
        expect(named.length).toBeGreaterThanOrEqual(1);
        expect(String(named[0]!.detail)).toContain(`also uses the probe name "${config.probeName}"`);
        expect(output.events('run_problem').filter((l) => l.status === 'late')).toEqual([]);
      });
    });
  });

  it("#10 a damaged event carrying another probe's name does not degrade this probe", async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 1 });
    const producer = rawKafka(kafka.plaintext).producer();
    await producer.connect();
    try {
      await withRuntime(config, async (runtime, output) => {
        await runtime.runOnce();
        const damaged = encodeEvent({ probe: 'someone-else', run: 'x', partition: 0, seq: 0, sentAt: 0, wallAt: Date.now() }, 200).replace('canary', 'canarY');
        await producer.send({ topic: config.topic, acks: -1, messages: [{ partition: 0, value: damaged }] });
        const report = (await runtime.runOnce()).details;
        expect(report.outcome).toBe('healthy');
        expect(report.counts).toMatchObject({ ...healthyCounts(1), otherProbe: 1 });
        expect(output.events('run_problem').filter((l) => l.status === 'corrupt')).toEqual([]);
      });
    } finally {
      await producer.disconnect();
    }
  });
});
