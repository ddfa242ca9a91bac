/** The load test's pure parts: rate, schedule, record format, tally, report and baseline comparison. */
import { describe, expect, it } from 'vitest';
import { parseLoadConfig } from '../../lambda/config/load';
import { compareWithBaseline, parseBaseline, settingsDiffer } from '../../lambda/core/load/baseline';
import { parseRate, recordsPerSecond } from '../../lambda/core/load/rate';
import { decodeLoadRecord, encodeLoadRecord } from '../../lambda/core/load/record';
import { type LoadReport, loadReport } from '../../lambda/core/load/report';
import { LoadSchedule } from '../../lambda/core/load/schedule';
import { LoadTally, sendOutcomeUnknown } from '../../lambda/core/load/tally';

const identity = (t: LoadTally) => ({
  loadTest: 't',
  loadId: 'id',
  topic: 'load',
  startedAt: '2026-11-22T00:00:00.000Z',
  timings: { prepareMs: 0, loadMs: 0, drainMs: 0 },
  target: {
    recordsPerSecond: t.schedule.recordsPerSecond,
    durationMs: t.schedule.durationMs,
    messageBytes: 100,
    keys: 0,
    partitions: 1,
    acks: -1,
    compression: 'none',
  },
});

describe('load rate and schedule', () => {
  it('reads records or bytes per second, and refuses a bare number or zero', () => {
    expect(parseRate('5000/s')).toEqual({ recordsPerSecond: 5000 });
    expect(parseRate('5k/s')).toEqual({ recordsPerSecond: 5000 });
    expect(parseRate('5MB/s')).toEqual({ bytesPerSecond: 5_000_000 });
    expect(recordsPerSecond(parseRate('1MB/s')!, 1000)).toBe(1000);
    for (const bad of ['5000', '0/s', '-1/s', 'fast', '5kMB/s']) expect(parseRate(bad), bad).toBeUndefined();
  });

  it('puts record n at start + n / rate, and counts what is due', () => {
    const s = new LoadSchedule(1000, 500, 3000);
    expect(s.total).toBe(1500);
    expect(s.intendedAt(0)).toBe(1000);
    expect(s.intendedAt(500)).toBe(2000);
    expect(s.dueBy(999)).toBe(0);
    expect(s.dueBy(1000)).toBe(1);
    expect(s.dueBy(2000)).toBe(501);
    expect(s.dueBy(10_000)).toBe(1500);
    expect(s.secondOf(499)).toBe(0);
    expect(s.secondOf(500)).toBe(1);
  });

  it('rejects a rate of 0 and a duration without a unit, naming the setting', () => {
    expect(() => parseLoadConfig({ brokers: 'b:9092', rate: '0/s', durationMs: 1000 })).toThrow(/rate: "0\/s" is not a rate above 0/);
    expect(() => parseLoadConfig({ brokers: 'b:9092', rate: '100/s', durationMs: 'soon' })).toThrow(/durationMs/);
    expect(() => parseLoadConfig({ brokers: 'b:9092', rate: '100000000/s', durationMs: 3_600_000 })).toThrow(/at most 50000000 a load/);
    expect(parseLoadConfig({ brokers: 'b:9092', rate: '2MB/s', durationMs: '1000', messageBytes: '1000' })).toMatchObject({
      recordsPerSecond: 2000,
      acks: -1,
      compression: 'none',
    });
  });
});

describe('load record format', () => {
  it('carries the load id and sequence, and tells this load apart from another and from foreign data', () => {
    const id = Buffer.from('0123456789abcdef', 'hex');
    const value = encodeLoadRecord(id, 41, 100);
    expect(value.length).toBe(100);
    expect(decodeLoadRecord(id, value)).toBe(41);
    expect(decodeLoadRecord(Buffer.from('fedcba9876543210', 'hex'), value)).toBeUndefined();
    expect(decodeLoadRecord(id, Buffer.from('{"hello":1}'))).toBeUndefined();
    expect(decodeLoadRecord(id, null)).toBeUndefined();
  });
});

