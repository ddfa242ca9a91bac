/**
 * A consumer group's status from one check and the one before it, with rules set beside Burrow's (whose
 * evaluation marks idle, caught-up groups as stopped and notices a consumer that stopped committing late).
 *
 * In order of precedence:
 * - RETENTION_LOSS: the log start passed a committed offset: records were deleted before the group read them.
 * - REWIND: a committed offset moved back since the previous check (a reset, a reprocessing), whether or
 *   not the group has members: an offset reset is made while it has none.
 * - STOPPED: no members while there is lag. (No members and no lag is OK: an idle, caught-up consumer.)
 * - STALLED: members present, lag, and no lagging partition's committed offset moved since the previous
 *   check at least `stallAfterMs` ago (less a little for the schedule's jitter). Needs a previous check:
 *   after a cold start, never on the first.
 * - LAGGING: the highest time lag is above the threshold.
 * - OK: everything else, including lag 0 on an idle topic.
 *
 * Lag here is records to read: a partition whose unread offsets are only transaction markers and aborted
 * records is caught up, and never stopped or stalled on.
 */
import type { PartitionLag } from './partition-lag';

export type GroupStatus = 'OK' | 'LAGGING' | 'STALLED' | 'STOPPED' | 'REWIND' | 'RETENTION_LOSS';

export interface GroupCheck {
  readonly group: string;
  readonly atMs: number;
  readonly members: number;
  readonly partitions: readonly PartitionLag[];
}

export interface StatusRules {
  readonly timeLagThresholdMs: number;
  readonly stallAfterMs: number;
}

export interface GroupVerdict {
  readonly status: GroupStatus;
  readonly reasons: readonly string[];
  /**
   * The highest time lag, 0 when caught up. Undefined when a lagging partition's record could not be read
   * and the known ones stay under the threshold: unknown is not "caught up", and an alarm must not read it so.
   */
  readonly maxTimeLagMs?: number;
  readonly totalOffsetLag: bigint;
  readonly maxOffsetLag: bigint;
  readonly laggingPartitions: number;
  readonly retentionLost: bigint;
}

const key = (p: PartitionLag) => `${p.topic}/${p.partition}`;

/** Checks run on a schedule that jitters by a second or so: a stall period is judged with that much slack. */
export const stallSlackMs = (stallAfterMs: number) => Math.min(5000, stallAfterMs * 0.05);

export function groupVerdict(now: GroupCheck, previous: GroupCheck | undefined, rules: StatusRules): GroupVerdict {
  const lagging = now.partitions.filter((p) => (p.offsetLag ?? 0n) > 0n && !p.onlyControlUnread);
  // As Kafka's consumer-groups command counts it: markers and aborted records included.
  const totalOffsetLag = now.partitions.reduce((n, p) => n + (p.offsetLag ?? 0n), 0n);
  // biome-ignore lint/complexity/useMathMinMax: offsets are bigints, which Math.max does not take.
  const maxOffsetLag = lagging.reduce((m, p) => (p.offsetLag! > m ? p.offsetLag! : m), 0n);
  const knownMax = Math.max(0, ...now.partitions.map((p) => p.timeLagMs ?? 0));
  const unknown = lagging.filter((p) => p.timeLagMs === undefined).length;
  const maxTimeLagMs = unknown > 0 && knownMax <= rules.timeLagThresholdMs ? undefined : knownMax;
  const retentionLost = now.partitions.reduce((n, p) => n + p.retentionLost, 0n);
  const before = new Map((previous?.partitions ?? []).map((p) => [key(p), p]));
  const reasons: string[] = [];
  let status: GroupStatus = 'OK';
  const raise = (s: GroupStatus, why: string) => {
    reasons.push(why);
    if (status === 'OK') status = s;
  };

  if (retentionLost > 0n) raise('RETENTION_LOSS', `${retentionLost} records deleted before the group read them`);
  const rewound = now.partitions.filter((p) => {
    const b = before.get(key(p));
    return b?.committed !== undefined && p.committed !== undefined && p.committed < b.committed;
  });
  if (rewound.length) raise('REWIND', `committed offset moved back on ${rewound.map(key).join(', ')}`);
  if (now.members === 0 && lagging.length > 0) raise('STOPPED', `no members, ${totalOffsetLag} records unread`);
  if (now.members > 0 && lagging.length > 0 && previous && now.atMs - previous.atMs >= rules.stallAfterMs - stallSlackMs(rules.stallAfterMs)) {
    const moved = lagging.some((p) => {
      const b = before.get(key(p));
      return b === undefined || b.committed !== p.committed;
    });
    if (!moved)
      raise(
        'STALLED',
        `${now.members} members, ${totalOffsetLag} records unread, and no committed offset moved in ${Math.round((now.atMs - previous.atMs) / 1000)} s`,
      );
  }
  if (knownMax > rules.timeLagThresholdMs) raise('LAGGING', `time lag ${Math.round(knownMax)} ms above ${rules.timeLagThresholdMs} ms`);
  for (const p of now.partitions.filter((p) => p.openTransaction))
    reasons.push(
      `${p.openTransaction!.records} records on ${key(p)} wait behind an open transaction${p.openTransaction!.oldestAgeMs === undefined ? '' : `, the oldest ${Math.round(p.openTransaction!.oldestAgeMs / 1000)} s old`}`,
    );
  if (unknown > 0) reasons.push(`time lag unknown on ${unknown} lagging partition(s): the record at the group's position could not be read`);
  return { status, reasons, maxTimeLagMs, totalOffsetLag, maxOffsetLag, laggingPartitions: lagging.length, retentionLost };
}
