/**
 * Lag of one consumer group on one partition, from offsets and the timestamp of the oldest unread record.
 * Pure: the adapter reads the offsets and the records; this decides what they mean.
 *
 * - offset lag: records between the group's position and the log end (the high watermark), as Kafka's
 *   consumer-groups command counts it: transaction markers and aborted records included;
 * - time lag: how old the oldest unread record is (now minus its timestamp), 0 when caught up, whatever the
 *   traffic (an idle topic is caught up, not unknown). Markers and aborted records are positions, not data:
 *   a group with only those unread is caught up. Records of a transaction still open are data waiting, and
 *   are reported on their own too;
 * - retention loss: records the group never read because the log now starts past its committed offset.
 */
export interface PartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset; undefined when it never committed on this partition. */
  readonly committed?: bigint;
  readonly logStart: bigint;
  /** The high watermark: where Kafka's tools count lag to. */
  readonly logEnd: bigint;
  /** The last stable offset: the first record of the oldest open transaction, or the log end. */
  readonly lastStable?: bigint;
  /** A member of the group owns the partition (it may never have committed there). */
  readonly owned?: boolean;
}

/** What the adapter found at the group's position. */
export type UnreadAt =
  /** The timestamp (ms) of the oldest unread record. */
  | { readonly timestampMs: number }
  /** Only transaction markers and aborted records up to the log end: nothing to read. */
  | { readonly onlyControl: true };

/** Records waiting behind a transaction that is still open. */
export interface OpenTransactionWait {
  readonly records: bigint;
  /** Age of the oldest record of the open transaction, when it was read. */
  readonly oldestAgeMs?: number;
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
  /** Offset lag of transaction markers and aborted records only: nothing for the group to read. */
  readonly onlyControlUnread?: boolean;
  readonly openTransaction?: OpenTransactionWait;
  /** Owned by a member that never committed here (Kafka's tool shows "-"). */
  readonly owned?: boolean;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** Where the next read would start, and what the time lag must be measured from. */
export function oldestUnreadOffset(o: PartitionOffsets): bigint | undefined {
  if (o.committed === undefined) return undefined;
  const position = max(o.committed, o.logStart);
  return position < o.logEnd ? position : undefined;
}

/** Where committed records can be read for the group (read committed stops at the last stable offset). */
export function committedReadFrom(o: PartitionOffsets): bigint | undefined {
  const position = oldestUnreadOffset(o);
  return position !== undefined && position < (o.lastStable ?? o.logEnd) ? position : undefined;
}

/**
 * The age of the oldest unread record: a committed one before any open transaction, else (nothing
 * committed unread) the open transaction's first record, else 0: only markers and aborted records.
 */
function oldestUnreadAge(unread: UnreadAt | undefined, nowMs: number, noCommittedData: boolean, open: OpenTransactionWait | undefined): number | undefined {
  if (unread && 'timestampMs' in unread) return Math.max(0, nowMs - unread.timestampMs);
  if (!noCommittedData) return undefined;
  return open ? open.oldestAgeMs : 0;
}

/** Where the oldest open transaction's records begin for this group, when some wait for it. */
export function openTransactionStart(o: PartitionOffsets): bigint | undefined {
  const position = oldestUnreadOffset(o);
  if (position === undefined || o.lastStable === undefined || o.lastStable >= o.logEnd) return undefined;
  return max(position, o.lastStable);
}

/**
 * `unread` is what was found at `oldestUnreadOffset` among committed records (read committed, up to the
 * last stable offset); `openAtMs` the timestamp of the first record at `openTransactionStart`.
 */
export function partitionLag(o: PartitionOffsets, nowMs: number, unread?: UnreadAt, openAtMs?: number): PartitionLag {
  const base = { topic: o.topic, partition: o.partition, committed: o.committed, logStart: o.logStart, logEnd: o.logEnd, ...(o.owned ? { owned: true } : {}) };
  if (o.committed === undefined) return { ...base, retentionLost: 0n };
  const position = max(o.committed, o.logStart);
  const retentionLost = o.committed < o.logStart ? o.logStart - o.committed : 0n;
  const offsetLag = o.logEnd > position ? o.logEnd - position : 0n;
  if (offsetLag === 0n) return { ...base, offsetLag, timeLagMs: 0, retentionLost };
  const openFrom = openTransactionStart(o);
  const openTransaction =
    openFrom === undefined ? undefined : { records: o.logEnd - openFrom, ...(openAtMs === undefined ? {} : { oldestAgeMs: Math.max(0, nowMs - openAtMs) }) };
  const nothingCommitted = unread !== undefined && 'onlyControl' in unread;
  const timeLagMs = oldestUnreadAge(unread, nowMs, nothingCommitted || openFrom === position, openTransaction);
  return {
    ...base,
    offsetLag,
    retentionLost,
    oldestUnread: position,
    timeLagMs,
    ...(nothingCommitted && openFrom === undefined ? { onlyControlUnread: true } : {}),
    ...(openTransaction ? { openTransaction } : {}),
  };
}
