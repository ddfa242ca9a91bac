import { describe, expect, it } from 'vitest';
import { parseLagConfig } from '../../lambda/config/lag';
import { type GroupCheck, groupVerdict } from '../../lambda/core/lag/group-status';
import { oldestUnreadOffset, type PartitionOffsets, partitionLag } from '../../lambda/core/lag/partition-lag';
import { lagCheckToDatums } from '../../lambda/core/metric-datums';

const NOW = 1_800_000_000_000;
const at = (timestampMs: number) => ({ timestampMs });
const offsets = (over: Partial<PartitionOffsets>): PartitionOffsets => ({
  topic: 'orders',
  partition: 0,
  committed: 100n,
  logStart: 0n,
  logEnd: 100n,
  ...over,
});

describe('partition lag', () => {
  it('caught up: offset lag 0 and time lag 0, whatever the traffic (an idle topic is not unknown)', () => {
    expect(partitionLag(offsets({}), NOW)).toMatchObject({ offsetLag: 0n, timeLagMs: 0, retentionLost: 0n });
    expect(oldestUnreadOffset(offsets({}))).toBeUndefined();
  });

  it('behind: lag in records, and time lag as the age of the record at the committed offset', () => {
    const o = offsets({ committed: 90n });
    expect(oldestUnreadOffset(o)).toBe(90n);
    expect(partitionLag(o, NOW, at(NOW - 4_200))).toMatchObject({ offsetLag: 10n, timeLagMs: 4_200, oldestUnread: 90n });
    // The record's timestamp could not be read: the time lag is unknown, never a made-up number.
    expect(partitionLag(o, NOW).timeLagMs).toBeUndefined();
    // A producer clock ahead of ours never gives a negative lag.
    expect(partitionLag(o, NOW, at(NOW + 50)).timeLagMs).toBe(0);
  });

  it('committed below the log start: the skipped records are retention loss, and lag counts from the log start', () => {
    const o = offsets({ committed: 40n, logStart: 60n, logEnd: 100n });
    expect(oldestUnreadOffset(o)).toBe(60n);
    expect(partitionLag(o, NOW, at(NOW - 1000))).toMatchObject({ retentionLost: 20n, offsetLag: 40n, oldestUnread: 60n });
  });

  it('only transaction markers or aborted records unread: lag as Kafka counts it, but caught up (time lag 0), nothing to stall on', () => {
    const atMarker = partitionLag(offsets({ committed: 2n, logEnd: 3n, lastStable: 3n }), NOW, { onlyControl: true });
    expect(atMarker).toMatchObject({ offsetLag: 1n, timeLagMs: 0, onlyControlUnread: true });
    expect(atMarker.openTransaction).toBeUndefined();
  });

  it('records behind an open transaction: counted to the log end, their wait reported on its own, and their age is the time lag', () => {
    const o = offsets({ committed: 10n, logEnd: 65n, lastStable: 10n });
    // Nothing committed to read before the open transaction: the oldest unread record is its first.
    const lag = partitionLag(o, NOW, undefined, NOW - 7_000);
    expect(lag).toMatchObject({ offsetLag: 55n, timeLagMs: 7_000, openTransaction: { records: 55n, oldestAgeMs: 7_000 } });
    expect(lag.onlyControlUnread).toBeUndefined();
    // Committed records before it are older: theirs is the time lag; the open transaction still said.
    const behind = partitionLag(offsets({ committed: 5n, logEnd: 65n, lastStable: 10n }), NOW, at(NOW - 9_000), NOW - 7_000);
    expect(behind).toMatchObject({ offsetLag: 60n, timeLagMs: 9_000, openTransaction: { records: 55n } });
  });

  it('a group that never committed on a partition has no lag to report, not zero', () => {
    const lag = partitionLag(offsets({ committed: undefined }), NOW);
    expect([lag.offsetLag, lag.timeLagMs, lag.retentionLost]).toEqual([undefined, undefined, 0n]);
  });
});

