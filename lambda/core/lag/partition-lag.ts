/**
 * Lag of one consumer group on one partition, from offsets and the timestamp of the record at the
 * committed offset. Pure: the adapter reads the offsets and the one record; this decides what they mean.
 *
 * - offset lag: records between the group's position and the log end;
 * - time lag: how old the oldest unread record is (now minus its timestamp), 0 when caught up, whatever
 *   the traffic (an idle topic is caught up, not unknown);
 * - retention loss: records the group never read because the log now starts past its committed offset.
 */
export interface PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset; undefined when it never committed on this partition. */
  readonly committed?: bigint;
  readonly logStart: bigint;
  readonly logEnd: bigint;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committed?: bigint;
  readonly logStart: bigint;
  readonly logEnd: bigint;
  /** Undefined when the group never committed here (nothing to measure from). */
  readonly offsetLag?: bigint;
  /** Undefined when lagging and the record's timestamp could not be read. */
  readonly timeLagMs?: number;
  readonly retentionLost: bigint;
  /** The offset whose record timestamp gives the time lag, when there is lag. */
  readonly oldestUnread?: bigint;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** Where the next read would start, and what the time lag must be measured from. */
export function oldestUnreadOffset(o: PartitionOffsets): bigint | undefined {
  if (o.committed === undefined) return undefined;
  const position = max(o.committed, o.logStart);
  return position < o.logEnd ? position : undefined;
}

/** `timestampAt` is the timestamp (ms) of the record at `oldestUnreadOffset`, when it was read. */
export function partitionLag(o: PartitionOffsets, nowMs: number, timestampAt?: number): PartitionLag {
  const base = { topic: o.topic, partition: o.partition, committed: o.committed, logStart: o.logStart, logEnd: o.logEnd };
  if (o.committed === undefined) return { ...base, retentionLost: 0n };
  const position = max(o.committed, o.logStart);
  const retentionLost = o.committed < o.logStart ? o.logStart - o.committed : 0n;
  const offsetLag = o.logEnd > position ? o.logEnd - position : 0n;
  if (offsetLag === 0n) return { ...base, offsetLag, timeLagMs: 0, retentionLost };
  return {
    ...base,
    offsetLag,
    retentionLost,
    oldestUnread: position,
    timeLagMs: timestampAt === undefined ? undefined : Math.max(0, nowMs - timestampAt),
  };
}
