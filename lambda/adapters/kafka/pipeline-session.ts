/**
 * The Kafka side of a pipeline canary: a producer on the input cluster, a consumer of the output topic
 * (possibly on another cluster). The consumer's group is the pipeline's own and commits as it reads, so a
 * new process (a Lambda after a cold start) resumes where the last one stopped instead of skipping outputs.
 */
import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type Producer } from 'kafkajs';
import { withDeadline } from '../deadline';
import { registerCompressionCodecs } from './codecs';
import { scopeMetadataErrors } from './metadata-scope';
import type { PipelineConfig } from '../../pipeline-config';
import type { OutputRecord } from '../../core/pipeline/match';
import type { RenderedCanary } from '../../core/pipeline/template';

registerCompressionCodecs();
scopeMetadataErrors();

export interface OutputArrival extends OutputRecord {
  readonly partition: number;
  readonly offset: string;
  readonly arrivedAtMs: number;
}

export const pipelineGroupId = (pipeline: string) => `streamprobe-pipeline-${pipeline}`;

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
  private wake: (() => void) | undefined;

  constructor(private readonly config: PipelineConfig) {}

  get connected(): boolean {
    return this.consumer !== undefined;
  }

  private client(brokers: readonly string[], role: string): Kafka {
    return new Kafka({
      clientId: `streamprobe-pipeline-${this.config.pipelineName}-${role}`, brokers: [...brokers], logLevel: logLevel.NOTHING,
      connectionTimeout: 3000, requestTimeout: Math.min(10_000, Math.max(2000, this.config.runTimeoutMs / 2)),
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }

  /** Connects both sides and joins the output group; a first join starts at the end of the output topic. */
  async prepare(deadlineAt: number): Promise<void> {
    if (this.connected) return;
    const input = this.client(this.config.inputBrokers, 'in');
    const output = this.client(this.config.outputBrokers, 'out');
    this.producer = input.producer({ allowAutoTopicCreation: false, idempotent: false, retry: { retries: 0 } });
    this.admin = output.admin();
    const groupId = pipelineGroupId(this.config.pipelineName);
    const consumer = output.consumer({ groupId, sessionTimeout: 300_000, rebalanceTimeout: 4000, heartbeatInterval: 1000, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, () => resolve());
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
    });
    await withDeadline((async () => {
      await Promise.all([this.producer!.connect(), this.admin!.connect(), consumer.connect()]);
      await consumer.subscribe({ topic: this.config.outputTopic, fromBeginning: false });
      await consumer.run({
        autoCommit: true,
        eachBatch: async ({ batch }) => {
          const arrivedAtMs = Date.now();
          for (const m of batch.messages) {
            this.buffer.push({
              partition: batch.partition, offset: m.offset, arrivedAtMs,
              key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers: headerText(m.headers),
            });
          }
          this.wake?.();
        },
      });
      await joined;
      await this.startAtEndIfNew(groupId);
    })(), deadlineAt, `joining the output group ${groupId}`);
  }

  /** A group with no committed offsets would resolve "latest" lazily, after our first canaries came out. */
  private async startAtEndIfNew(groupId: string): Promise<void> {
    const topic = this.config.outputTopic;
    const [committed] = await this.admin!.fetchOffsets({ groupId, topics: [topic] });
    const ends = await this.admin!.fetchTopicOffsets(topic);
    for (const end of ends) {
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      if (!c || Number(c.offset) < 0) this.consumer!.seek({ topic, partition: end.partition, offset: end.high });
    }
  }

  /** Sends each canary in its own request (acks=all): one refused canary never marks another. */
  async send(canaries: ReadonlyArray<RenderedCanary & { id: string }>, deadlineAt: number): Promise<Array<{ id: string; error?: string }>> {
    return Promise.all(canaries.map(async (c) => {
      try {
        await withDeadline(this.producer!.send({
          topic: this.config.inputTopic, acks: -1,
          messages: [{ key: c.key ?? null, value: c.value, headers: c.headers }],
        }), deadlineAt, 'sending a canary to the input topic');
        return { id: c.id };
      } catch (error) {
        return { id: c.id, error: `${(error as { type?: string }).type ?? (error as Error).name}: ${(error as Error).message}` };
      }
    }));
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

