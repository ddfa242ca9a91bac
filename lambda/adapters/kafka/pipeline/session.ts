/**
 * The Kafka side of a pipeline canary: a producer on the input cluster, a consumer of the output topic
 * (possibly on another cluster). The consumer's group is the pipeline's own and commits as it reads, so a
 * new process (a Lambda after a cold start) resumes where the last one stopped instead of skipping outputs.
 */
import type { Admin, Consumer, IHeaders, Kafka, logCreator, Producer } from 'kafkajs';
import type { PipelineConfig } from '../../../config/pipeline';
import { pipelineGroupId } from '../../../contract';
import { sentAtOf } from '../../../core/pipeline/canary-id';
import type { OutputRecord } from '../../../core/pipeline/match';
import { CANARY_HEADER, PIPELINE_HEADER, type RenderedCanary } from '../../../core/pipeline/template';
import { withDeadline } from '../../deadline';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';
import { PartitionReader } from '../reader';

export interface OutputArrival extends OutputRecord {
  readonly partition: number;
  readonly offset: string;
  readonly arrivedAtMs: number;
  /** Below the group's committed position when this process joined: a predecessor read it already. */
  readonly seenBefore: boolean;
}

export interface SentCanaryRecord {
  readonly id: string;
  readonly sentAtMs: number;
}

const DELIVERED_KEPT = 100_000;
type CredentialsProvider = () => Promise<ResolvedCredentials | undefined>;
/** kafkajs's own log lines stay out of the JSON logs: errors reach them through the run report. */
const quietLogs: logCreator = () => () => {};
/**
 * A group coordinator that is loading (a fresh or restarted broker, a moved coordinator) refuses joins for
 * a second or two; the consumer keeps trying, and the run's deadline bounds it.
 */
const JOIN_RETRY = { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 };

function headerText(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = Array.isArray(v) ? v[0]?.toString() : v?.toString();
  return out;
}

export class PipelineSession {
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private consumer: Consumer | undefined;
  private buffer: OutputArrival[] = [];
  private readonly committedAtStart = new Map<number, bigint>();
  private readonly delivered = new Set<string>();
  private wake: (() => void) | undefined;

  constructor(
    private readonly config: PipelineConfig,
    /** SCRAM credentials from Secrets Manager, per side, when the side names a secret. */
    private readonly credentials?: { readonly input?: CredentialsProvider; readonly output?: CredentialsProvider },
  ) {}

  get connected(): boolean {
    return this.consumer !== undefined;
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
   * Connects both sides and joins the output group. A group's first join starts at the end of the output
   * topic; a group that has read before (a predecessor's) resumes at its committed position, or earlier,
   * at `lookBackToMs`, so the outputs of the predecessor's canaries in flight are read again.
   */
  async prepare(deadlineAt: number, lookBackToMs?: number): Promise<void> {
    if (this.connected) return;
    const [input, output] = await withDeadline(
      Promise.all([this.client('input', 'in'), this.client('output', 'out')]),
      deadlineAt,
      'reading the SASL credentials',
    );
    this.producer = input.producer({ allowAutoTopicCreation: false, idempotent: false, retry: { retries: 0 } });
    this.admin = output.admin();
    const groupId = pipelineGroupId(this.config.pipelineName);
    const consumer = output.consumer({
      groupId,
      sessionTimeout: 300_000,
      rebalanceTimeout: 4000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
      retry: JOIN_RETRY,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
      // A retriable crash (a coordinator still loading) restarts the consumer by itself: wait for its join.
      consumer.on(consumer.events.CRASH, ({ payload }) => payload.restart || reject(payload.error));
    });
    await withDeadline(
      (async () => {
        await Promise.all([this.producer!.connect(), this.admin!.connect(), consumer.connect()]);
        await consumer.subscribe({ topic: this.config.outputTopic, fromBeginning: false });
        await consumer.run({
          autoCommit: true,
          eachBatch: async ({ batch }) => {
            const arrivedAtMs = Date.now();
            for (const m of batch.messages) {
              // Looking back after a restart, or a rebalance, may hand over a record again: one record, one output.
              const at = `${batch.partition}:${m.offset}`;
              if (this.delivered.has(at)) continue;
              this.delivered.add(at);
              if (this.delivered.size > DELIVERED_KEPT) this.delivered.delete(this.delivered.values().next().value!);
              this.buffer.push({
                partition: batch.partition,
                offset: m.offset,
                arrivedAtMs,
                seenBefore: BigInt(m.offset) < (this.committedAtStart.get(batch.partition) ?? -1n),
                key: m.key?.toString() ?? null,
                value: m.value?.toString() ?? null,
                headers: headerText(m.headers),
              });
            }
            this.wake?.();
          },
        });
        await joined;
        await this.position(groupId, lookBackToMs);
      })(),
      deadlineAt,
      `joining the output group ${groupId}`,
    );
  }

  /** A group with no committed offsets would resolve "latest" lazily, after our first canaries came out. */
  private async position(groupId: string, lookBackToMs: number | undefined): Promise<void> {
    const topic = this.config.outputTopic;
    const [committed] = await this.admin!.fetchOffsets({ groupId, topics: [topic] });
    const ends = await this.admin!.fetchTopicOffsets(topic);
    const since = lookBackToMs === undefined ? [] : await this.admin!.fetchTopicOffsetsByTimestamp(topic, lookBackToMs);
    for (const end of ends) {
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      const back = since.find((s) => s.partition === end.partition)?.offset;
      if (c && Number(c.offset) >= 0) this.committedAtStart.set(end.partition, BigInt(c.offset));
      if (!c || Number(c.offset) < 0) this.consumer!.seek({ topic, partition: end.partition, offset: end.high });
      else if (back !== undefined && Number(back) >= 0 && Number(back) < Number(c.offset))
        this.consumer!.seek({ topic, partition: end.partition, offset: back });
    }
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

  /** Waits until `done` holds for what arrived so far, or the deadline. */
  async waitUntil(done: (arrived: readonly OutputArrival[]) => boolean, deadlineAt: number): Promise<void> {
    while (!done(this.buffer) && performance.now() < deadlineAt) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadlineAt - performance.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  take(): OutputArrival[] {
    const out = this.buffer;
    this.buffer = [];
    return out;
  }

  /** Drops every client after a failure; the next run reconnects. */
  async reset(): Promise<void> {
    const clients = [this.consumer, this.producer, this.admin];
    this.consumer = this.producer = this.admin = undefined;
    await Promise.race([Promise.all(clients.map((c) => c?.disconnect().catch(() => {}))), new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  close(): Promise<void> {
    return this.reset();
  }
}
