/**
 * The Kafka side of a pipeline canary: a producer on the input cluster, a group-less reader of the output
 * topic (possibly on another cluster). Where it read to is committed each run for the pipeline's own group,
 * without a member, so a new process (a Lambda after a cold start) resumes where the last one stopped
 * instead of skipping outputs, and no join ever waits for a rebalance.
 */
import type { Admin, IHeaders, Kafka, logCreator, Producer } from 'kafkajs';
import type { PipelineConfig } from '../../../config/pipeline';
import { pipelineGroupId } from '../../../contract';
import type { ErrorInfo } from '../../../core/check-report';
import { positionInLog } from '../../../core/log-bounds';
import { sentAtOf } from '../../../core/pipeline/canary-id';
import { type CarryOver, decodeCarryOver } from '../../../core/pipeline/carry-over';
import type { OutputRecord } from '../../../core/pipeline/match';
import { CANARY_HEADER, PIPELINE_HEADER, type RenderedCanary } from '../../../core/pipeline/template';
import { monotonicNow, withDeadline } from '../../deadline';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';
import { OffsetCommitter } from '../offset-commit';
import { type PartitionRead, PartitionReader, type ReadRecord } from '../reader';

export interface OutputArrival extends OutputRecord {
  readonly partition: number;
  readonly offset: string;
  readonly arrivedAtMs: number;
  /** In the log before this process positioned its reader: it arrived at or before `arrivedAtMs`. */
  readonly arrivedBefore: boolean;
}

/** A topic that does not exist, as kafkajs says it: by type, or only in the message of a wrapping error. */
export const mentionsUnknownTopic = (text: string) => /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/.test(text);

export interface SentCanaryRecord {
  readonly id: string;
  readonly sentAtMs: number;
}

const DELIVERED_KEPT = 100_000;
type CredentialsProvider = () => Promise<ResolvedCredentials | undefined>;
/** kafkajs's own log lines stay out of the JSON logs: errors reach them through the run report. */
const quietLogs: logCreator = () => () => {};

function headerText(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = Array.isArray(v) ? v[0]?.toString() : v?.toString();
  return out;
}

export class PipelineSession {
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private reader: PartitionReader | undefined;
  private committer: OffsetCommitter | undefined;
  /** Output partition -> the next offset to read. */
  private readonly positions = new Map<number, string>();
  private buffer: OutputArrival[] = [];
  /** Output partition -> where its log ended when the reader was positioned; the wall-clock time of that. */
  private readonly endAtStart = new Map<number, bigint>();
  private positionedAtMs = 0;
  private readonly delivered = new Set<string>();
  /** What the last commit handed over: the canaries then in flight; undefined when it said nothing usable. */
  carriedOver: CarryOver | undefined;

  constructor(
    private readonly config: PipelineConfig,
    /** SCRAM credentials from Secrets Manager, per side, when the side names a secret. */
    private readonly credentials?: { readonly input?: CredentialsProvider; readonly output?: CredentialsProvider },
  ) {}

  get connected(): boolean {
    return this.reader !== undefined;
  }

  /** A client of one side, with its TLS and SASL; credentials from a secret are read once per process. */
  private async client(side: 'input' | 'output', role: string): Promise<Kafka> {
    const connection = this.config[side];
    const brokers = side === 'input' ? this.config.inputBrokers : this.config.outputBrokers;
    const credentials = connection.scramSecretArn ? await this.credentials?.[side]?.() : undefined;
    return kafkaClient({
      connection: { ...connection, brokers, runTimeoutMs: this.config.runTimeoutMs },
      clientId: `streamprobe-pipeline-${this.config.pipelineName}-${role}`,
      logCreator: quietLogs,
      credentials,
      overrides: { connectionTimeout: 3000 },
    });
  }

  /**
   * Connects both sides and positions the output reader, in no consumer group. Where a process resumes is
   * the pipeline group's committed offsets (committed by this probe each run, without a member, with the
   * canaries then in flight as their metadata); a group that never committed starts at the end of the
   * output topic.
   */
  async prepare(deadlineAt: number): Promise<void> {
    if (this.connected) return;
    const [input, output] = await withDeadline(
      Promise.all([this.client('input', 'in'), this.client('output', 'out')]),
      deadlineAt,
      'reading the SASL credentials',
    );
    this.producer = input.producer({ allowAutoTopicCreation: false, idempotent: false, retry: { retries: 0 } });
    this.admin = output.admin();
    const groupId = pipelineGroupId(this.config.pipelineName);
    await withDeadline(
      (async () => {
        await Promise.all([this.producer!.connect(), this.admin!.connect()]);
        await this.position(groupId);
      })(),
      deadlineAt,
      `reading where the output group ${groupId} left off`,
    );
    // Read committed: an exactly-once application's aborted outputs are not outputs.
    this.reader = new PartitionReader(output, { isolation: 'read_committed', maxWaitMs: 100 });
    this.committer = new OffsetCommitter(output, groupId);
  }

