/** Healthy round trips against the real local broker: counts reconcile exactly, logs say so. */
import type { RecordMetadata } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { KafkaProbeSession } from '../../lambda/adapters/kafka/roundtrip/session';
import { createRuntime } from '../../lambda/runtime';
import { probeConfig, rawKafka, withRuntime } from '../helpers/kafka';

const CLIENT_DELAY_MS = 1000;

/** A second of client-side work before kafkajs's produce call, as a slow metadata refresh or a busy event loop would add. */
class SlowClientSession extends KafkaProbeSession {
  protected override async produce(messages: Array<{ partition: number; value: string }>): Promise<RecordMetadata[]> {
    await new Promise((r) => setTimeout(r, CLIENT_DELAY_MS));
    return super.produce(messages);
  }
}

const kafka = inject('kafka');

describe('round trip against a real broker', () => {
  it('starts a sample when the encoded request goes to the connection: client work before it is not latency', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2 });
    await withRuntime(
      config,
      async (runtime) => {
        await runtime.runOnce();
        const report = (await runtime.runOnce()).details;
        expect(report.outcome).toBe('healthy');
        expect(report.timings.runMs).toBeGreaterThanOrEqual(CLIENT_DELAY_MS);
        // Stamped at the call, every sample would hold the whole second.
        for (const sample of [...report.samples.endToEnd, ...report.samples.produce]) {
          expect(sample).toBeGreaterThan(0);
          expect(sample).toBeLessThan(CLIENT_DELAY_MS / 2);
        }
        expect(report.samples.endToEnd).toHaveLength(2);
      },
      (c, logger) => createRuntime('roundtrip', { config: c, logger, sessionClass: SlowClientSession }),
    );
  });

  it('creates a missing canary topic and covers every partition, every event arriving exactly once', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 4, eventsPerPartition: 3, messageBytes: 512 });
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain(config.topic);
      await withRuntime(config, async (runtime, output) => {
        const report = (await runtime.runOnce()).details;
        expect(report.outcome).toBe('healthy');
        expect(report.counts).toMatchObject({
          partitions: 4,
          sent: 12,
          acknowledged: 12,
          received: 12,
          lost: 0,
          duplicated: 0,
          outOfOrder: 0,
          corrupt: 0,
          foreign: 0,
          produceErrors: 0,
        });
        expect(report.availability).toEqual({ produce: 100, endToEnd: 100 });
        expect(report.samples.endToEnd).toHaveLength(12);
        expect(report.latency.endToEnd!.p99).toBeGreaterThan(0);
        expect(report.latency.endToEnd!.p99).toBeLessThan(config.runTimeoutMs);
        expect(report.brokers).toEqual([expect.objectContaining({ brokerId: 1, leaderOf: [0, 1, 2, 3] })]);

        // What a user reads: one JSON summary line with the same counts, no problem or error lines.
        const summaries = output.events('run_summary');
        expect(summaries).toHaveLength(1);
        expect(summaries[0]).toMatchObject({ level: 'INFO', service: 'streamprobe', runId: report.runId, outcome: 'healthy', warm: false });
        expect(summaries[0]!.counts).toMatchObject({ sent: 12, received: 12, lost: 0 });
        expect(output.events('run_problem')).toEqual([]);
        expect(output.events('run_error')).toEqual([]);
      });

      const offsets = await admin.fetchTopicOffsets(config.topic);
      expect(offsets.map((o) => Number(o.high) - Number(o.low))).toEqual([3, 3, 3, 3]);
    } finally {
      await admin.deleteTopics({ topics: [config.topic] }).catch(() => {});
      await admin.disconnect();
    }
  });

  it('reuses its clients when warm: later runs skip connecting and joining', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2 });
    await withRuntime(config, async (runtime) => {
      const first = (await runtime.runOnce()).details;
      const second = (await runtime.runOnce()).details;
      const third = (await runtime.runOnce()).details;
      expect([first.warm, second.warm, third.warm]).toEqual([false, true, true]);
      for (const r of [first, second, third]) expect(r.counts).toMatchObject({ sent: 2, received: 2, lost: 0, late: 0, duplicated: 0 });
      expect(second.timings.connectMs).toBeLessThan(1);
      expect(second.timings.prepareMs).toBeLessThan(first.timings.prepareMs);
    });
  });

  it('adds partitions to an existing topic that has fewer than wanted', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 3 });
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: config.topic, numPartitions: 1, replicationFactor: 1 }] });
      await withRuntime(config, async (runtime) => {
        const report = (await runtime.runOnce()).details;
        expect(report.counts).toMatchObject({ partitions: 3, sent: 3, received: 3 });
      });
    } finally {
      await admin.disconnect();
    }
  });
});
