/**
 * A load test's report: what was asked, what was achieved (throughput produced and consumed), latency
 * under that load from each record's intended send time, errors, lost, duplicated and out-of-order
 * records, one row per second, and whether the target was met and why not.
 */
import type * as hdr from 'hdr-histogram-js';
import type { Change } from './baseline';
import type { LoadTally } from './tally';

export interface Percentiles {
  readonly count: number;
  readonly avg: number | null;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  /** Only from 10,000 samples or more: fewer cannot tell the 99.9th percentile from the maximum. */
  readonly p999: number | null;
  readonly max: number | null;
}

export interface LoadTarget {
  readonly recordsPerSecond: number;
  readonly durationMs: number;
  readonly messageBytes: number;
  readonly keys: number;
  readonly partitions: number;
  readonly acks: number;
  readonly compression: string;
}

export interface LoadSecond {
  readonly second: number;
  readonly intended: number;
  readonly sent: number;
  readonly acked: number;
  readonly failed: number;
  readonly received: number;
  readonly endToEndP99Ms: number | null;
  readonly endToEndMaxMs: number | null;
}

export interface LoadReport {
  readonly loadTest: string;
  readonly loadId: string;
  readonly topic: string;
  readonly startedAt: string;
  readonly outcome: 'met' | 'missed' | 'failed';
  readonly reasons: readonly string[];
  readonly target: LoadTarget;
  readonly counts: {
    readonly intended: number;
    readonly sent: number;
    readonly unsent: number;
    readonly acked: number;
    readonly failed: number;
    /** Of `failed`, sends the broker never answered (a timeout): they may have been written. */
    readonly outcomeUnknown: number;
    /** Records reported failed that were read back: written after all. received = acked read back + these. */
    readonly writtenAfterFailure: number;
    readonly received: number;
    readonly lost: number;
    readonly unaccounted: number;
    readonly duplicated: number;
    readonly outOfOrder: number;
    readonly foreign: number;
  };
  readonly throughput: {
    readonly produceRecordsPerSecond: number;
    readonly produceMBPerSecond: number;
    readonly consumeRecordsPerSecond: number;
    readonly consumeMBPerSecond: number;
  };
  /** Milliseconds, from each record's intended send time. */
  readonly latency: { readonly endToEnd: Percentiles; readonly produce: Percentiles; readonly sendDelay: Percentiles };
  /** Failed records per record sent. */
  readonly errorRate: number;
  readonly errors: Readonly<Record<string, number>>;
  readonly seconds: readonly LoadSecond[];
  readonly timings: { readonly prepareMs: number; readonly loadMs: number; readonly drainMs: number };
  /** A load that could not run at all (no connection, no topic): why, and where. */
  readonly error?: string;
  readonly errorStack?: string;
  /** Against a saved report (--baseline): every compared figure, and how many got worse beyond the tolerance. */
  readonly baseline?: { readonly changes: readonly Change[]; readonly regressions: number };
}

/** The share of the target rate a load must reach to have met it. */
export const RATE_MET_SHARE = 0.95;

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** At least ten samples beyond a percentile, or it is not reported. */
function enough(count: number, percentile: number): boolean {
  return count >= 10 / (1 - percentile / 100);
}

export function percentiles(h: hdr.Histogram): Percentiles {
  const count = h.totalCount;
  const at = (p: number) => (count > 0 && enough(count, p) ? round(h.getValueAtPercentile(p) / 1000) : null);
  return {
    count,
    avg: count ? round(h.mean / 1000) : null,
    p50: count ? round(h.getValueAtPercentile(50) / 1000) : null,
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    max: count ? round(h.maxValue / 1000) : null,
  };
}

export interface LoadIdentity {
  readonly loadTest: string;
  readonly loadId: string;
  readonly topic: string;
  readonly startedAt: string;
  readonly target: LoadTarget;
  readonly timings: LoadReport['timings'];
}

export function loadReport(id: LoadIdentity, t: LoadTally): LoadReport {
  const { schedule } = t;
  const seconds = (endMs: number | undefined) => Math.max(schedule.durationMs, (endMs ?? schedule.endMs) - schedule.startMs) / 1000;
  const produceRate = t.acked / seconds(t.lastAckMs);
  const consumeRate = t.received / seconds(t.lastArrivalMs);
  const mb = (records: number) => round((records * id.target.messageBytes) / 1e6);
  const reasons: string[] = [];
  if (produceRate < RATE_MET_SHARE * id.target.recordsPerSecond) {
    reasons.push(`produced ${Math.round(produceRate)} records/s of the ${Math.round(id.target.recordsPerSecond)}/s asked`);
  }
  if (t.unsent > 0) reasons.push(`${t.unsent} records were never sent: the generator fell behind`);
  if (t.failed > 0) reasons.push(`${t.failed} records failed to send (${[...t.errors].map(([type, n]) => `${type} ${n}`).join(', ')})`);
  if (t.outcomeUnknown > 0)
    reasons.push(`${t.outcomeUnknown} of them got no answer (their outcome was unknown): ${t.writtenAfterFailure} were read back, written after all`);
  if (t.lost > 0) reasons.push(`${t.lost} acknowledged records were lost (the consumer read past them, or the log no longer holds them)`);
  if (t.unaccounted > 0) reasons.push(`${t.unaccounted} acknowledged records were not read back by the end of the drain`);
  return {
    loadTest: id.loadTest,
    loadId: id.loadId,
    topic: id.topic,
    startedAt: id.startedAt,
    outcome: t.acked === 0 ? 'failed' : reasons.length ? 'missed' : 'met',
    reasons,
    target: id.target,
    counts: {
      intended: schedule.total,
      sent: t.sent,
      unsent: t.unsent,
      acked: t.acked,
      failed: t.failed,
      outcomeUnknown: t.outcomeUnknown,
      writtenAfterFailure: t.writtenAfterFailure,
      received: t.received,
      lost: t.lost,
      unaccounted: t.unaccounted,
      duplicated: t.duplicated,
      outOfOrder: t.outOfOrder,
      foreign: t.foreign,
    },
    throughput: {
      produceRecordsPerSecond: Math.round(produceRate * 10) / 10,
      produceMBPerSecond: mb(produceRate),
      consumeRecordsPerSecond: Math.round(consumeRate * 10) / 10,
      consumeMBPerSecond: mb(consumeRate),
    },
    latency: { endToEnd: percentiles(t.endToEnd), produce: percentiles(t.produce), sendDelay: percentiles(t.sendDelay) },
    errorRate: t.sent ? t.failed / t.sent : 0,
    errors: Object.fromEntries(t.errors),
    seconds: t.seconds.map((s, second) => {
      const e2e = s.endToEnd.totalCount;
      return {
        second,
        intended: s.intended,
        sent: s.sent,
        acked: s.acked,
        failed: s.failed,
        received: s.received,
        endToEndP99Ms: e2e ? round(s.endToEnd.getValueAtPercentile(99) / 1000) : null,
        endToEndMaxMs: e2e ? round(s.endToEnd.maxValue / 1000) : null,
      };
    }),
    timings: id.timings,
  };
}
