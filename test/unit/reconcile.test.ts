import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../lambda/core/roundtrip/event';
import { failedReport, type ReceivedRecord, type ReconcileInput, reconcile, type SentRecord } from '../../lambda/core/roundtrip/reconcile';

const run = 'run-1';
const probe = 'p1';
const context = {
  probe,
  runId: run,
  topic: 'canary',
  startedAt: '2026-01-01T00:00:00.000Z',
  warm: true,
  timings: { connectMs: 0, prepareMs: 1, runMs: 10 },
  leaders: { 0: 1, 1: 2, 2: 1 } as Record<number, number>,
  brokers: [1, 2, 3],
};

function sent(partition: number, seq: number, sentAt = 100, ack: number | undefined = sentAt + 2): SentRecord {
  return { partition, seq, sentAt, ackedAt: ack, offset: String(seq) };
}

function arrival(
  partition: number,
  seq: number,
  offset: number,
  arrivedAt: number,
  opts: { run?: string; probe?: string; sentAt?: number; wallAt?: number } = {},
): ReceivedRecord {
  const value = encodeEvent({ probe: opts.probe ?? probe, run: opts.run ?? run, partition, seq, sentAt: opts.sentAt ?? 100, wallAt: opts.wallAt ?? 1 }, 200);
  return { partition, offset: String(offset), arrivedAt, value };
}

function input(s: SentRecord[], r: ReceivedRecord[], extra: Partial<ReconcileInput> = {}): ReconcileInput {
  return { ...context, sent: s, received: r, errors: [], ...extra };
}

