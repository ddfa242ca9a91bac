/**
 * The fetch-only reader (Kafka's own assign() + seek() model): the partitions it is given, from the offsets
 * it is given, joining no consumer group and leaving none behind. kafkajs has no assign(); its cluster and
 * broker objects do what is needed, reached through the Kafka instance's cluster factory (a private symbol,
 * as the broker patches reach kafkajs's internals). Each partition is judged on its own answer: one
 * partition's error never costs the others their records (the fetch pass-through keeps them). Control
 * records (transaction markers) and aborted records are stepped over as positions, never read as data.
 */
import type { Kafka } from 'kafkajs';
import type { ErrorInfo } from '../../core/check-report';
import { toErrorInfo } from '../../core/redact';
import { monotonicNow, remainingMs, sleep, withDeadline } from '../deadline';
import { type ClusterLike, newCluster } from './cluster';
import { type FetchAnswer, fetchAnswers } from './kafkajs-patches/fetch-answers';
import { errorForCode } from './kafkajs-patches/produce-answers';
import { type FetchStamps, stampingFetches } from './kafkajs-patches/request-stamps';

export type Isolation = 'read_uncommitted' | 'read_committed';

export interface ReaderOptions {
  /** read_committed stops at the last stable offset (the first open transaction); read_uncommitted at the log end. */
  readonly isolation: Isolation;
  /** How long a fetch may wait at the broker for records it does not have yet. */
  readonly maxWaitMs: number;
  readonly maxBytesPerPartition?: number;
}

export interface ReadPosition {
  readonly topic: string;
  readonly partition: number;
  /** The offset to read from. */
  readonly offset: string;
}

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | undefined>>;
  /** Monotonic ms when the fetch response holding it was complete, before it was decoded. */
  readonly arrivedAt: number;
}

export interface PartitionRead {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ReadRecord[];
  /** Where the next read of this partition starts: past every record, marker and aborted record this one covered. */
  readonly nextOffset: string;
  readonly highWatermark?: string;
  readonly lastStableOffset?: string;
  readonly logStartOffset?: string;
  /** This partition's own trouble (its leader moved, its offset is out of range); the others are unaffected. */
  readonly error?: ErrorInfo;
}

interface KafkajsMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Record<string, Buffer | string | undefined>;
  readonly isControlRecord?: boolean;
}

interface KafkajsBatch {
  readonly messages: KafkajsMessage[];
  readonly messagesWithinOffset: KafkajsMessage[];
}

/** A leader whose fetch met an error is asked again after this long, not in a tight loop. */
const LANE_REST_MS = 50;
/** A fetch's wait at the broker right after a fetch that brought records. */
const AFTER_RECORDS_WAIT_MS = 0;
const ISOLATION_LEVEL: Readonly<Record<Isolation, number>> = { read_uncommitted: 0, read_committed: 1 };
/** Errors after which the cluster's metadata is no longer to be trusted: the next read refreshes it first. */
const STALE_METADATA = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
]);

/** One key per topic-partition, for lookups by partition in a read of many. */
const partitionKey = (p: { readonly topic: string; readonly partition: number }) => `${p.topic}/${p.partition}`;

const Batch = require('kafkajs/src/consumer/batch') as new (topic: string, fetchedOffset: string, partitionData: unknown) => KafkajsBatch;

/** Each position's leader in the cluster's metadata; a partition without one is left out. */
function leaderIndex(cluster: ClusterLike, positions: readonly ReadPosition[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const topic of new Set(positions.map((p) => p.topic))) {
    for (const m of cluster.findTopicPartitionMetadata(topic)) {
      if (m.leader !== null && m.leader >= 0) index.set(partitionKey({ topic, partition: m.partitionId }), m.leader);
    }
  }
  return index;
}

