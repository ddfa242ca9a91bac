/**
 * Broken pipelines, made for real on the real broker: records deleted before they are read, events written
 * twice, bytes that are not canary events, an unreachable broker.
 */
import type { RecordMetadata } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { KafkaProbeSession } from '../../lambda/adapters/kafka/roundtrip/session';
import { encodeEvent } from '../../lambda/core/roundtrip/event';
import { createRuntime } from '../../lambda/runtime';
import { deletingSession, LateSession } from '../drill/fault-sessions';
import { probeConfig, rawKafka, withRuntime } from '../helpers/kafka';
import { SwitchableProxy } from '../helpers/proxy';

const kafka = inject('kafka');

const DeletingSession = deletingSession();

/** Writes every event twice (in one request, so both copies arrive in the run), as a retrying, non-idempotent writer would. */
class DuplicatingSession extends KafkaProbeSession {
  protected override produce(messages: Array<{ partition: number; value: string }>): Promise<RecordMetadata[]> {
    return super.produce([...messages, ...messages]);
  }
}

/** Dates partition 0's event a day back: a topic that refuses old timestamps refuses that partition alone. */
class BackdatingSession extends KafkaProbeSession {
  static requests = 0;
  protected override produce(messages: Array<{ partition: number; value: string }>): Promise<RecordMetadata[]> {
    BackdatingSession.requests++;
    return super.produce(messages.map((m) => (m.partition === 0 ? { ...m, timestamp: String(Date.now() - 86_400_000) } : m)));
  }
}