describe('load tally and report', () => {
  it('measures from the intended send time: a stall counts against every record it held back', () => {
    const s = new LoadSchedule(0, 100, 10_000); // 1000 records, one every 10 ms
    const t = new LoadTally(s);
    // The first half go out on time and arrive 2 ms later; the second half waited for a 1 s stall.
    t.markSent(0, 500, 0);
    t.markAcked(
      Array.from({ length: 500 }, (_, i) => i),
      0,
      0,
      1,
    );
    for (let seq = 0; seq < 500; seq++) t.markReceived(seq, 0, s.intendedAt(seq) + 2);
    t.markSent(500, 1000, 6000);
    t.markAcked(
      Array.from({ length: 500 }, (_, i) => 500 + i),
      0,
      500,
      6001,
    );
    for (let seq = 500; seq < 1000; seq++) t.markReceived(seq, 0, 6002);
    t.settleUnread({ positions: new Map([[0, 1000]]), logStarts: new Map([[0, 0]]) });
    const r = loadReport(identity(t), t);
    expect(r.counts).toMatchObject({ intended: 1000, sent: 1000, acked: 1000, received: 1000, lost: 0, unaccounted: 0 });
    expect(r.latency.endToEnd.p50).toBeCloseTo(2, 1);
    // Record 500 was due at 5000 ms and arrived at 6002: about a second late, and so were the others after the stall.
    expect(r.latency.endToEnd.max).toBeGreaterThan(1000);
    expect(r.latency.endToEnd.p99).toBeGreaterThan(900);
    expect(r.latency.endToEnd.p999).toBeNull(); // 1,000 samples cannot tell p99.9 from the max
    expect(r.outcome).toBe('met');
    expect(r.seconds).toHaveLength(10);
    expect(r.seconds[5]).toMatchObject({ intended: 100, sent: 100, received: 100 });
  });

  it('counts duplicates, out-of-order, failures, and calls unread records lost only with evidence', () => {
    const s = new LoadSchedule(0, 1000, 1000);
    const t = new LoadTally(s);
    t.markSent(0, 6, 0);
    t.markAcked([0, 1, 2, 3], 0, 100, 1);
    t.markFailed([4, 5], 'NOT_ENOUGH_REPLICAS');
    t.markReceived(1, 0, 2);
    t.markReceived(0, 0, 2); // older than what partition 0 already gave: out of order
    t.markReceived(1, 0, 3); // again: a duplicate
    // Offsets 100..103. The consumer's next offset is 103: it read past 102 (seq 2, lost), not yet 103 (seq 3, unaccounted).
    t.settleUnread({ positions: new Map([[0, 103]]), logStarts: new Map([[0, 0]]) });
    const r = loadReport(identity(t), t);
    expect(r.counts).toMatchObject({ sent: 6, acked: 4, failed: 2, received: 2, duplicated: 1, outOfOrder: 1, lost: 1, unaccounted: 1, unsent: 994 });
    expect(r.errorRate).toBeCloseTo(2 / 6);
    expect(r.errors).toEqual({ NOT_ENOUGH_REPLICAS: 2 });
    expect(r.outcome).toBe('missed');
    expect(r.reasons.join(' ')).toMatch(/never sent.*failed to send.*lost.*not read back/s);
  });

  it('a send that timed out has an unknown outcome, settled by reading back: received reconciles with acknowledged', () => {
    const t = new LoadTally(new LoadSchedule(0, 1000, 1000));
    t.markSent(0, 4, 0);
    t.markAcked([0, 1], 0, 0, 1);
    // A broker paused past the request timeout: kafkajs says failed, the broker wrote one of the two.
    t.markFailed([2, 3], 'KafkaJSRequestTimeoutError', sendOutcomeUnknown('KafkaJSRequestTimeoutError'));
    for (const seq of [0, 1, 2]) t.markReceived(seq, 0, 5);
    t.settleUnread({ positions: new Map([[0, 3]]), logStarts: new Map([[0, 0]]) });
    const r = loadReport(identity(t), t);
    expect(r.counts).toMatchObject({ acked: 2, failed: 2, outcomeUnknown: 2, writtenAfterFailure: 1, received: 3, lost: 0 });
    expect(r.counts.received).toBe(r.counts.acked - r.counts.lost - r.counts.unaccounted + r.counts.writtenAfterFailure);
    expect(r.reasons.join(' ')).toMatch(/2 of them got no answer .*: 1 were read back, written after all/);
    expect([sendOutcomeUnknown('NOT_ENOUGH_REPLICAS'), sendOutcomeUnknown('REQUEST_TIMED_OUT'), sendOutcomeUnknown('DeadlineError')]).toEqual([
      false,
      true,
      true,
    ]);
  });
});

describe('baseline comparison', () => {
  const report = (rate: number, p99: number, lost = 0) =>
    ({
      throughput: { produceRecordsPerSecond: rate, consumeRecordsPerSecond: rate, produceMBPerSecond: 0, consumeMBPerSecond: 0 },
      latency: {
        endToEnd: { count: 5000, avg: 1, p50: 1, p95: 2, p99, p999: null, max: 50 },
        produce: { count: 5000, avg: 1, p50: 1, p95: 1, p99: 1, p999: null, max: 2 },
      },
      errorRate: 0,
      counts: { lost, duplicated: 0 },
    }) as unknown as LoadReport;

  it('says what got worse beyond the tolerance, and by how much', () => {
    const changes = compareWithBaseline(report(4500, 12, 3), report(5000, 10), 10);
    const worse = changes.filter((c) => c.worse).map((c) => [c.metric, c.changePct]);
    expect(worse).toEqual([
      ['end-to-end p99 ms', 20],
      ['lost records', null],
    ]);
    // 10% fewer records a second is within a 10% tolerance.
    expect(changes.find((c) => c.metric === 'produce records/s')).toMatchObject({ changePct: -10, worse: false });
    expect(compareWithBaseline(report(6000, 5), report(5000, 10), 10).some((c) => c.worse)).toBe(false);
  });

  it('refuses a file that is not a saved load report', () => {
    expect(() => parseBaseline('not json', 'old.json')).toThrow(/old.json: not JSON/);
    expect(() => parseBaseline('{"a":1}', 'old.json')).toThrow(/not a streamprobe load report/);
    // A report with a figure missing or of the wrong kind fails at the start, naming the figure.
    const partial = { target: {}, throughput: { produceRecordsPerSecond: 1, consumeRecordsPerSecond: 1 }, latency: { endToEnd: {} } };
    expect(() => parseBaseline(JSON.stringify(partial), 'old.json')).toThrow(/old.json: not a streamprobe load report.*: it has no end-to-end p50 ms/);
  });

  it('names every setting a baseline was made with that this load does not share', () => {
    const target = { recordsPerSecond: 5000, durationMs: 60_000, messageBytes: 512, keys: 0, partitions: 6, acks: -1, compression: 'none' };
    expect(settingsDiffer(target, { ...target, durationMs: 10_000 })).toEqual([]);
    expect(settingsDiffer(target, { ...target, recordsPerSecond: 20_000, messageBytes: 1024 })).toEqual([
      '--rate (records/s) 5000 -> 20000',
      '--message-bytes 512 -> 1024',
    ]);
  });
});
