/**
 * Everything a load test counts, per record and per second, with latencies in HdrHistograms (microsecond
 * values, 3 significant digits): end-to-end and produce latency from each record's intended send time, and
 * how late the generator sent it. Pure: the Kafka adapter feeds it, the report reads it.
 */
import * as hdr from 'hdr-histogram-js';
import { isKafkaErrorCode } from '../redact';
import type { LoadSchedule } from './schedule';

/** Per-record state; 0 is not sent yet. */
const SENT = 1;
const ACKED = 2;
const FAILED = 3;
/** Failed with no answer from the broker (a timeout, a dropped connection): it may have been written. */
const OUTCOME_UNKNOWN = 4;
/** Latencies above an hour are recorded as an hour: a load is never that long. */
const MAX_TRACKABLE_US = 3_600_000_000;

export function latencyHistogram(digits = 3): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 'packed',
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_TRACKABLE_US,
    numberOfSignificantValueDigits: digits as 3,
    autoResize: false,
    useWebAssembly: false,
  });
}

function recordMs(h: hdr.Histogram, ms: number): void {
  h.recordValue(Math.min(MAX_TRACKABLE_US, Math.max(1, Math.round(ms * 1000))));
}

export interface SecondTally {
  intended: number;
  sent: number;
  acked: number;
  failed: number;
  received: number;
  readonly endToEnd: hdr.Histogram;
}

export interface Unread {
  /** Where the consumer stopped, per partition: the next offset it would have read. */
  readonly positions: ReadonlyMap<number, number>;
  /** The first offset still in each partition's log (records below were deleted or expired). */
  readonly logStarts: ReadonlyMap<number, number>;
}

export class LoadTally {
  private readonly state: Uint8Array;
  private readonly seen: Uint8Array;
  private readonly partitionOf: Int32Array;
  private readonly offsetOf: Float64Array;
  readonly endToEnd = latencyHistogram();
  readonly produce = latencyHistogram();
  readonly sendDelay = latencyHistogram();
  readonly seconds: SecondTally[] = [];
  readonly errors = new Map<string, number>();
  private readonly lastSeqOf = new Map<number, number>();
  sent = 0;
  acked = 0;
  failed = 0;
  received = 0;
  /** Of `failed`, sends whose outcome is unknown; of those, the ones read back (written after all). */
  outcomeUnknown = 0;
  writtenAfterFailure = 0;
  duplicated = 0;
  outOfOrder = 0;
  foreign = 0;
  lost = 0;
  unaccounted = 0;
  firstAckMs: number | undefined;
  lastAckMs: number | undefined;
  lastArrivalMs: number | undefined;

  constructor(readonly schedule: LoadSchedule) {
    const n = schedule.total;
    this.state = new Uint8Array(n);
    this.seen = new Uint8Array(n);
    this.partitionOf = new Int32Array(n).fill(-1);
    this.offsetOf = new Float64Array(n).fill(-1);
    const seconds = Math.max(1, Math.ceil(schedule.durationMs / 1000));
    for (let s = 0; s < seconds; s++) this.seconds.push({ intended: 0, sent: 0, acked: 0, failed: 0, received: 0, endToEnd: latencyHistogram(2) });
    for (let seq = 0; seq < n; seq++) this.second(seq).intended += 1;
  }

  private second(seq: number): SecondTally {
    return this.seconds[Math.min(this.seconds.length - 1, this.schedule.secondOf(seq))]!;
  }

  /** Records [from, to) handed to the producer at `nowMs`. */
  markSent(from: number, to: number, nowMs: number): void {
    for (let seq = from; seq < to; seq++) {
      this.state[seq] = SENT;
      this.second(seq).sent += 1;
      recordMs(this.sendDelay, nowMs - this.schedule.intendedAt(seq));
    }
    this.sent += to - from;
  }

