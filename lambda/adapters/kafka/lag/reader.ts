/**
 * Reads what the lag check needs from Kafka: each group's state, members and committed offsets, each
 * partition's log start and end, and the timestamp of the record at a lagging group's position (one small
 * read per lagging partition, through one short-lived consumer of a throwaway group).
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { ConnectionSettings } from '../../../config/fields';
import type { PartitionOffsets } from '../../../core/lag/partition-lag';
import { oldestUnreadOffset } from '../../../core/lag/partition-lag';
import { withDeadline } from '../../deadline';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';

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

  /** Groups whose id matches the pattern (consumer groups the cluster lists). */
  async listGroups(pattern: RegExp): Promise<string[]> {
    const { groups } = await (await this.connected()).listGroups();
    return groups
      .map((g) => g.groupId)
      .filter((g) => pattern.test(g))
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
   * The timestamps of the records from each wanted offset on, read by one short-lived consumer: kafkajs has
   * no assign(), so a throwaway group is joined, every wanted partition is sought, and it stops as soon as
   * each has handed over a batch (compressed batches may start before the offset; those records are skipped).
   */
  private async timestampsAt(wanted: ReadonlyMap<string, bigint>, deadlineAt: number): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (wanted.size === 0) return out;
    const topics = [...new Set([...wanted.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))];
    const groupId = `streamprobe-lag-read-${randomBytes(4).toString('hex')}`;
    const consumer = (await this.client()).consumer({
      groupId,
      maxWaitTimeInMs: 100,
      rebalanceTimeout: 4000,
      heartbeatInterval: 1000,
      maxBytesPerPartition: 65_536,
    });
    const left = new Set(wanted.keys());
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => (done = r));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [k, offset] of wanted) {
        const i = k.lastIndexOf('/');
        consumer.seek({ topic: k.slice(0, i), partition: Number(k.slice(i + 1)), offset: offset.toString() });
      }
    });
    try {
      await withDeadline(
        (async () => {
          await consumer.connect();
          for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: false });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              const k = tpKey(batch.topic, batch.partition);
              const from = wanted.get(k);
              if (from === undefined || !left.has(k)) return;
              // The first record at or after the position (compaction may have removed the one at it).
              const first = batch.messages.find((m) => BigInt(m.offset) >= from);
              if (first) {
                out.set(k, Number(first.timestamp));
                left.delete(k);
              }
              if (left.size === 0) done();
            },
          });
          await finished;
        })(),
        deadlineAt,
        'reading the timestamps of the oldest unread records',
      );
      return out;
    } finally {
      void consumer
        .disconnect()
        .catch(() => {})
        .then(() => this.admin?.deleteGroups([groupId]).catch(() => {}));
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => {});
    this.admin = undefined;
  }
}
