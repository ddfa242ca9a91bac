/**
 * The round trip's receiver: reads the canary topic by offset through the fetch-only reader, in no consumer
 * group. Where it reads each partition is its own state, kept across warm runs: a new receiver starts at the
 * end of each partition (ListOffsets), or at the oldest event still overdue there, so no canary is skipped.
 * Arrivals are stamped when a fetch response is complete, before it is decoded.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { ProbeConfig } from '../../../config/roundtrip';
import type { ErrorInfo } from '../../../core/check-report';
import { positionInLog } from '../../../core/log-bounds';
import { decodeEvent, eventId } from '../../../core/roundtrip/event';
import type { ReceivedRecord } from '../../../core/roundtrip/reconcile';
import type { PendingEvent } from '../../../core/roundtrip/report';
import { resumeOffset } from '../../../core/roundtrip/resume-offset';
import { retryWithin, withDeadline } from '../../deadline';
import { type PartitionRead, PartitionReader, type ReadPosition } from '../reader';

export interface DebugSink {
  debug(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface Received {
  readonly records: ReceivedRecord[];
  readonly errors: ErrorInfo[];
  /** partition -> log start offset, for the partitions asked about, when a read of them said. */
  readonly logStartOffsets?: Readonly<Record<number, string>>;
}

/** One run's reading, begun before its sends. */
export interface Receiving {
  /** Resolves once the first fetches are out: what is sent from then on is read as soon as it is committed. */
  readonly ready: Promise<void>;
  finish(expected: ReadonlySet<string>): Promise<Received>;
  abandon(): Promise<void>;
}

export class CanaryReceiver {
  private reader: PartitionReader | undefined;
  /** partition -> the next offset to read. */
  private readonly positions = new Map<number, string>();
  /** Partitions held back from reading (tests make a slow consumer with it). */
  private readonly held = new Set<number>();

  /** `clients` are the session's, made anew after a reset. */
  constructor(
    private readonly config: ProbeConfig,
    private readonly log: DebugSink,
    private readonly clients: () => { kafka?: Kafka; admin?: Admin },
  ) {}