  /** Records of one partition acknowledged in order, the first at `baseOffset`. */
  markAcked(seqs: readonly number[], partition: number, baseOffset: number, ackMs: number): void {
    seqs.forEach((seq, i) => {
      if (this.state[seq] !== SENT) return;
      this.state[seq] = ACKED;
      this.partitionOf[seq] = partition;
      this.offsetOf[seq] = baseOffset + i;
      this.second(seq).acked += 1;
      this.acked += 1;
      recordMs(this.produce, ackMs - this.schedule.intendedAt(seq));
    });
    this.firstAckMs ??= ackMs;
    this.lastAckMs = Math.max(this.lastAckMs ?? ackMs, ackMs);
  }

  /** Records acknowledged without offsets (acks=0): counted as acknowledged, with no produce latency. */
  markAckedBlind(seqs: readonly number[], partition: number): void {
    for (const seq of seqs) {
      if (this.state[seq] !== SENT) continue;
      this.state[seq] = ACKED;
      this.partitionOf[seq] = partition;
      this.second(seq).acked += 1;
      this.acked += 1;
    }
  }

  /** `outcomeUnknown`: the broker never answered (see sendOutcomeUnknown); reading back settles it. */
  markFailed(seqs: readonly number[], errorType: string, outcomeUnknown = false): void {
    for (const seq of seqs) {
      if (this.state[seq] !== SENT) continue;
      this.state[seq] = outcomeUnknown ? OUTCOME_UNKNOWN : FAILED;
      this.second(seq).failed += 1;
      this.failed += 1;
      if (outcomeUnknown) this.outcomeUnknown += 1;
    }
    this.errors.set(errorType, (this.errors.get(errorType) ?? 0) + seqs.length);
  }

  markReceived(seq: number, partition: number, arrivalMs: number): void {
    if (seq >= this.schedule.total) {
      this.foreign += 1;
      return;
    }
    if (this.seen[seq]) {
      this.duplicated += 1;
      return;
    }
    this.seen[seq] = 1;
    this.received += 1;
    // A send reported failed whose record arrives was written after all: a timeout that lost only the answer.
    if (this.state[seq] === OUTCOME_UNKNOWN || this.state[seq] === FAILED) this.writtenAfterFailure += 1;
    const latency = arrivalMs - this.schedule.intendedAt(seq);
    recordMs(this.endToEnd, latency);
    const second = this.second(seq);
    second.received += 1;
    recordMs(second.endToEnd, latency);
    const last = this.lastSeqOf.get(partition);
    if (last !== undefined && seq < last) this.outOfOrder += 1;
    else this.lastSeqOf.set(partition, seq);
    this.lastArrivalMs = Math.max(this.lastArrivalMs ?? arrivalMs, arrivalMs);
  }

  markForeign(): void {
    this.foreign += 1;
  }

  /**
   * Acknowledged records never read: lost when the evidence says they are gone (the consumer read past
   * them, or the log now starts beyond them), unaccounted otherwise (the consumer had not got that far).
   */
  settleUnread(unread: Unread): void {
    this.lost = 0;
    this.unaccounted = 0;
    for (let seq = 0; seq < this.schedule.total; seq++) {
      if (this.state[seq] !== ACKED || this.seen[seq]) continue;
      const p = this.partitionOf[seq]!;
      const offset = this.offsetOf[seq]!;
      const gone = offset >= 0 && (offset < (unread.positions.get(p) ?? -1) || offset < (unread.logStarts.get(p) ?? -1));
      if (gone) this.lost += 1;
      else this.unaccounted += 1;
    }
  }

  /** Intended records the generator never got to send before the load ended. */
  get unsent(): number {
    return this.schedule.total - this.sent;
  }
}

/**
 * Whether a failed send may still have been written: no answer (a timeout, a connection closed, the
 * load's own deadline) or an answer that says so (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND).
 * Any other Kafka error code refused the records.
 */
export function sendOutcomeUnknown(errorType: string): boolean {
  if (errorType === 'REQUEST_TIMED_OUT' || errorType === 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' || errorType === 'NETWORK_EXCEPTION') return true;
  return !isKafkaErrorCode(errorType);
}
