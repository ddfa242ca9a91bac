import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../lambda/core/event';
import { failedReport, reconcile, type ReceivedRecord, type ReconcileInput, type SentRecord } from '../../lambda/core/reconcile';

const run = 'run-1';
const probe = 'p1';
const context = {
  probe, runId: run, topic: 'canary', startedAt: '2026-01-01T00:00:00.000Z', warm: true,
  timings: { connectMs: 0, prepareMs: 1, runMs: 10 },
  leaders: { 0: 1, 1: 2, 2: 1 } as Record<number, number>,
  brokers: [1, 2, 3],
};

function sent(partition: number, seq: number, sentAt = 100, ack: number | undefined = sentAt + 2): SentRecord {
  return { partition, seq, sentAt, ackedAt: ack, offset: String(seq) };
}

function arrival(partition: number, seq: number, offset: number, arrivedAt: number, opts: { run?: string; probe?: string; sentAt?: number } = {}): ReceivedRecord {
  const value = encodeEvent({ probe: opts.probe ?? probe, run: opts.run ?? run, partition, seq, sentAt: opts.sentAt ?? 100, wallAt: 1 }, 200);
  return { partition, offset: String(offset), arrivedAt, value };
}

function input(s: SentRecord[], r: ReceivedRecord[], extra: Partial<ReconcileInput> = {}): ReconcileInput {
  return { ...context, sent: s, received: r, errors: [], ...extra };
}