describe('group status', () => {
  const rules = { timeLagThresholdMs: 60_000, stallAfterMs: 120_000 };
  const check = (atMs: number, members: number, parts: Array<Partial<PartitionOffsets> & { ts?: number }>): GroupCheck => ({
    group: 'g',
    atMs,
    members,
    partitions: parts.map(({ ts, ...p }, i) => partitionLag(offsets({ partition: i, ...p }), atMs, ts === undefined ? undefined : at(ts))),
  });

  it('OK for an idle group that is caught up, with or without members (not STOP, as Burrow says)', () => {
    expect(groupVerdict(check(NOW, 0, [{}, {}]), undefined, rules).status).toBe('OK');
    expect(groupVerdict(check(NOW, 2, [{}]), undefined, rules)).toMatchObject({ status: 'OK', maxTimeLagMs: 0, totalOffsetLag: 0n });
  });

  it('LAGGING when the oldest unread record is older than the threshold', () => {
    const v = groupVerdict(
      check(NOW, 1, [
        { committed: 90n, ts: NOW - 90_000 },
        { committed: 99n, ts: NOW - 1_000 },
      ]),
      undefined,
      rules,
    );
    expect(v).toMatchObject({ status: 'LAGGING', maxTimeLagMs: 90_000, totalOffsetLag: 11n, maxOffsetLag: 10n, laggingPartitions: 2 });
  });

  it('time lag unknown (the record could not be read) is not caught up: no max, unless a known one already says LAGGING', () => {
    const v = groupVerdict(check(NOW, 1, [{ committed: 90n }, { committed: 99n, ts: NOW - 1_000 }]), undefined, rules);
    expect(v).toMatchObject({ status: 'OK', maxTimeLagMs: undefined, reasons: [expect.stringContaining('time lag unknown on 1 lagging partition')] });
    const lagging = groupVerdict(check(NOW, 1, [{ committed: 90n }, { committed: 99n, ts: NOW - 90_000 }]), undefined, rules);
    expect(lagging).toMatchObject({ status: 'LAGGING', maxTimeLagMs: 90_000 });
  });

  it('STOPPED when no member is left and records wait', () => {
    expect(groupVerdict(check(NOW, 0, [{ committed: 90n, ts: NOW - 1000 }]), undefined, rules).status).toBe('STOPPED');
  });

  it('STALLED when members stay but no lagging partition commits for the stall period; never on a first check', () => {
    const earlier = check(NOW - 130_000, 1, [{ committed: 90n, ts: NOW - 200_000 }]);
    const same = check(NOW, 1, [{ committed: 90n, logEnd: 120n, ts: NOW - 200_000 }]);
    expect(groupVerdict(same, undefined, rules).status).toBe('LAGGING');
    expect(groupVerdict(same, earlier, rules)).toMatchObject({
      status: 'STALLED',
      reasons: [expect.stringContaining('no committed offset moved in 130 s'), expect.stringContaining('time lag')],
    });
    const moving = check(NOW, 1, [{ committed: 95n, logEnd: 120n, ts: NOW - 1_000 }]);
    expect(groupVerdict(moving, earlier, rules).status).toBe('OK');
    const tooSoon = check(NOW - 100_000, 1, [{ committed: 90n, ts: NOW - 200_000 }]);
    expect(groupVerdict(same, tooSoon, rules).status).toBe('LAGGING');
  });

  it('REWIND when a committed offset moved back', () => {
    const before = check(NOW - 60_000, 1, [{ committed: 100n }]);
    expect(groupVerdict(check(NOW, 1, [{ committed: 50n, ts: NOW - 10 }]), before, rules)).toMatchObject({
      status: 'REWIND',
      reasons: ['committed offset moved back on orders/0'],
    });
  });

  it('REWIND also when the offsets were reset while the group was empty, and the group is still counted stopped', () => {
    const stopped = check(NOW - 60_000, 0, [{ committed: 90n, ts: NOW - 70_000 }]);
    const reset = check(NOW, 0, [{ committed: 20n, ts: NOW - 90_000 }]);
    const v = groupVerdict(reset, stopped, rules);
    expect(v.status).toBe('REWIND');
    expect(v.reasons).toContainEqual(expect.stringContaining('no members'));
    const figures = { ...v, group: 'g', exists: true, members: 0, partitions: reset.partitions };
    const stoppedDatum = lagCheckToDatums({ check: 'c', checkedAt: new Date(NOW).toISOString(), succeeded: true, groups: [figures] }).find(
      (d) => d.MetricName === 'ConsumerGroupStopped',
    );
    expect(stoppedDatum?.Value).toBe(1);
  });

  it('the stall period is judged with slack for the schedule: checks 29.99 s apart meet a 30 s period, 28 s apart do not', () => {
    const thirty = { timeLagThresholdMs: 600_000, stallAfterMs: 30_000 };
    const now = check(NOW, 1, [{ committed: 90n, ts: NOW - 5_000 }]);
    expect(groupVerdict(now, check(NOW - 29_990, 1, [{ committed: 90n, ts: NOW - 5_000 }]), thirty).status).toBe('STALLED');
    expect(groupVerdict(now, check(NOW - 28_000, 1, [{ committed: 90n, ts: NOW - 5_000 }]), thirty).status).toBe('OK');
  });

  it('markers and aborted records only: never STOPPED nor STALLED, though Kafka counts their offsets', () => {
    const atMarker = (atMs: number, members: number): GroupCheck => ({
      group: 'g',
      atMs,
      members,
      partitions: [partitionLag(offsets({ committed: 2n, logEnd: 3n, lastStable: 3n }), atMs, { onlyControl: true })],
    });
    expect(groupVerdict(atMarker(NOW, 0), undefined, rules)).toMatchObject({ status: 'OK', totalOffsetLag: 1n, laggingPartitions: 0, maxTimeLagMs: 0 });
    expect(groupVerdict(atMarker(NOW, 1), atMarker(NOW - 600_000, 1), rules).status).toBe('OK');
  });

  it('RETENTION_LOSS first, with the count, whatever else is wrong', () => {
    const v = groupVerdict(check(NOW, 0, [{ committed: 10n, logStart: 30n, logEnd: 100n, ts: NOW - 1000 }]), undefined, rules);
    expect(v).toMatchObject({ status: 'RETENTION_LOSS', retentionLost: 20n });
    expect(v.reasons).toEqual([expect.stringContaining('20 records deleted'), expect.stringContaining('no members')]);
  });

  it('keeps partitions of different topics apart', () => {
    const before: GroupCheck = {
      group: 'g',
      atMs: NOW - 200_000,
      members: 1,
      partitions: [partitionLag({ topic: 'a', partition: 0, committed: 5n, logStart: 0n, logEnd: 10n }, NOW - 200_000, at(NOW))],
    };
    const now: GroupCheck = {
      group: 'g',
      atMs: NOW,
      members: 1,
      partitions: [partitionLag({ topic: 'b', partition: 0, committed: 5n, logStart: 0n, logEnd: 10n }, NOW, at(NOW - 10))],
    };
    expect(groupVerdict(now, before, rules).status).toBe('OK');
  });
});

describe('lag check configuration', () => {
  const base = { checkName: 'c', brokers: ['b:9092'] };
  const error = (groups: string[]) => {
    try {
      parseLagConfig({ ...base, groups });
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };

  it('takes any group id Kafka takes, and refuses only what a list or an alarm rule cannot carry', () => {
    expect(error(['svc/orders@v2', 'billing.consumer', 'étl jobs'])).toBeUndefined();
    expect(parseLagConfig({ ...base, groups: 'svc/orders@v2, billing' }).groups).toEqual(['svc/orders@v2', 'billing']);
    expect(error(['say "hi"'])).toMatch(/groups.*without commas, double quotes or control characters/);
    expect(error(['tab\there'])).toMatch(/without commas, double quotes or control characters/);
    expect(error(['x'.repeat(201)])).toMatch(/1 to 200 characters/);
  });
});
