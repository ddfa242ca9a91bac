/**
 * Reads what the lag check needs from Kafka: each group's state, members and committed offsets, each
 * partition's log start and end, and the timestamp of the record at a lagging group's position (one small
 * read per lagging partition, by offset, joining no consumer group).
 */

import type { Admin, Kafka } from 'kafkajs';
import type { ConnectionSettings } from '../../../config/fields';
import { isStreamprobeGroup } from '../../../contract';
import type { PartitionOffsets } from '../../../core/lag/partition-lag';
import { oldestUnreadOffset } from '../../../core/lag/partition-lag';
import { withDeadline } from '../../deadline';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';
import { PartitionReader } from '../reader';

/** Fetches per partition at most, stepping over transaction markers and aborted records to the next record. */
const TIMESTAMP_READ_STEPS = 4;

export interface GroupSnapshot {
  readonly group: string;
  /** False when the cluster knows no such group (no members, no committed offsets). */
  readonly exists: boolean;
  readonly state: string;
  readonly members: number;
  readonly partitions: readonly PartitionOffsets[];
  /** topic/partition -> timestamp (ms) of the record at the group's position, for lagging partitions. */
  readonly timestamps: ReadonlyMap<string, number>;
  /** Why timestamps could not be read, when they could not: time lag is then unknown, never guessed. */
  readonly timestampError?: string;
}

export const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;

export class LagReader {
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private reader: PartitionReader | undefined;

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
    const ends = new Map<string, Array<{ partition: number; high: string; low: string }>>();
    const snapshots: Array<Omit<GroupSnapshot, 'timestamps'>> = [];
    for (const group of groups) {
      const d = described.groups.find((g) => g.groupId === group);
      const committed = await withDeadline(admin.fetchOffsets({ groupId: group }), deadlineAt, `reading the offsets of ${group}`);
      const partitions: PartitionOffsets[] = [];
      for (const t of committed) {
        if (!ends.has(t.topic)) ends.set(t.topic, await withDeadline(admin.fetchTopicOffsets(t.topic), deadlineAt, `reading the offsets of ${t.topic}`));
        for (const end of ends.get(t.topic)!) {
          const c = t.partitions.find((p) => p.partition === end.partition);
          const offset = c === undefined || Number(c.offset) < 0 ? undefined : BigInt(c.offset);
          partitions.push({ topic: t.topic, partition: end.partition, committed: offset, logStart: BigInt(end.low), logEnd: BigInt(end.high) });
        }
      }
      const withCommits = partitions
        .filter((p) => p.committed !== undefined)
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
      const members = d?.members.length ?? 0;
      snapshots.push({
        group,
        state: d?.state ?? 'Unknown',
        members,
        partitions: withCommits,
        exists: members > 0 || withCommits.length > 0 || (d !== undefined && d.state !== 'Dead'),
      });
    }
    const wanted = new Map<string, bigint>();
    for (const s of snapshots)
      for (const p of s.partitions) {
        const at = oldestUnreadOffset(p);
        if (at !== undefined) {
          const k = tpKey(p.topic, p.partition);
          if (!wanted.has(k) || wanted.get(k)! > at) wanted.set(k, at);
        }
      }
    let timestampError: string | undefined;
    // One retry: the throwaway group's first join can meet a coordinator that is still loading.
    const timestamps = await this.timestampsAt(wanted, deadlineAt)
      .catch(() => this.timestampsAt(wanted, deadlineAt))
      .catch((error: Error) => {
        timestampError = `${(error as { type?: string }).type ?? error.name}: ${error.message}`;
        return new Map<string, number>();
      });
    return snapshots.map((s) => {
      const ts = new Map<string, number>();
      for (const p of s.partitions) {
        const k = tpKey(p.topic, p.partition);
        // Read once per partition, from the oldest position any group has there; exact for that group.
        if (oldestUnreadOffset(p) !== undefined && oldestUnreadOffset(p) === wanted.get(k) && timestamps.has(k)) ts.set(k, timestamps.get(k)!);
      }
      return { ...s, timestamps: ts, timestampError };
    });
  }

  /**
   * The timestamp of the first record at or after each wanted offset, read by offset with no consumer group
   * (the fetch-only reader): compaction may have removed the record at the offset itself, and transaction
   * markers or aborted records before the next record are stepped over, a few fetches at most.
   */
  private async timestampsAt(wanted: ReadonlyMap<string, bigint>, deadlineAt: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let positions = [...wanted].map(([k, offset]) => ({
      topic: k.slice(0, k.lastIndexOf('/')),
      partition: Number(k.slice(k.lastIndexOf('/') + 1)),
      offset: offset.toString(),
    }));
    this.reader ??= new PartitionReader(await this.client(), { isolation: 'read_committed', maxWaitMs: 100, maxBytesPerPartition: 65_536 });
    const errors: string[] = [];
    for (let step = 0; step < TIMESTAMP_READ_STEPS && positions.length > 0; step++) {
      const asked = new Map(positions.map((p) => [tpKey(p.topic, p.partition), p.offset]));
      const reads = await this.reader.read(positions, deadlineAt);
      positions = [];
      for (const r of reads) {
        const k = tpKey(r.topic, r.partition);
        const first = r.records.find((m) => BigInt(m.offset) >= wanted.get(k)!);
        if (first) out.set(k, Number(first.timestamp));
        else if (r.error) errors.push(`${k}: ${r.error.type}`);
        // Only markers or aborted records so far: read on from past them. Nothing at all: nothing to date.
        else if (r.nextOffset !== asked.get(k)) positions.push({ topic: r.topic, partition: r.partition, offset: r.nextOffset });
      }
    }
    if (out.size === 0 && errors.length > 0) throw new Error(`no timestamp could be read (${errors.join(', ')})`);
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.admin?.disconnect().catch(() => {}), this.reader?.close()]);
    this.admin = undefined;
    this.reader = undefined;
  }
}
