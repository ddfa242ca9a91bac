/**
 * Reads what the lag check needs from Kafka: each group's state, members, what they own and committed,
 * each partition's log start, last stable offset and end (the high watermark, where Kafka's tools count
 * lag to), and the timestamp of the oldest unread record at a lagging group's position (one small read per
 * lagging partition, by offset, joining no consumer group; another at an open transaction's first record).
 */

import { type Admin, AssignerProtocol, type Kafka } from 'kafkajs';
import type { ConnectionSettings } from '../../../config/fields';
import { isStreamprobeGroup } from '../../../contract';
import type { PartitionOffsets, UnreadAt } from '../../../core/lag/partition-lag';
import { committedReadFrom, openTransactionStart } from '../../../core/lag/partition-lag';
import { withDeadline } from '../../deadline';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';
import { type ClusterLike, newCluster, READ_UNCOMMITTED } from '../cluster';
import { type Isolation, PartitionReader } from '../reader';

/** Fetches per partition at most, stepping over transaction markers and aborted records to the next record. */
const TIMESTAMP_READ_STEPS = 4;

export interface GroupSnapshot {
  readonly group: string;
  /** False when the cluster knows no such group (no members, no committed offsets). */
  readonly exists: boolean;
  readonly state: string;
  readonly members: number;
  readonly partitions: readonly PartitionOffsets[];
  /** topic/partition -> what is at the group's position among committed records, for lagging partitions. */
  readonly unread: ReadonlyMap<string, UnreadAt>;
  /** topic/partition -> timestamp (ms) of the first record of an open transaction the group waits for. */
  readonly openSince: ReadonlyMap<string, number>;
  /** Why timestamps could not be read, when they could not: time lag is then unknown, never guessed. */
  readonly timestampError?: string;
}

interface TopicEnd {
  readonly partition: number;
  readonly low: bigint;
  readonly lastStable: bigint;
  readonly high: bigint;
}

export const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

export class LagReader {
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private readonly readers = new Map<Isolation, PartitionReader>();
  private ends: ClusterLike | undefined;

  constructor(
    private readonly connection: ConnectionSettings & { readonly brokers: readonly string[]; readonly runTimeoutMs: number },
    /** SCRAM credentials from Secrets Manager, when the connection names a secret. */
    private readonly credentials?: () => Promise<ResolvedCredentials | undefined>,
    private readonly clientId = 'streamprobe-lag',
  ) {}