export class PartitionReader {
  private cluster: ClusterLike | undefined;
  private stale = false;
  private poked: (() => void) | undefined;
  /** The fetches a finished follow left out; the next waits for them. */
  private draining: Promise<void> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ReaderOptions,
  ) {}

  private async connected(topics: readonly string[]): Promise<ClusterLike> {
    if (!this.cluster) {
      const cluster = newCluster(this.kafka, { metadataMaxAge: 30_000, isolationLevel: ISOLATION_LEVEL[this.options.isolation] });
      await cluster.connect();
      this.cluster = cluster;
    }
    await this.cluster.addMultipleTargetTopics([...topics]);
    if (this.stale) {
      await this.cluster.refreshMetadata();
      this.stale = false;
    }
    return this.cluster;
  }

  /** Reads every position once, within the deadline; one partition's trouble is that partition's error. */
  async read(positions: readonly ReadPosition[], deadlineAt: number): Promise<PartitionRead[]> {
    const cluster = await withDeadline(this.connected([...new Set(positions.map((p) => p.topic))]), deadlineAt, 'reading cluster metadata');
    const byLeader = new Map<number, ReadPosition[]>();
    const leaderless: PartitionRead[] = [];
    const leaders = leaderIndex(cluster, positions);
    for (const p of positions) {
      const leader = leaders.get(partitionKey(p));
      if (leader === undefined) {
        this.stale = true;
        leaderless.push(this.failed(p, errorForCode(5))); // LEADER_NOT_AVAILABLE
        continue;
      }
      const led = byLeader.get(leader);
      if (led) led.push(p);
      else byLeader.set(leader, [p]);
    }
    const reads = await Promise.all([...byLeader].map(([nodeId, ps]) => this.fetchFrom(cluster, nodeId, ps, deadlineAt)));
    const all = [...reads.flat(), ...leaderless];
    const byPartition = new Map(all.map((r) => [partitionKey(r), r]));
    return positions.map((p) => byPartition.get(partitionKey(p))!);
  }

  /**
   * Reads again and again until `done()` or the deadline: one fetch at a time per leader (a broker answers
   * one request per connection at a time), each leader at its own pace, so a slow or hung broker holds back
   * only its own partitions. `want()` is asked before every fetch for the positions to read now (the caller
   * moves them on in `onRead`, and may leave partitions out to hold them). A partition whose leader moved
   * is read from its new leader once the metadata is refreshed. Fetches still out when this returns finish
   * in the background and are dropped; the next follow waits for them, so no two ever overlap.
   */
  async follow(
    want: () => readonly ReadPosition[],
    deadlineAt: number,
    onRead: (read: PartitionRead) => void,
    done: () => boolean,
    /** Called once the first fetches are out (or the follow ended without any). */
    started: () => void = () => {},
  ): Promise<void> {
    await Promise.race([this.draining, sleep(remainingMs(deadlineAt))]);
    let open = true;
    let leaders = new Map<string, number>();
    const lanes = new Map<number, Promise<void>>();
    const restUntil = new Map<number, number>();
    const report = (read: PartitionRead) => open && onRead(read);
    const lane = async (cluster: ClusterLike, nodeId: number, sent: () => void = () => {}): Promise<void> => {
      let waitMs = this.options.maxWaitMs;
      try {
        for (;;) {
          if (!open || done() || remainingMs(deadlineAt) <= 0 || this.stale) return;
          const mine = want().filter((p) => leaders.get(partitionKey(p)) === nodeId);
          if (mine.length === 0) return;
          const reads = await this.fetchFrom(cluster, nodeId, mine, deadlineAt, waitMs, sent);
          // Right after records came, the caller is likely about to be done: a short wait keeps the fetch it
          // leaves out (and the next follow waits for) short. Nothing coming, the wait grows back to the full one.
          waitMs = reads.some((r) => r.records.length > 0) ? AFTER_RECORDS_WAIT_MS : Math.min(this.options.maxWaitMs, Math.max(1, waitMs * 4));
          for (const r of reads) report(r);
          if (reads.some((r) => r.error)) {
            restUntil.set(nodeId, monotonicNow() + LANE_REST_MS);
            return;
          }
        }
      } finally {
        sent();
      }
    };
    let first = true;
    try {
      while (open && !done() && remainingMs(deadlineAt) > 0) {
        const wanted = want();
        let cluster: ClusterLike;
        try {
          cluster = await withDeadline(this.connected([...new Set(wanted.map((p) => p.topic))]), deadlineAt, 'reading cluster metadata');
        } catch (error) {
          // No metadata, no leaders: every partition wanted carries the error, and it is tried again shortly.
          this.stale = true;
          started();
          for (const p of wanted) report(this.failed(p, error));
          await sleep(Math.min(LANE_REST_MS, remainingMs(deadlineAt)));
          continue;
        }
        leaders = leaderIndex(cluster, wanted);
        const firstOut: Array<Promise<void>> = [];
        for (const p of wanted) {
          const leader = leaders.get(partitionKey(p));
          if (leader === undefined) {
            this.stale = true;
            report(this.failed(p, errorForCode(5))); // LEADER_NOT_AVAILABLE
          } else if (!lanes.has(leader) && (restUntil.get(leader) ?? 0) <= monotonicNow()) {
            let sent: () => void = () => {};
            firstOut.push(new Promise<void>((resolve) => (sent = resolve)));
            lanes.set(
              leader,
              lane(cluster, leader, sent).finally(() => lanes.delete(leader)),
            );
          }
        }
        // Started once the first fetch of every leader is on its connection (or its lane ended).
        if (first) void Promise.all(firstOut).then(started);
        first = false;
        // Wake when a lane ends (its partitions may have moved), or soon, for partitions handed back, a
        // rested leader or a leaderless partition.
        await Promise.race([...lanes.values(), sleep(Math.min(LANE_REST_MS, remainingMs(deadlineAt))), new Promise<void>((r) => (this.poked = r))]);
      }
    } finally {
      started();
      open = false;
      this.draining = Promise.allSettled([...lanes.values()]).then(() => {});
    }
  }

  /** Wakes a follow at once, to look at `done()` again (the caller just changed what it waits for). */
  poke(): void {
    this.poked?.();
  }

  /** One fetch request to one leader for all of its positions. */
  private async fetchFrom(
    cluster: ClusterLike,
    nodeId: number,
    positions: readonly ReadPosition[],
    deadlineAt: number,
    maxWaitMs = this.options.maxWaitMs,
    onSent?: () => void,
  ): Promise<PartitionRead[]> {
    const stamps: FetchStamps = Object.assign(new Map<number, number>(), { onSent });
    let answers: FetchAnswer[] | undefined;
    let requestError: unknown;
    try {
      const broker = await cluster.findBroker({ nodeId: String(nodeId) });
      const response = await withDeadline(
        stampingFetches(stamps, () =>
          broker.fetch({
            isolationLevel: ISOLATION_LEVEL[this.options.isolation],
            maxWaitTime: Math.max(0, Math.min(maxWaitMs, remainingMs(deadlineAt) - 50)),
            minBytes: 1,
            maxBytes: 10_485_760,
            topics: [...new Set(positions.map((p) => p.topic))].map((topic) => ({
              topic,
              partitions: positions
                .filter((p) => p.topic === topic)
                .map((p) => ({ partition: p.partition, fetchOffset: p.offset, maxBytes: this.options.maxBytesPerPartition ?? 1_048_576 })),
            })),
          }),
        ),
        deadlineAt,
        `fetching from broker ${nodeId}`,
      );
      answers = response.responses.flatMap((t) => t.partitions.map((a) => ({ ...a, topic: t.topicName })));
    } catch (error) {
      // A partition error fails kafkajs's whole response; the other partitions' answers are still in it.
      requestError = error;
      answers = fetchAnswers(error);
      if (!answers) this.stale = true;
    }
    const arrivedAt = stamps.get(nodeId) ?? monotonicNow();
    const byPartition = new Map((answers ?? []).map((a) => [partitionKey(a), a]));
    return positions.map((p) => {
      const answer = byPartition.get(partitionKey(p));
      if (!answer) return this.failed(p, requestError ?? new Error(`broker ${nodeId} answered nothing for ${p.topic}/${p.partition}`));
      if (answer.errorCode !== 0) {
        const error = errorForCode(answer.errorCode);
        if (STALE_METADATA.has((error as { type?: string }).type ?? '')) this.stale = true;
        return { ...this.failed(p, error), ...watermarks(answer) };
      }
      return this.decoded(p, answer, arrivedAt);
    });
  }

  /** A partition's answer as records, control records and aborted records stepped over as positions. */
  private decoded(p: ReadPosition, answer: FetchAnswer, arrivedAt: number): PartitionRead {
    const batch = new Batch(p.topic, p.offset, answer);
    const covered = batch.messagesWithinOffset;
    const nextOffset = covered.length ? (BigInt(covered[covered.length - 1]!.offset) + 1n).toString() : p.offset;
    const records = batch.messages.map(
      (m): ReadRecord => ({
        topic: p.topic,
        partition: p.partition,
        offset: m.offset,
        timestamp: m.timestamp,
        key: m.key,
        value: m.value,
        headers: m.headers ?? {},
        arrivedAt,
      }),
    );
    return { topic: p.topic, partition: p.partition, records, nextOffset, ...watermarks(answer) };
  }

  private failed(p: ReadPosition, error: unknown): PartitionRead {
    return { topic: p.topic, partition: p.partition, records: [], nextOffset: p.offset, error: toErrorInfo(error, 'receive', [], { partition: p.partition }) };
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    await cluster?.disconnect().catch(() => {});
  }
}

function watermarks(a: FetchAnswer): Pick<PartitionRead, 'highWatermark' | 'lastStableOffset' | 'logStartOffset'> {
  return {
    ...(a.highWatermark !== undefined && a.highWatermark !== '-1' ? { highWatermark: a.highWatermark } : {}),
    ...(a.lastStableOffset !== undefined && a.lastStableOffset !== '-1' ? { lastStableOffset: a.lastStableOffset } : {}),
    ...(a.lastStartOffset !== undefined && a.lastStartOffset !== '-1' ? { logStartOffset: a.lastStartOffset } : {}),
  };
}