describe('faults on a real broker', () => {
  it('sends a round as one request per leader, and judges each partition on its own answer in it', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 3, eventsPerPartition: 2 });
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: config.topic, numPartitions: 3, configEntries: [{ name: 'message.timestamp.before.max.ms', value: '3600000' }] }],
      waitForLeaders: true,
    });
    await admin.disconnect();
    BackdatingSession.requests = 0;
    await withRuntime(
      config,
      async (runtime, output) => {
        const report = (await runtime.runOnce()).details;
        // Two rounds, one leader: two requests, each answering partition 0 with an error and the others with offsets.
        expect(BackdatingSession.requests).toBe(2);
        expect(report.counts).toMatchObject({ sent: 6, acknowledged: 4, produceErrors: 2, received: 4, lost: 0, overdue: 0, duplicated: 0 });
        expect(report.errors).toEqual([expect.objectContaining({ type: 'INVALID_TIMESTAMP', count: 2, partitions: [0] })]);
        const failed = output.events('run_problem').filter((l) => l.status === 'send_failed');
        expect(failed.map((l) => l.partition)).toEqual([0, 0]);
        expect(report.outcome).toBe('degraded');
      },
      (c, logger) => createRuntime('roundtrip', { config: c, logger, sessionClass: BackdatingSession }),
    );
  });

  it('reports records deleted before they were read as overdue, then as lost when the next run still cannot read them', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2, runTimeoutMs: 6000 });
    await withRuntime(
      config,
      async (runtime, output) => {
        const first = (await runtime.runOnce()).details;
        expect(first.counts).toMatchObject({ sent: 2, acknowledged: 2, received: 0, overdue: 2, lost: 0 });
        expect(first.outcome).toBe('degraded');
        expect(first.availability.endToEnd).toBe(0);
        const second = (await runtime.runOnce()).details;
        expect(second.counts).toMatchObject({ sent: 2, overdue: 2, lost: 2, late: 0 });
        const lostLines = output.events('run_problem').filter((l) => l.status === 'lost');
        expect(lostLines.map((l) => [l.runId, l.partition, l.offset, l.eventId]).sort()).toEqual([
          [second.runId, 0, '0', `${first.runId}/0/0`],
          [second.runId, 1, '0', `${first.runId}/1/0`],
        ]);
        expect(output.events('run_summary')[0]).toMatchObject({ level: 'WARN', outcome: 'degraded' });
      },
      (c, logger) => createRuntime('roundtrip', { config: c, logger, sessionClass: DeletingSession }),
    );
  });

  it("reports an event read after its run's deadline as late in the next run, never as lost", async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2, runTimeoutMs: 6000 });
    await withRuntime(
      config,
      async (runtime, output) => {
        const first = (await runtime.runOnce()).details;
        expect(first.counts).toMatchObject({ sent: 2, received: 1, overdue: 1, lost: 0 });
        await new Promise((r) => setTimeout(r, 1500)); // the paused partition resumes between runs
        const second = (await runtime.runOnce()).details;
        expect(second.counts).toMatchObject({ sent: 2, received: 2, late: 1, lost: 0, duplicated: 0 });
        const late = output.events('run_problem').filter((l) => l.status === 'late');
        expect(late).toEqual([expect.objectContaining({ runId: second.runId, partition: 0, eventId: `${first.runId}/0/0` })]);
        expect(String(late[0]!.detail)).toMatch(/read after its run's deadline, [\d.]+ ms after it was sent/);
      },
      (c, logger) => createRuntime('roundtrip', { config: c, logger, sessionClass: LateSession }),
    );
  });

  it('reports an event written twice as duplicated, and still counts its latency once', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2, eventsPerPartition: 2 });
    await withRuntime(
      config,
      async (runtime, output) => {
        const report = (await runtime.runOnce()).details;
        expect(report.counts).toMatchObject({ sent: 4, received: 4, duplicated: 4, lost: 0 });
        expect(report.samples.endToEnd).toHaveLength(4);
        const dupLines = output.events('run_problem').filter((l) => l.status === 'duplicated');
        expect(dupLines).toHaveLength(4);
        expect(dupLines[0]).toMatchObject({ partition: expect.any(Number), offset: expect.any(String), eventId: expect.stringContaining(report.runId) });
      },
      (c, logger) => createRuntime('roundtrip', { config: c, logger, sessionClass: DuplicatingSession }),
    );
  });

  it('counts foreign bytes, corrupt events and late events on the canary topic, and keeps measuring', async () => {
    const config = probeConfig(kafka.plaintext, { minPartitions: 2 });
    const producer = rawKafka(kafka.plaintext).producer();
    await producer.connect();
    try {
      await withRuntime(config, async (runtime, output) => {
        const first = (await runtime.runOnce()).details; // positions the consumer
        expect(first.outcome).toBe('healthy');
        const earlier = encodeEvent({ probe: config.probeName, run: 'an-earlier-run', partition: 1, seq: 0, sentAt: 1, wallAt: Date.now() - 60_000 }, 200);
        const corrupt = encodeEvent({ probe: config.probeName, run: 'x', partition: 0, seq: 0, sentAt: 1, wallAt: 1 }, 200).replace('canary', 'CANARY');
        await producer.send({
          topic: config.topic,
          messages: [
            { partition: 0, value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]) },
            { partition: 0, value: 'order-created {"id": 17}' },
            { partition: 1, value: null },
            { partition: 1, value: '{"sp":1,"probe":' },
            { partition: 0, value: corrupt },
            { partition: 1, value: earlier },
          ],
        });
        const second = (await runtime.runOnce()).details;
        expect(second.counts).toMatchObject({ sent: 2, received: 2, lost: 0, foreign: 3, corrupt: 2, late: 1 });
        const statuses = output
          .events('run_problem')
          .map((l) => l.status)
          .sort();
        expect(statuses).toEqual(['corrupt', 'corrupt', 'foreign', 'foreign', 'foreign', 'late']);
        const third = (await runtime.runOnce()).details;
        expect(third.counts).toMatchObject({ sent: 2, received: 2, foreign: 0, corrupt: 0 });
      });
    } finally {
      await producer.disconnect();
    }
  });

  it('ends a run against an unreachable broker within its deadline, with a clear error, and recovers', async () => {
    const proxy = await SwitchableProxy.create(kafka.plaintext);
    const config = probeConfig(proxy.address, { runTimeoutMs: 6000 });
    await withRuntime(config, async (runtime, output) => {
      const started = performance.now();
      const failed = (await runtime.runOnce()).details;
      const elapsed = performance.now() - started;
      expect(elapsed).toBeLessThan(config.runTimeoutMs + 1000);
      expect(failed).toMatchObject({ outcome: 'failed', measured: false, availability: { produce: 0, endToEnd: 0 } });
      expect(failed.errors).toHaveLength(1);
      expect(failed.errors[0]).toMatchObject({ phase: 'connect' });
      expect(failed.errors[0]!.message.length).toBeGreaterThan(10);
      const errorLines = output.events('run_error');
      expect(errorLines).toHaveLength(1);
      expect(errorLines[0]).toMatchObject({ level: 'ERROR', phase: 'connect', errorType: failed.errors[0]!.type, errorMessage: failed.errors[0]!.message });
      expect(errorLines[0]!.stack).toEqual(expect.any(String));
      expect(output.events('run_summary')[0]).toMatchObject({ level: 'ERROR', outcome: 'failed', measured: false });

      await proxy.on();
      try {
        const recovered = (await runtime.runOnce()).details;
        expect(recovered.outcome).toBe('healthy');
        expect(recovered.counts).toMatchObject({ sent: 1, received: 1 });
      } finally {
        await proxy.off();
      }
    });
  });
});
