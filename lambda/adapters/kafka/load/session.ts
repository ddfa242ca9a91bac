/**
 * One load test against Kafka: a producer sending on the schedule (records due but not yet sent wait for
 * a free request slot, and the wait counts as their latency) and a fetch-only reader in the same process
 * reading them back by offset (no consumer group), each on its own connections. Ends hard at the load's duration and at the deadline; the drain
 * that follows is bounded too.
 */
import { randomBytes } from 'node:crypto';
import { type Admin, CompressionTypes, type Kafka, type logCreator, Partitioners, type Producer } from 'kafkajs';
import type { LoadConfig } from '../../../config/load';
import { decodeLoadRecord, encodeLoadRecord } from '../../../core/load/record';
import { LoadSchedule } from '../../../core/load/schedule';
import { LoadTally, sendOutcomeUnknown } from '../../../core/load/tally';
import { toErrorInfo } from '../../../core/redact';
import { monotonicNow, remainingMs, retryWithin, sleep, withDeadline } from '../../deadline';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';
import { PartitionReader, type ReadRecord } from '../reader';
import { waitForLeaders } from '../topic';

const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

/** Records per produce request at most: about 1 MB, Kafka's default request size. */
const batchLimit = (messageBytes: number) => Math.max(1, Math.min(10_000, Math.floor(1_000_000 / messageBytes)));

export interface LoadLog {
  debug(message: string, extra?: Record<string, unknown>): void;
}

export interface LoadRun {
  readonly tally: LoadTally;
  readonly loadId: string;
  readonly partitions: number;
  readonly timings: { prepareMs: number; loadMs: number; drainMs: number };
}

export interface LoadControls {
  /** Monotonic time by which everything, the drain included, must be over. */
  readonly deadlineAt: number;
  /** Asked between ticks: true ends the load early (Ctrl-C). */
  readonly stopping?: () => boolean;
  /** Called when sending starts, with the tally the caller may watch. */
  readonly onStart?: (tally: LoadTally) => void;
}

interface Prepared {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly reader: PartitionReader;
  readonly partitions: number;
  readonly partitionFor: (seq: number) => { partition: number; key: string | null };
}

export class KafkaLoadSession {
  private readonly loadId = randomBytes(8);
  private prepared: Prepared | undefined;
  /** The next offset the reader reads, per partition. */
  private readonly positions = new Map<number, number>();
  private tally: LoadTally | undefined;
  private reading: Promise<void> | undefined;
  private stopReading = false;

  constructor(
    private readonly config: LoadConfig,
    private readonly log: LoadLog,
    private readonly credentials?: ResolvedCredentials,
  ) {}

  private readonly logCreator: logCreator =
    () =>
    ({ namespace, level, log }) => {
      this.log.debug(`kafkajs ${level}: ${log.message}`, { namespace, broker: log.broker });
    };

  async run(controls: LoadControls): Promise<LoadRun> {
    const started = monotonicNow();
    try {
      const prepared = await withDeadline(this.prepare(controls.deadlineAt), controls.deadlineAt, 'preparing the load (connect, topic, consumer)');
      const loadStart = monotonicNow();
      const schedule = new LoadSchedule(loadStart, this.config.recordsPerSecond, this.config.durationMs);
      const tally = new LoadTally(schedule);
      this.tally = tally;
      controls.onStart?.(tally);
      await this.generate(prepared, schedule, tally, controls);
      const drainStart = monotonicNow();
      await this.drain(tally, controls.deadlineAt);
      const logStarts = await withDeadline(
        prepared.admin.fetchTopicOffsets(this.config.topic),
        Math.max(controls.deadlineAt, monotonicNow() + 2000),
        'reading where the partitions start',
      )
        .then((offsets) => new Map(offsets.map((o) => [o.partition, Number(o.low)])))
        .catch(() => new Map<number, number>());
      tally.settleUnread({ positions: this.positions, logStarts });
      return {
        tally,
        loadId: this.loadId.toString('hex'),
        partitions: prepared.partitions,
        timings: { prepareMs: loadStart - started, loadMs: drainStart - loadStart, drainMs: monotonicNow() - drainStart },
      };
    } finally {
      await this.close();
    }
  }

