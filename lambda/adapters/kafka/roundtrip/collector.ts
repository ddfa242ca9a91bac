/**
 * Receives what the consumer hands over, stamps each record on arrival with the monotonic clock, and lets
 * the run wait for the events it expects. Only the current consumer is heard: a replaced one's batches are
 * dropped. A record read twice at the same offset (a re-read after a seek) is kept once: only a second copy
 * at another offset is a real duplicate.
 */
import type { EachBatchPayload } from 'kafkajs';
import { decodeEvent, eventId } from '../../../core/roundtrip/event';
import type { ReceivedRecord } from '../../../core/roundtrip/reconcile';
import { monotonicNow, remainingMs } from '../../deadline';

export class ArrivalCollector {
  private buffer: ReceivedRecord[] = [];
  private seen = new Set<string>();
  private wake: (() => void) | undefined;

  /** When the current consumer's latest fetch response was complete: no batch of it is handed over earlier. */
  private lastFetchAt: number | undefined;

  /**
   * The FETCH listener of one consumer (kafkajs emits it when a broker's fetch response is decoded, before
   * its batches are handed over): the response's arrival is its stamp from before decoding, if it has one,
   * or now. A stamp is used once, so a response that was not stamped never borrows an older one's time.
   */
  fetched(isCurrent: () => boolean, stamps?: Map<number, number>): (event: { payload: { nodeId: number } }) => void {
    return ({ payload }) => {
      const now = monotonicNow();
      const stamped = stamps?.get(payload.nodeId);
      stamps?.delete(payload.nodeId);
      // Never earlier than the stamp before it: with several brokers, a response that came in first may be
      // decoded second, and batches still waiting from the other response must not be dated early.
      if (isCurrent()) this.lastFetchAt = Math.max(this.lastFetchAt ?? 0, stamped !== undefined && stamped <= now ? stamped : now);
    };
  }

  /** The eachBatch handler of one consumer; `isCurrent` turns false once that consumer is replaced. */
  handler(isCurrent: () => boolean): (payload: EachBatchPayload) => Promise<void> {
    return async ({ batch }) => {
      // The batch came with the latest decoded fetch response (kafkajs emits FETCH before handing its
      // batches over); a later response of another broker only makes the stamp later, never earlier.
      const now = monotonicNow();
      const arrivedAt = this.lastFetchAt !== undefined && this.lastFetchAt <= now ? this.lastFetchAt : now;
      if (!isCurrent()) return;
      for (const m of batch.messages) {
        const key = `${batch.partition}:${m.offset}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.buffer.push({ partition: batch.partition, offset: m.offset, arrivedAt, value: m.value });
      }
      this.wake?.();
    };
  }

  /** Everything received since the last take, including what arrived between runs (late or foreign). */
  take(): ReceivedRecord[] {
    const out = this.buffer;
    this.buffer = [];
    this.seen = new Set();
    return out;
  }

  /** Waits until every id in `expected` has arrived or the deadline passes; returns the ids still missing. */
  async awaitEvents(expected: ReadonlySet<string>, probe: string, deadlineAt: number): Promise<Set<string>> {
    const missing = new Set(expected);
    let scanned = 0;
    for (;;) {
      for (; scanned < this.buffer.length; scanned++) {
        const decoded = decodeEvent(this.buffer[scanned]!.value);
        if (decoded.kind === 'event' && decoded.event.probe === probe) missing.delete(eventId(decoded.event));
      }
      const left = remainingMs(deadlineAt);
      if (missing.size === 0 || left <= 0) return missing;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}