  private async client(): Promise<Kafka> {
    if (!this.kafka) {
      const credentials = this.connection.scramSecretArn ? await this.credentials?.() : undefined;
      // Patient retries, bounded by each check's deadline: a group coordinator that is still loading (a fresh
      // or restarted broker) or moving answers with retriable errors for a second or two.
      this.kafka = kafkaClient({
        connection: this.connection,
        clientId: this.clientId,
        logCreator: () => () => {},
        credentials,
        overrides: { connectionTimeout: 3000, requestTimeout: 10_000, retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2000 } },
      });
    }
    return this.kafka;
  }

  private async connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = (await this.client()).admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  /** Groups whose id matches the pattern (consumer groups the cluster lists), streamprobe's own left out. */
  async listGroups(pattern: RegExp): Promise<string[]> {
    const { groups } = await (await this.connected()).listGroups();
    return groups
      .map((g) => g.groupId)
      .filter((g) => pattern.test(g) && !isStreamprobeGroup(g))
      .sort();
  }

  async snapshot(groups: readonly string[], deadlineAt: number): Promise<GroupSnapshot[]> {
    const admin = await this.connected();
    const described = await withDeadline(admin.describeGroups([...groups]), deadlineAt, 'describing the consumer groups');
    const read: Array<{
      group: string;
      d: (typeof described.groups)[number] | undefined;
      committed: Awaited<ReturnType<Admin['fetchOffsets']>>;
      owned: Map<string, Set<number>>;
    }> = [];
    for (const group of groups) {
      const d = described.groups.find((g) => g.groupId === group);
      const committed = await withDeadline(admin.fetchOffsets({ groupId: group }), deadlineAt, `reading the offsets of ${group}`);
      read.push({ group, d, committed, owned: ownedPartitions(d) });
    }
    const topics = [...new Set(read.flatMap(({ committed, owned }) => [...committed.map((t) => t.topic), ...owned.keys()]))].sort();
    const ends = await withDeadline(this.topicEnds(admin, topics), deadlineAt, 'reading where the topics end');
    const snapshots: Array<Omit<GroupSnapshot, 'unread' | 'openSince'>> = [];
    for (const { group, d, committed, owned } of read) {
      const partitions: PartitionOffsets[] = [];
      for (const topic of [...new Set([...committed.map((t) => t.topic), ...owned.keys()])]) {
        const commits = committed.find((t) => t.topic === topic)?.partitions ?? [];
        for (const end of ends.get(topic) ?? []) {
          const c = commits.find((p) => p.partition === end.partition);
          const offset = c === undefined || Number(c.offset) < 0 ? undefined : BigInt(c.offset);
          const isOwned = owned.get(topic)?.has(end.partition) ?? false;
          if (offset === undefined && !isOwned) continue;
          partitions.push({
            topic,
            partition: end.partition,
            committed: offset,
            logStart: end.low,
            logEnd: end.high,
            lastStable: end.lastStable,
            ...(isOwned ? { owned: true } : {}),
          });
        }
      }
      partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
      const members = d?.members.length ?? 0;
      snapshots.push({
        group,
        state: d?.state ?? 'Unknown',
        members,
        partitions,
        exists: members > 0 || partitions.some((p) => p.committed !== undefined) || (d !== undefined && d.state !== 'Dead'),
      });
    }
    const all = snapshots.flatMap((s) => s.partitions);
    const committedAt = positionsPerPartition(all, committedReadFrom);
    const openAt = positionsPerPartition(all, openTransactionStart);
    let timestampError: string | undefined;
    const failed = (error: Error) => {
      timestampError = `${(error as { type?: string }).type ?? error.name}: ${error.message}`;
      return new Map<string, UnreadAt>();
    };
    // One retry: a leader that moved, a connection that went away.
    const [unreadAll, openAll] = await Promise.all([
      this.unreadAt(committedAt, 'read_committed', deadlineAt)
        .catch(() => this.unreadAt(committedAt, 'read_committed', deadlineAt))
        .catch(failed),
      this.unreadAt(openAt, 'read_uncommitted', deadlineAt).catch(failed),
    ]);
    return snapshots.map((s) => {
      const unread = new Map<string, UnreadAt>();
      const openSince = new Map<string, number>();
      for (const p of s.partitions) {
        const k = tpKey(p.topic, p.partition);
        const at = committedReadFrom(p);
        const found = at === undefined ? undefined : unreadAll.get(positionKey(k, at));
        if (found) unread.set(k, found);
        const openFrom = openTransactionStart(p);
        const open = openFrom === undefined ? undefined : openAll.get(positionKey(k, openFrom));
        if (open && 'timestampMs' in open) openSince.set(k, open.timestampMs);
      }
      return { ...s, unread, openSince, timestampError };
    });
  }

  /**
   * Each partition's log start and last stable offset (the admin lists offsets read committed, a topic at a
   * time) and high watermark (listed again read uncommitted, every topic in one request per leader, on a
   * cluster of its own: the log end Kafka's tools count to).
   */
  private async topicEnds(admin: Admin, topics: readonly string[]): Promise<Map<string, TopicEnd[]>> {
    const stable = new Map<string, Array<{ partition: number; low: string; high: string }>>();
    for (const topic of topics) stable.set(topic, await admin.fetchTopicOffsets(topic));
    if (!this.ends) {
      const cluster = newCluster(await this.client(), { metadataMaxAge: 60_000, isolationLevel: READ_UNCOMMITTED });
      await cluster.connect();
      this.ends = cluster;
    }
    if (topics.length) await this.ends.addMultipleTargetTopics([...topics]);
    const latest = topics.length
      ? await this.ends.fetchTopicsOffset(
          topics.map((topic) => ({ topic, fromBeginning: false, partitions: stable.get(topic)!.map((s) => ({ partition: s.partition })) })),
        )
      : [];
    return new Map(
      topics.map((topic) => [
        topic,
        stable.get(topic)!.map((s) => {
          const high = latest.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === s.partition)?.offset;
          const lastStable = BigInt(s.high);
          return { partition: s.partition, low: BigInt(s.low), lastStable, high: high === undefined ? lastStable : BigInt(high) };
        }),
      ]),
    );
  }

  /**
   * What is at or after each wanted offset (several per partition when groups sit at different positions),
   * read by offset with no consumer group (the fetch-only reader): the first record's timestamp (compaction
   * may have removed the record at the offset itself), or, when only transaction markers and aborted
   * records lie between it and the end the read can reach, that. A partition is read from its lowest wanted
   * offset, and one read's records answer every wanted offset they reach; the rest are read on from there,
   * a few fetches at most. Keyed by positionKey.
   */
  private async unreadAt(wanted: ReadonlyMap<string, readonly bigint[]>, isolation: Isolation, deadlineAt: number): Promise<Map<string, UnreadAt>> {
    const out = new Map<string, UnreadAt>();
    const open = new Map([...wanted].map(([k, offsets]) => [k, [...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))]));
    const splitKey = (k: string) => ({ topic: k.slice(0, k.lastIndexOf('/')), partition: Number(k.slice(k.lastIndexOf('/') + 1)) });
    let positions = [...open].map(([k, offsets]) => ({ ...splitKey(k), offset: offsets[0]!.toString() }));
    if (positions.length === 0) return out;
    let reader = this.readers.get(isolation);
    if (!reader) {
      reader = new PartitionReader(await this.client(), { isolation, maxWaitMs: 100, maxBytesPerPartition: 65_536 });
      this.readers.set(isolation, reader);
    }
    const errors: string[] = [];
    const steps = TIMESTAMP_READ_STEPS + Math.max(...[...open.values()].map((o) => o.length)) - 1;
    for (let step = 0; step < steps && positions.length > 0; step++) {
      const asked = new Map(positions.map((p) => [tpKey(p.topic, p.partition), p.offset]));
      const reads = await reader.read(positions, deadlineAt);
      positions = [];
      for (const r of reads) {
        const k = tpKey(r.topic, r.partition);
        const end = r.lastStableOffset ?? r.highWatermark;
        if (r.error) {
          errors.push(`${k}: ${r.error.type}`);
          continue;
        }
        // Every wanted offset the records reach is answered by the first record at or after it.
        const left = (open.get(k) ?? []).filter((offset) => {
          const first = r.records.find((m) => BigInt(m.offset) >= offset);
          if (first) out.set(positionKey(k, offset), { timestampMs: Number(first.timestamp) });
          return !first;
        });
        open.set(k, left);
        if (left.length === 0) continue;
        // Stepped over markers or aborted records to the end it can read: nothing there to date.
        if (end !== undefined && BigInt(r.nextOffset) >= BigInt(end) && r.nextOffset !== asked.get(k)) {
          for (const offset of left) out.set(positionKey(k, offset), { onlyControl: true });
          continue;
        }
        // Read on past what this read covered (only markers, aborted records, or positions further on).
        // Nothing at all: nothing to date.
        const from = BigInt(r.nextOffset) > left[0]! ? BigInt(r.nextOffset) : left[0]!;
        if (from.toString() !== asked.get(k)) positions.push({ topic: r.topic, partition: r.partition, offset: from.toString() });
      }
    }
    if (out.size === 0 && errors.length > 0) throw new Error(`no timestamp could be read (${errors.join(', ')})`);
    return out;
  }

  async close(): Promise<void> {
    const closing = [this.admin?.disconnect().catch(() => {}), this.ends?.disconnect().catch(() => {}), ...[...this.readers.values()].map((r) => r.close())];
    this.admin = undefined;
    this.ends = undefined;
    this.readers.clear();
    await Promise.all(closing);
  }
}