  private async prepare(deadlineAt: number): Promise<Prepared> {
    const runTimeoutMs = Math.max(6000, Math.min(30_000, remainingMs(deadlineAt)));
    const kafka = kafkaClient({
      connection: { ...this.config, runTimeoutMs },
      clientId: `streamprobe-load-${this.config.loadTest}`,
      logCreator: this.logCreator,
      credentials: this.credentials,
    });
    const admin = kafka.admin();
    // The producer's own retries would hide a failed send and blur its latency: a failure is counted.
    const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, retry: { retries: 0 }, maxInFlightRequests: this.config.maxInFlight });
    const reader = new PartitionReader(kafka, { isolation: 'read_uncommitted', maxWaitMs: 100, maxBytesPerPartition: this.config.fetchMaxBytesPerPartition });
    this.prepared = { kafka, admin, producer, reader, partitions: 0, partitionFor: () => ({ partition: 0, key: null }) };
    await Promise.all([admin.connect(), producer.connect()]);
    const partitionMetadata = await this.ensureTopic(admin, deadlineAt);
    // A new topic's leaders may not answer ListOffsets yet (NOT_LEADER_FOR_PARTITION): asked again until they do.
    const ends = await retryWithin(() => admin.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading where the topic ends');
    const partitionFor = this.partitioner(partitionMetadata);
    // Read from where the topic ended before the load, so no record of this load is ever skipped.
    for (const end of ends) this.positions.set(end.partition, Number(end.high));
    this.prepared = { kafka, admin, producer, reader, partitions: partitionMetadata.length, partitionFor };
    this.reading = this.readLoop(this.prepared);
    return this.prepared;
  }

  /** Reads every partition from its position until the load is closed; no commits, no group. */
  private async readLoop(p: Prepared): Promise<void> {
    while (!this.stopReading) {
      const positions = [...this.positions].map(([partition, offset]) => ({ topic: this.config.topic, partition, offset: String(offset) }));
      let reads: Awaited<ReturnType<PartitionReader['read']>>;
      try {
        reads = await p.reader.read(positions, monotonicNow() + 5000);
      } catch (error) {
        // Metadata or a connection, for the whole read: tried again shortly, as a consumer would.
        this.log.debug('a load read failed', { error: (error as Error).message });
        await sleep(100);
        continue;
      }
      for (const r of reads) {
        if (r.error) await this.onReadError(p, r.partition, r.error.type);
        for (const record of r.records) this.onRecord(record);
        if (!r.error) this.positions.set(r.partition, Number(r.nextOffset));
      }
    }
  }

  /** Records deleted under the reader: it goes on from where the log now starts (what it skipped counts as lost). */
  private async onReadError(p: Prepared, partition: number, type: string): Promise<void> {
    this.log.debug('a partition read failed', { partition, type });
    if (type !== 'OFFSET_OUT_OF_RANGE') return sleep(20);
    const offsets = await p.admin.fetchTopicOffsets(this.config.topic).catch(() => []);
    const low = offsets.find((o) => o.partition === partition)?.low;
    if (low !== undefined && Number(low) > (this.positions.get(partition) ?? 0)) this.positions.set(partition, Number(low));
  }

  /** The topic's partitions with their leaders; made with `partitions` partitions when it does not exist. */
  private async ensureTopic(admin: Admin, deadlineAt: number) {
    const existing = await admin.listTopics();
    if (!existing.includes(this.config.topic)) {
      const brokers = (await admin.describeCluster()).brokers.length;
      await admin
        .createTopics({
          topics: [
            { topic: this.config.topic, numPartitions: this.config.partitions, replicationFactor: this.config.replicationFactor ?? Math.min(3, brokers) },
          ],
          waitForLeaders: false,
        })
        .catch((error: { type?: string }) => {
          if (error.type !== 'TOPIC_ALREADY_EXISTS') throw error;
        });
    }
    return waitForLeaders(admin, this.config.topic, deadlineAt);
  }

  /** No key: partitions in turn. With keys: Kafka's own partitioner (murmur2), as a Java producer would place them. */
  private partitioner(partitionMetadata: Array<{ partitionId: number; leader: number }>): Prepared['partitionFor'] {
    const count = partitionMetadata.length;
    if (this.config.keys === 0) return (seq) => ({ partition: seq % count, key: null });
    const kafkaPartitioner = Partitioners.DefaultPartitioner();
    const byKey = new Int32Array(this.config.keys).fill(-1);
    return (seq) => {
      const k = seq % this.config.keys;
      const key = `key-${k}`;
      if (byKey[k] === -1) {
        byKey[k] = kafkaPartitioner({ topic: this.config.topic, partitionMetadata: partitionMetadata as never, message: { key, value: null } });
      }
      return { partition: byKey[k]!, key };
    };
  }

  private async generate(p: Prepared, schedule: LoadSchedule, tally: LoadTally, controls: LoadControls): Promise<void> {
    const limit = batchLimit(this.config.messageBytes);
    const inFlight = new Set<Promise<void>>();
    let next = 0;
    for (;;) {
      const now = monotonicNow();
      if (next >= schedule.total || remainingMs(controls.deadlineAt) <= 0 || controls.stopping?.()) break;
      // Every record intended within the duration is sent, late if the sender fell behind (its latency says
      // so); nothing intended after it. Only a stop or the deadline leaves records unsent.
      const due = schedule.dueBy(Math.min(now, schedule.endMs));
      if (now >= schedule.endMs && next >= due) break;
      while (next < due && inFlight.size < this.config.maxInFlight) {
        const to = Math.min(due, next + limit);
        const sending = this.send(p, next, to, tally).finally(() => inFlight.delete(sending));
        inFlight.add(sending);
        next = to;
      }
      // Wake at the next due record, or when a request slot frees up.
      const wait = next < due ? 1 : Math.max(0, schedule.intendedAt(next) - monotonicNow());
      await Promise.race([sleep(Math.min(wait, 50)), ...(inFlight.size >= this.config.maxInFlight ? inFlight : [])]);
    }
    // Requests already sent are answered (or time out) within the deadline.
    await withDeadline(Promise.allSettled([...inFlight]), controls.deadlineAt, 'waiting for the last produce requests').catch(() => {});
  }

  private async send(p: Prepared, from: number, to: number, tally: LoadTally): Promise<void> {
    const seqsOf = new Map<number, number[]>();
    const messages = [];
    for (let seq = from; seq < to; seq++) {
      const { partition, key } = p.partitionFor(seq);
      messages.push({ partition, key, value: encodeLoadRecord(this.loadId, seq, this.config.messageBytes) });
      (seqsOf.get(partition) ?? seqsOf.set(partition, []).get(partition)!).push(seq);
    }
    tally.markSent(from, to, monotonicNow());
    try {
      const acks = await p.producer.send({ topic: this.config.topic, acks: this.config.acks, compression: COMPRESSION[this.config.compression], messages });
      const ackedAt = monotonicNow();
      for (const ack of acks) {
        const seqs = seqsOf.get(ack.partition) ?? [];
        const base = Number(ack.baseOffset);
        if (this.config.acks === 0 || !(base >= 0)) tally.markAckedBlind(seqs, ack.partition);
        else tally.markAcked(seqs, ack.partition, base, ackedAt);
        seqsOf.delete(ack.partition);
      }
      // acks=0 answers nothing: what was handed over counts as acknowledged, without offsets.
      for (const [partition, seqs] of seqsOf) tally.markAckedBlind(seqs, partition);
    } catch (error) {
      // By the innermost cause (UNKNOWN_TOPIC_OR_PARTITION), not kafkajs's wrapper (NumberOfRetriesExceeded).
      const type = toErrorInfo(error, 'send', []).type;
      tally.markFailed([...seqsOf.values()].flat(), type, sendOutcomeUnknown(type));
      this.log.debug('a produce request failed', { from, to, error: (error as Error).message });
    }
  }

  private onRecord(record: ReadRecord): void {
    const seq = decodeLoadRecord(this.loadId, record.value);
    const tally = this.tally;
    if (!tally) return;
    if (seq === undefined) tally.markForeign();
    else tally.markReceived(seq, record.partition, record.arrivedAt);
  }

  /** Until every acknowledged record arrived, the drain time passed, or the deadline. */
  private async drain(tally: LoadTally, deadlineAt: number): Promise<void> {
    const until = Math.min(deadlineAt, monotonicNow() + this.config.drainMs);
    while (tally.received < tally.acked && monotonicNow() < until) await sleep(20);
  }

  private async close(): Promise<void> {
    const p = this.prepared;
    if (!p) return;
    this.prepared = undefined;
    this.stopReading = true;
    const quietly = (work: Promise<unknown>) => withDeadline(work, monotonicNow() + 5000, 'closing').catch(() => {});
    await quietly(this.reading ?? Promise.resolve());
    await Promise.all([quietly(p.reader.close()), quietly(p.producer.disconnect())]);
    await quietly(p.admin.disconnect());
  }
}