describe('reconcile', () => {
  it('a healthy run: every event arrived once, latencies per event and per leader broker', () => {
    const report = reconcile(input(
      [sent(0, 0), sent(1, 0), sent(2, 0)],
      [arrival(0, 0, 0, 105), arrival(1, 0, 0, 110), arrival(2, 0, 0, 103)],
    ));
    expect(report.outcome).toBe('healthy');
    expect(report.counts).toMatchObject({ partitions: 3, sent: 3, acknowledged: 3, received: 3, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(report.samples.endToEnd).toEqual([5, 10, 3]);
    expect(report.samples.produce).toEqual([2, 2, 2]);
    expect(report.availability).toEqual({ produce: 100, endToEnd: 100 });
    expect(report.samples.endToEndByBroker).toEqual({ 1: [5, 3], 2: [10] });
    expect(report.brokers.map((b) => [b.brokerId, b.leaderOf, b.endToEnd?.max])).toEqual([[1, [0, 2], 5], [2, [1], 10], [3, [], undefined]]);
    expect(report.brokersWithoutCanaryLeader).toEqual([3]);
    expect(report.problems).toEqual([]);
  });

  it('an acknowledged event that never arrives is lost, with its offset', () => {
    const report = reconcile(input([sent(0, 0), sent(1, 0)], [arrival(0, 0, 0, 105)]));
    expect(report.counts.lost).toBe(1);
    expect(report.outcome).toBe('degraded');
    expect(report.availability.endToEnd).toBe(50);
    expect(report.problems).toEqual([{ status: 'lost', partition: 1, offset: '0', eventId: 'run-1/1/0', detail: expect.any(String) }]);
  });

  it('a second copy at another offset is a duplicate; latency counts the first copy', () => {
    const report = reconcile(input([sent(0, 0)], [arrival(0, 0, 4, 105), arrival(0, 0, 5, 120)]));
    expect(report.counts).toMatchObject({ received: 1, duplicated: 1, lost: 0 });
    expect(report.samples.endToEnd).toEqual([5]);
    expect(report.problems[0]).toMatchObject({ status: 'duplicated', offset: '5', eventId: 'run-1/0/0', detail: 'first seen at offset 4' });
  });

  it('a copy of an event that arrived in an earlier run is a duplicate, not a late arrival', () => {
    const previous = 'run-0';
    const report = reconcile(input([sent(0, 0)], [
      arrival(0, 0, 0, 105),
      arrival(1, 0, 3, 106, { run: previous }),
      arrival(1, 1, 4, 106, { run: previous }),
    ], { arrivedEarlier: new Set([`${previous}/1/0`]) }));
    expect(report.counts).toMatchObject({ received: 1, duplicated: 1, late: 1 });
    expect(report.problems).toEqual([
      expect.objectContaining({ status: 'duplicated', eventId: 'run-0/1/0', offset: '3' }),
      expect.objectContaining({ status: 'late', eventId: 'run-0/1/1', offset: '4' }),
    ]);
    expect(report.arrivedEventIds).toEqual(['run-1/0/0']);
  });

  it('a lower sequence at a higher offset is out of order', () => {
    const report = reconcile(input(
      [sent(0, 0), sent(0, 1), sent(0, 2)],
      [arrival(0, 1, 10, 105), arrival(0, 0, 11, 106), arrival(0, 2, 12, 107)],
    ));
    expect(report.counts.outOfOrder).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ status: 'out_of_order', offset: '11', eventId: 'run-1/0/0' })]);
  });

  it('orders by offset numerically, not as text', () => {
    const report = reconcile(input([sent(0, 0), sent(0, 1)], [arrival(0, 1, 10, 106), arrival(0, 0, 9, 105)]));
    expect(report.counts.outOfOrder).toBe(0);
  });

  it('counts corrupt, foreign, late and other-probe messages apart, and a corrupt event is not also lost', () => {
    const good = arrival(0, 0, 0, 105);
    const corrupted = String(arrival(1, 0, 0, 0).value).replace('canary', 'canarY');
    const report = reconcile(input(
      [sent(0, 0), sent(1, 0)],
      [
        good,
        { partition: 1, offset: '1', arrivedAt: 107, value: corrupted },
        { partition: 2, offset: '7', arrivedAt: 108, value: new Uint8Array([1, 2, 3]) },
        { partition: 2, offset: '8', arrivedAt: 108, value: null },
        arrival(2, 0, 9, 109, { run: 'earlier-run' }),
        arrival(2, 0, 10, 109, { probe: 'another-probe' }),
      ],
    ));
    expect(report.counts).toMatchObject({ received: 1, corrupt: 1, foreign: 2, late: 1, otherProbe: 1, lost: 0 });
    expect(report.problems.map((p) => p.status).sort()).toEqual(['corrupt', 'foreign', 'foreign', 'late']);
    expect(report.outcome).toBe('degraded');
  });

  it('a send that failed is a produce error, not a loss', () => {
    const error = { phase: 'send' as const, type: 'KafkaJSError', message: 'boom', partition: 1 };
    const report = reconcile(input([sent(0, 0), { partition: 1, seq: 0, sentAt: 100, error }], [arrival(0, 0, 0, 104)]));
    expect(report.counts).toMatchObject({ sent: 2, acknowledged: 1, produceErrors: 1, lost: 0 });
    expect(report.availability).toEqual({ produce: 50, endToEnd: 50 });
    expect(report.errors).toEqual([error]);
    expect(report.problems).toEqual([expect.objectContaining({ status: 'send_failed', partition: 1, detail: 'KafkaJSError: boom' })]);
  });

  it('caps the listed problems and counts the rest', () => {
    const s = Array.from({ length: 10 }, (_, i) => sent(0, i));
    const report = reconcile(input(s, [], { maxProblems: 3 }));
    expect(report.counts.lost).toBe(10);
    expect(report.problems).toHaveLength(3);
    expect(report.problemsOmitted).toBe(7);
  });

  it('a failed run reports availability 0 and its error', () => {
    const error = { phase: 'connect' as const, type: 'KafkaJSConnectionError', message: 'refused' };
    const report = failedReport({ ...context, leaders: {}, brokers: [] }, [error]);
    expect(report).toMatchObject({ outcome: 'failed', measured: false, availability: { produce: 0, endToEnd: 0 }, errors: [error] });
    expect(report.counts.sent).toBe(0);
  });
});