  private async position(groupId: string): Promise<void> {
    const topic = this.config.outputTopic;
    const ends = await this.admin!.fetchTopicOffsets(topic).catch((error: Error & { type?: string }) => {
      if (!mentionsUnknownTopic(`${error.type} ${error.message}`)) throw error;
      const named = `the output topic "${topic}" (${this.config.names.outputTopic}) does not exist on ${this.config.outputBrokers.join(',')}`;
      throw Object.assign(new Error(named), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    });
    const [committed] = await this.admin!.fetchOffsets({ groupId, topics: [topic] });
    this.positionedAtMs = Date.now();
    const commits = (committed?.partitions ?? []).filter((p) => Number(p.offset) >= 0);
    this.carriedOver = commits.length ? decodeCarryOver(commits.map((p) => p.metadata)) : undefined;
    this.positions.clear();
    for (const end of ends) {
      this.endAtStart.set(end.partition, BigInt(end.high));
      const c = commits.find((p) => p.partition === end.partition);
      // Never committed: from the end. A partition added since the group last committed: from its start.
      const resume = c?.offset ?? (commits.length ? end.low : end.high);
      // Never below the log start: records there are gone.
      this.positions.set(end.partition, BigInt(resume) < BigInt(end.low) ? end.low : resume);
    }
  }

  /** One output record read: kept once per offset, stamped on the wall clock when its fetch response was complete. */
  private take1(r: ReadRecord): void {
    const at = `${r.partition}:${r.offset}`;
    // A position moved back (to the log start after OFFSET_OUT_OF_RANGE) may read a record again: one record, one output.
    if (this.delivered.has(at)) return;
    this.delivered.add(at);
    if (this.delivered.size > DELIVERED_KEPT) this.delivered.delete(this.delivered.values().next().value!);
    // Already in the log when the reader was positioned: it came out before then, when is not known.
    const arrivedBefore = BigInt(r.offset) < (this.endAtStart.get(r.partition) ?? -1n);
    this.buffer.push({
      partition: r.partition,
      offset: r.offset,
      arrivedAtMs: arrivedBefore ? this.positionedAtMs : Date.now() - (monotonicNow() - r.arrivedAt),
      arrivedBefore,
      key: r.key?.toString() ?? null,
      value: r.value?.toString() ?? null,
      headers: headerText(r.headers as IHeaders),
    });
  }

  /**
   * Reads the output topic until `done` holds for what arrived so far, or the deadline; with no `done`, until
   * every partition was read up to where it ended when it was read (outputs that should not come, say).
   */
  async waitUntil(done: ((arrived: readonly OutputArrival[]) => boolean) | undefined, deadlineAt: number): Promise<void> {
    const topic = this.config.outputTopic;
    const behind = new Set(this.positions.keys());
    const onRead = (read: PartitionRead) => {
      if (read.error) return this.recoverPosition(read);
      this.positions.set(read.partition, read.nextOffset);
      for (const r of read.records) this.take1(r);
      const end = read.lastStableOffset ?? read.highWatermark;
      if (end !== undefined && BigInt(read.nextOffset) >= BigInt(end)) behind.delete(read.partition);
    };
    const want = () => [...this.positions].map(([partition, offset]) => ({ topic, partition, offset }));
    await this.reader!.follow(want, deadlineAt, onRead, () => (done ? done(this.buffer) : behind.size === 0));
  }

  /** Records deleted under the reader (retention), or the log cut back: it goes on where positionInLog says. */
  private recoverPosition(read: PartitionRead): void {
    if (read.error?.type !== 'OFFSET_OUT_OF_RANGE') return;
    void this.admin
      ?.fetchTopicOffsets(this.config.outputTopic)
      .then((ends) => {
        const end = ends.find((e) => e.partition === read.partition);
        const at = this.positions.get(read.partition);
        if (!end || at === undefined) return;
        const next = positionInLog(at, end);
        if (next !== undefined) this.positions.set(read.partition, next);
      })
      .catch(() => {});
  }

  get outputPartitions(): number {
    return this.positions.size;
  }

  /**
   * Commits where the output was read to for the pipeline's group, without a member: where the next process
   * resumes, with `metadata[i]` on the i-th partition (what it must know). Never fails the run; a refusal
   * is returned for the log.
   */
  async commit(deadlineAt: number, metadata: readonly string[] = []): Promise<ErrorInfo | undefined> {
    const topic = this.config.outputTopic;
    const partitions = [...this.positions].sort(([a], [b]) => a - b);
    const result = await this.committer!.commit(
      partitions.map(([partition, offset], i) => ({ topic, partition, offset, metadata: metadata[i] })),
      deadlineAt,
    );
    return result.error;
  }

  /**
   * This pipeline's canaries written to the input topic since `sinceMs`: after a restart, the ones the
   * previous process sent and may not have seen come out. Read with a throwaway group, deleted after.
   */
  async recoverSent(sinceMs: number, deadlineAt: number): Promise<SentCanaryRecord[]> {
    const topic = this.config.inputTopic;
    const kafka = await this.client('input', 'recover');
    const admin = kafka.admin();
    const reader = new PartitionReader(kafka, { isolation: 'read_committed', maxWaitMs: 100 });
    const found: SentCanaryRecord[] = [];
    try {
      return await withDeadline(
        (async () => {
          await admin.connect();
          const starts = await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs);
          const ends = new Map((await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, BigInt(e.high)]));
          // Only partitions with records written since then, each from the first of them: no group, no seek.
          let positions = starts
            .filter((s) => BigInt(s.offset) < (ends.get(s.partition) ?? 0n))
            .map((s) => ({ topic, partition: s.partition, offset: s.offset }));
          while (positions.length > 0) {
            const reads = await reader.read(positions, deadlineAt);
            const failed = reads.find((r) => r.error);
            if (failed) throw Object.assign(new Error(failed.error!.message), { type: failed.error!.type });
            for (const m of reads.flatMap((r) => r.records)) {
              const h = headerText(m.headers as IHeaders);
              const id = h[CANARY_HEADER];
              const sentAtMs = id === undefined ? undefined : sentAtOf(id);
              if (h[PIPELINE_HEADER] === this.config.pipelineName && id !== undefined && sentAtMs !== undefined && sentAtMs >= sinceMs)
                found.push({ id, sentAtMs });
            }
            // A partition that moved no further (an open transaction holds it) has nothing more to give now.
            const asked = new Map(positions.map((p) => [p.partition, p.offset]));
            positions = reads
              .filter((r) => BigInt(r.nextOffset) < (ends.get(r.partition) ?? 0n) && r.nextOffset !== asked.get(r.partition))
              .map((r) => ({ topic, partition: r.partition, offset: r.nextOffset }));
          }
          return found;
        })(),
        deadlineAt,
        `reading the input topic for canaries sent before this process started`,
      );
    } finally {
      void Promise.all([reader.close(), admin.disconnect().catch(() => {})]);
    }
  }

  /** Sends each canary in its own request (acks=all): one refused canary never marks another. */
  async send(canaries: ReadonlyArray<RenderedCanary & { id: string }>, deadlineAt: number): Promise<Array<{ id: string; error?: string }>> {
    return Promise.all(
      canaries.map(async (c) => {
        try {
          await withDeadline(
            this.producer!.send({
              topic: this.config.inputTopic,
              acks: -1,
              messages: [{ key: c.key ?? null, value: c.value, headers: c.headers }],
            }),
            deadlineAt,
            'sending a canary to the input topic',
          );
          return { id: c.id };
        } catch (error) {
          return { id: c.id, error: `${(error as { type?: string }).type ?? (error as Error).name}: ${(error as Error).message}` };
        }
      }),
    );
  }

  take(): OutputArrival[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  /** Drops every client after a failure; the next run reconnects and positions again. */
  async reset(): Promise<void> {
    const closing = [this.reader?.close(), this.committer?.close(), this.producer?.disconnect(), this.admin?.disconnect()];
    this.reader = this.committer = this.producer = this.admin = undefined;
    await Promise.race([Promise.all(closing.map((c) => c?.catch(() => {}))), new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  close(): Promise<void> {
    return this.reset();
  }
}