/** A wanted offset of a partition, as unreadAt answers it. */
const positionKey = (tp: string, offset: bigint) => `${tp}@${offset}`;

/** Every distinct offset `at` gives per partition over every group's partitions. */
function positionsPerPartition(partitions: readonly PartitionOffsets[], at: (p: PartitionOffsets) => bigint | undefined): Map<string, bigint[]> {
  const wanted = new Map<string, Set<bigint>>();
  for (const p of partitions) {
    const offset = at(p);
    if (offset === undefined) continue;
    const k = tpKey(p.topic, p.partition);
    wanted.set(k, (wanted.get(k) ?? new Set()).add(offset));
  }
  return new Map([...wanted].map(([k, set]) => [k, [...set]]));
}

/** Partitions the group's members own, by topic (consumer-protocol groups; others own nothing we can read). */
function ownedPartitions(d: { protocolType?: string; members: Array<{ memberAssignment: Buffer }> } | undefined): Map<string, Set<number>> {
  const owned = new Map<string, Set<number>>();
  if (d?.protocolType !== 'consumer') return owned;
  for (const m of d.members) {
    let decoded: { assignment: Record<string, number[]> } | null = null;
    try {
      decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    } catch {
      continue; // an assignment this kafkajs cannot read: the member's partitions go unlisted, as before
    }
    for (const [topic, partitions] of Object.entries(decoded?.assignment ?? {})) {
      const set = owned.get(topic) ?? new Set<number>();
      for (const p of partitions) set.add(p);
      owned.set(topic, set);
    }
  }
  return owned;
}