describe('reconcile', () => {
  it('a healthy run: every event arrived once, latencies per event and per leader broker', () => {
    const report = reconcile(input([sent(0, 0), sent(1, 0), sent(2, 0)], [arrival(0, 0, 0, 105), arrival(1, 0, 0, 110), arrival(2, 0, 0, 103)]));
    expect(report.outcome).toBe('healthy');
    expect(report.counts).toMatchObject({ partitions: 3, sent: 3, acknowledged: 3, received: 3, lost: 0, duplicated: 0, outOfOrder: 0 });
    expect(report.samples.endToEnd).toEqual([5, 10, 3]);
    expect(report.samples.produce).toEqual([2, 2, 2]);
    expect(report.availability).toEqual({ produce: 100, endToEnd: 100 });
    expect(report.samples.endToEndByBroker).toEqual({ 1: [5, 3], 2: [10] });
    expect(report.brokers.map((b) => [b.brokerId, b.leaderOf, b.endToEnd?.max])).toEqual([
      [1, [0, 2], 5],
      [2, [1], 10],
      [3, [], undefined],
    ]);
    expect(report.brokersWithoutCanaryLeader).toEqual([3]);
    expect(report.problems).toEqual([]);
  });

  it('an acknowledged event unread by the deadline is overdue, not yet lost, and is carried to the next run', () => {
    const report = reconcile(input([sent(0, 0), sent(1, 0, 100)], [arrival(0, 0, 0, 105)]));
    expect(report.counts).toMatchObject({ overdue: 1, lost: 0 });
    expect(report.outcome).toBe('degraded');
    expect(report.availability.endToEnd).toBe(50);
    expect(report.problems).toEqual([
      { status: 'overdue', partition: 1, offset: '0', eventId: 'run-1/1/0', detail: expect.stringContaining('lost if still unread') },
    ]);
    expect(report.pending).toEqual([{ eventId: 'run-1/1/0', partition: 1, offset: '0', sentAt: 100 }]);
  });

  it('an overdue event read in the next run is late, with its true latency; one still unread then, with the reader past it, is lost', () => {
    const pending = [
      { eventId: 'run-0/1/0', partition: 1, offset: '3', sentAt: 50 },
      { eventId: 'run-0/2/0', partition: 2, offset: '8', sentAt: 50 },
    ];
    const foreignPastIt = { partition: 2, offset: '9', arrivedAt: 100, value: 'not a canary' };
    const report = reconcile(input([sent(0, 0)], [arrival(0, 0, 0, 105), arrival(1, 0, 3, 90, { run: 'run-0' }), foreignPastIt], { pending }));
    expect(report.counts).toMatchObject({ received: 1, late: 1, lost: 1, overdue: 0, foreign: 1 });
    expect(report.problems.filter((p) => p.status !== 'foreign')).toEqual([
      expect.objectContaining({ status: 'late', eventId: 'run-0/1/0', offset: '3', detail: expect.stringContaining('40 ms after it was sent') }),
      expect.objectContaining({ status: 'lost', eventId: 'run-0/2/0', partition: 2, offset: '8', detail: expect.stringContaining('read offset 9 past it') }),
    ]);
    expect(report.availability.endToEnd).toBe(100);
    expect(report.arrivals).toContainEqual({ eventId: 'run-0/1/0', partition: 1, offset: '3' });
  });

  it("an unread overdue event is lost when its partition's log now starts beyond it", () => {
    const pending = [{ eventId: 'run-0/1/0', partition: 1, offset: '3', sentAt: 50 }];
    const report = reconcile(input([sent(0, 0)], [arrival(0, 0, 0, 105)], { pending, logStartOffsets: { 1: '4' } }));
    expect(report.counts.lost).toBe(1);
    expect(report.problems).toEqual([expect.objectContaining({ status: 'lost', detail: expect.stringContaining('log now starts at offset 4') })]);
    expect(report.pending).toEqual([]);
  });

  it('an unread overdue event with nothing read past it stays pending: unread is not lost', () => {
    const pending = [{ eventId: 'run-0/1/0', partition: 1, offset: '3', sentAt: 50 }];
    const stuck = reconcile(input([sent(0, 0)], [], { pending, logStartOffsets: { 1: '0' } }));
    expect(stuck.counts).toMatchObject({ lost: 0, overdue: 1 });
    expect(stuck.pending.map((p) => p.eventId).sort()).toEqual(['run-0/1/0', 'run-1/0/0']);
    expect(stuck.problems).toContainEqual(
      expect.objectContaining({ status: 'overdue', eventId: 'run-0/1/0', detail: expect.stringContaining('not confirmed lost') }),
    );
    // Read later, it is late, never lost.
    const later = reconcile(
      input([], [arrival(1, 0, 3, 900, { run: 'run-0' })], { runId: 'run-2', pending: stuck.pending.filter((p) => p.eventId === 'run-0/1/0') }),
    );
    expect(later.counts).toMatchObject({ late: 1, lost: 0 });
  });

  it('a second copy at another offset is a duplicate; latency counts the first copy', () => {
    const report = reconcile(input([sent(0, 0)], [arrival(0, 0, 4, 105), arrival(0, 0, 5, 120)]));
    expect(report.counts).toMatchObject({ received: 1, duplicated: 1, lost: 0 });
    expect(report.samples.endToEnd).toEqual([5]);
    expect(report.problems[0]).toMatchObject({ status: 'duplicated', offset: '5', eventId: 'run-1/0/0', detail: 'first seen at offset 4' });
  });

  it('a copy at another offset of an event read in an earlier run is a duplicate; the same record re-read is nothing', () => {
    const previous = 'run-0';
    const report = reconcile(
      input(
        [sent(0, 0)],
        [arrival(0, 0, 0, 105), arrival(1, 0, 3, 106, { run: previous }), arrival(1, 0, 2, 106, { run: previous }), arrival(1, 1, 4, 106, { run: previous })],
        { arrivedEarlier: [{ eventId: `${previous}/1/0`, partition: 1, offset: '2' }] },
      ),
    );
    expect(report.counts).toMatchObject({ received: 1, duplicated: 1, late: 1 });
    expect(report.outcome).toBe('degraded');
    expect(report.problems).toEqual([
      expect.objectContaining({ status: 'duplicated', eventId: 'run-0/1/0', offset: '3', detail: 'copy of an event first read at 1:2' }),
      expect.objectContaining({ status: 'late', eventId: 'run-0/1/1', offset: '4' }),
    ]);
    expect(report.arrivals.map((a) => a.eventId)).toEqual(['run-1/0/0', 'run-0/1/1']);
  });

  it('re-reading records of the previous run after a consumer is re-positioned counts nothing', () => {
    const earlier = [{ eventId: 'run-0/0/0', partition: 0, offset: '0' }];
    const report = reconcile(input([sent(0, 0)], [arrival(0, 0, 0, 104, { run: 'run-0' }), arrival(0, 0, 1, 105)], { arrivedEarlier: earlier }));
    expect(report.counts).toMatchObject({ received: 1, duplicated: 0, late: 0 });
    expect(report.outcome).toBe('healthy');
  });

  it('a lower sequence at a higher offset is out of order', () => {
    const report = reconcile(input([sent(0, 0), sent(0, 1), sent(0, 2)], [arrival(0, 1, 10, 105), arrival(0, 0, 11, 106), arrival(0, 2, 12, 107)]));
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
    const report = reconcile(
      input(
        [sent(0, 0), sent(1, 0)],
        [
          good,
          { partition: 1, offset: '1', arrivedAt: 107, value: corrupted },
          { partition: 2, offset: '7', arrivedAt: 108, value: new Uint8Array([1, 2, 3]) },
          { partition: 2, offset: '8', arrivedAt: 108, value: null },
          arrival(2, 0, 9, 109, { run: 'earlier-run' }),
          arrival(2, 0, 10, 109, { probe: 'another-probe' }),
        ],
      ),
    );
    expect(report.counts).toMatchObject({ received: 1, corrupt: 1, foreign: 2, late: 1, otherProbe: 1, lost: 0 });
    expect(report.problems.map((p) => p.status).sort()).toEqual(['corrupt', 'foreign', 'foreign', 'late']);
    expect(report.outcome).toBe('degraded');
  });

  it('names another writer of the same probe name once per foreign run, and neither calls its events late nor degrades the run', () => {
    const writer = { ownRuns: new Set(['run-0', run]), startedWallMs: 1000 };
    const report = reconcile(
      input(
        [sent(0, 0)],
        [
          arrival(0, 0, 0, 105),
          arrival(1, 0, 4, 106, { run: 'twin-7', wallAt: 2000 }),
          arrival(2, 0, 5, 106, { run: 'twin-7', wallAt: 2000 }),
          arrival(2, 1, 6, 107, { run: 'twin-8', wallAt: 3000 }),
          // Ours (a run this process sent), or older than this process (a predecessor's): late, as before.
          arrival(1, 0, 7, 108, { run: 'run-0', wallAt: 1500 }),
          arrival(1, 0, 8, 108, { run: 'before-me', wallAt: 500 }),
        ],
        { writer },
      ),
    );
    expect(report.counts).toMatchObject({ received: 1, otherWriter: 3, late: 2, corrupt: 0 });
    expect(report.outcome).toBe('healthy');
    const named = report.problems.filter((p) => p.status === 'other_writer');
    expect(named.map((p) => p.eventId)).toEqual(['twin-7/1/0', 'twin-8/2/1']);
    expect(named[0]!.detail).toContain('also uses the probe name "p1"');
  });

  it('counts brokers missing from the cluster against the size it should have', () => {
    const healthy = [sent(0, 0)],
      read = [arrival(0, 0, 0, 105)];
    expect(reconcile(input(healthy, read, { expectedBrokers: 5 })).brokersMissing).toBe(2);
    expect(reconcile(input(healthy, read, { expectedBrokers: 3 })).brokersMissing).toBe(0);
    expect(reconcile(input(healthy, read, { expectedBrokers: 2 })).brokersMissing).toBe(0);
    expect(reconcile(input(healthy, read)).brokersMissing).toBe(0);
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
    expect(report.counts.overdue).toBe(10);
    expect(report.problems).toHaveLength(3);
    expect(report.problemsOmitted).toBe(7);
  });

  it("a damaged event that names another probe is that probe's, and does not degrade this run", () => {
    const damaged = String(arrival(0, 0, 3, 0, { probe: 'someone-else' }).value).replace('canary', 'canarY');
    const report = reconcile(input([sent(0, 0)], [arrival(0, 0, 0, 105), { partition: 0, offset: '3', arrivedAt: 106, value: damaged }]));
    expect(report.counts).toMatchObject({ corrupt: 0, otherProbe: 1 });
    expect(report.outcome).toBe('healthy');
  });

  it('folds identical errors into one line with a count and the partitions', () => {
    const error = (partition: number) => ({
      phase: 'send' as const,
      type: 'NOT_ENOUGH_REPLICAS',
      message: `sending to partition ${partition}: not enough replicas`,
      partition,
    });
    const s = [0, 1, 2].map((p) => ({ partition: p, seq: 0, sentAt: 100, error: error(p) }));
    const report = reconcile(input(s, []));
    expect(report.counts.produceErrors).toBe(3);
    expect(report.errors).toEqual([expect.objectContaining({ type: 'NOT_ENOUGH_REPLICAS', count: 3, partitions: [0, 1, 2] })]);
    expect(report.errorsOmitted).toBe(0);
  });

  it('the slowest broker is the one with the highest median, so one outlier does not make a broker slow', () => {
    const report = reconcile(
      input(
        [sent(0, 0), sent(0, 1), sent(0, 2), sent(1, 0), sent(2, 0)],
        [arrival(0, 0, 0, 102), arrival(0, 1, 1, 103), arrival(0, 2, 2, 190), arrival(1, 0, 0, 150), arrival(2, 0, 0, 104)],
      ),
    );
    // broker 1 leads 0 and 2: samples 2, 3, 90, 4 -> median 3; broker 2 leads 1: 50.
    expect(report.slowestBrokerMs).toBe(50);
  });

  it('a failed run reports availability 0 and its error', () => {
    const error = { phase: 'connect' as const, type: 'KafkaJSConnectionError', message: 'refused' };
    const report = failedReport({ ...context, leaders: {}, brokers: [] }, [error]);
    expect(report).toMatchObject({ outcome: 'failed', measured: false, availability: { produce: 0, endToEnd: 0 }, errors: [error] });
    expect(report.counts.sent).toBe(0);
  });

  it('a run whose every send failed still says which brokers are missing; one that read no metadata says none', () => {
    const error = { phase: 'send' as const, type: 'KafkaJSConnectionError', message: 'refused' };
    expect(failedReport({ ...context, brokers: [1, 2], expectedBrokers: 3 }, [error]).brokersMissing).toBe(1);
    expect(failedReport({ ...context, brokers: [], expectedBrokers: 3 }, [error]).brokersMissing).toBe(0);
  });
});