  /**
   * Positions the partitions not yet positioned, before anything is sent, so no canary event is skipped:
   * at the end of each, or at the oldest event overdue there. Partitions the topic no longer has are dropped.
   */
  async position(partitions: readonly number[], pending: readonly PendingEvent[], deadlineAt: number): Promise<void> {
    const wanted = new Set(partitions);
    for (const p of this.positions.keys()) if (!wanted.has(p)) this.positions.delete(p);
    if (partitions.every((p) => this.positions.has(p))) return;
    const offsets = await retryWithin(() => this.clients().admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading partition offsets');
    for (const { partition, high, low } of offsets) {
      if (wanted.has(partition) && !this.positions.has(partition)) this.positions.set(partition, resumeOffset(partition, pending, low, high));
    }
  }

  /**
   * Starts reading now, before the run's events are sent, so a fetch is already waiting at each leader when
   * they are written: an event is read as soon as it is committed, as a consumer polling all along would read
   * it (reading only after the acknowledgements added a fetch round trip to every sample). `finish` names
   * the acknowledged events and reads until they are all in or the deadline passes; `abandon` stops reading
   * and forgets what was read, so the next run reads it again. Everything read is handed over, what arrived
   * since the last run included (late or foreign). A partition's read error is reported only when the
   * partition still owes an expected event at the end: one that cleared on a later read cost nothing.
   */
  begin(deadlineAt: number, pendingPartitions: readonly number[] = []): Receiving {
    this.reader ??= new PartitionReader(this.clients().kafka!, { isolation: 'read_uncommitted', maxWaitMs: this.config.fetchMaxWaitMs });
    const reader = this.reader;
    const startedAt = new Map(this.positions);
    const arrived = new Set<string>();
    let missing: Set<string> | undefined;
    let abandoned = false;
    const records: ReceivedRecord[] = [];
    const lastError = new Map<number, ErrorInfo>();
    const logStarts: Record<number, string> = {};
    const asked = new Set(pendingPartitions);
    const topic = this.config.topic;
    const skips: Array<Promise<void>> = [];
    const skipping = new Set<number>();
    const onRead = (read: PartitionRead) => {
      // Held back (a test's slow consumer): not read now, so read again later.
      if (abandoned || this.held.has(read.partition)) return;
      if (asked.has(read.partition) && read.logStartOffset !== undefined) logStarts[read.partition] = read.logStartOffset;
      if (read.error) {
        lastError.set(read.partition, read.error);
        this.log.debug('a canary partition read failed', { partition: read.partition, type: read.error.type });
        if (read.error.type === 'OFFSET_OUT_OF_RANGE' && !skipping.has(read.partition)) {
          // Held out of the reads until it is positioned again: every read until then would fail the same way.
          skipping.add(read.partition);
          const onLogStart = (low: string) => {
            if (asked.has(read.partition)) logStarts[read.partition] = low;
          };
          skips.push(this.skipDeleted(read.partition, deadlineAt, onLogStart).finally(() => skipping.delete(read.partition)));
        }
        return;
      }
      lastError.delete(read.partition);
      this.positions.set(read.partition, read.nextOffset);
      for (const r of read.records) {
        records.push({ partition: r.partition, offset: r.offset, arrivedAt: r.arrivedAt, value: r.value });
        const decoded = decodeEvent(r.value);
        if (decoded.kind !== 'event' || decoded.event.probe !== this.config.probeName) continue;
        const id = eventId(decoded.event);
        arrived.add(id);
        missing?.delete(id);
      }
    };
    const want = (): ReadPosition[] =>
      [...this.positions]
        .filter(([partition]) => !this.held.has(partition) && !skipping.has(partition))
        .map(([partition, offset]) => ({ topic, partition, offset }));
    let readError: ErrorInfo | undefined;
    let started: () => void = () => {};
    const ready = new Promise<void>((resolve) => (started = resolve));
    const following = reader
      .follow(want, deadlineAt, onRead, () => abandoned || (missing !== undefined && missing.size === 0), started)
      .catch((error: Error) => {
        readError = { phase: 'receive', type: (error as { type?: string }).type ?? error.name, message: error.message };
      });
    return {
      ready,
      finish: async (expected) => {
        missing = new Set([...expected].filter((id) => !arrived.has(id)));
        reader.poke();
        await following;
        await Promise.all(skips);
        const owing = new Set([...missing].map((id) => Number(id.split('/').at(-2))));
        const errors = [...lastError].filter(([partition]) => owing.has(partition)).map(([, error]) => error);
        if (readError && missing.size > 0) errors.push(readError);
        return { records, errors, logStartOffsets: pendingPartitions.length ? logStarts : undefined };
      },
      abandon: async () => {
        abandoned = true;
        reader.poke();
        await following;
        this.positions.clear();
        for (const [partition, offset] of startedAt) this.positions.set(partition, offset);
      },
    };
  }

  /**
   * An offset out of range: reading goes on where positionInLog says; what was skipped is the
   * reconciliation's to call lost, the log start its evidence.
   */
  private async skipDeleted(partition: number, deadlineAt: number, onLogStart: (low: string) => void): Promise<void> {
    try {
      const offsets = await withDeadline(this.clients().admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading where a partition starts');
      const ends = offsets.find((o) => o.partition === partition);
      const at = this.positions.get(partition);
      if (!ends || at === undefined) return;
      onLogStart(ends.low);
      const next = positionInLog(at, ends);
      if (next !== undefined) this.positions.set(partition, next);
    } catch (error) {
      this.log.debug('could not read where a partition starts; it is read again next run', { partition, error: (error as Error).message });
    }
  }

  /** Where each partition is read up to: the offsets a consumer would commit. */
  get readPositions(): ReadonlyArray<{ topic: string; partition: number; offset: string }> {
    return [...this.positions].map(([partition, offset]) => ({ topic: this.config.topic, partition, offset }));
  }

  /** Holds partitions back from reading, as a slow consumer would (tests). */
  hold(partitions: readonly number[]): void {
    for (const p of partitions) this.held.add(p);
  }

  release(partitions: readonly number[]): void {
    for (const p of partitions) this.held.delete(p);
  }

  /** Forgets every position and closes the reader's connections; the next run positions afresh. */
  async reset(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    this.positions.clear();
    await reader?.close();
  }
}
