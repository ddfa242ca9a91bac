/**
 * One probe's Kafka clients, kept across warm runs: an admin, a producer and a consumer, each on its own
 * connections (a shared connection would serialize fetch and produce and skew latency).
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type Producer, type RecordMetadata, type logCreator } from 'kafkajs';
import type { ProbeConfig } from '../../config';
import { consumerGroupPrefix } from '../../contract';
import { encodeEvent } from '../../core/event';
import type { ReceivedRecord, SentRecord } from '../../core/reconcile';
import { toErrorInfo } from '../../core/redact';
import type { ErrorInfo, RunPhase } from '../../core/report';
import { monotonicNow, withDeadline } from '../deadline';
import { ArrivalCollector } from './collector';
import { kafkaClientOptions, type ResolvedCredentials } from './client-options';
import { ensureCanaryTopic, type TopicLayout } from './topic';

export interface DebugSink {
  debug(message: string, extra?: Record<string, unknown>): void;
}

export interface PreparedRun extends TopicLayout {
  readonly warm: boolean;
  readonly connectMs: number;
  readonly prepareMs: number;
}

interface ConsumerState {
  readonly consumer: Consumer;
  readonly groupId: string;
  assigned: Set<number>;
  positioned: Set<number>;
  crashed?: Error;
  rebalancedDuringRun: boolean;
  joined: Promise<void>;
}

const LEVEL_NAMES: Record<number, string> = { 1: 'ERROR', 2: 'WARN', 4: 'INFO', 5: 'DEBUG' };

function sameMembers(a: ReadonlySet<number>, b: readonly number[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}

export class KafkaProbeSession {
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private consumerState: ConsumerState | undefined;
  private readonly collector = new ArrivalCollector();
  private inRun = false;

  constructor(
    private readonly config: ProbeConfig,
    private readonly log: DebugSink,
    private readonly secrets: readonly string[],
    private readonly credentials?: () => Promise<ResolvedCredentials | undefined>,
  ) {}

  private readonly logCreator: logCreator = () => ({ namespace, level, log }) => {
    this.log.debug(`kafkajs ${LEVEL_NAMES[level] ?? level}: ${log.message}`, { namespace, broker: log.broker });
  };

  get connected(): boolean {
    return this.admin !== undefined && this.producer !== undefined;
  }

  private async connect(deadlineAt: number): Promise<void> {
    const options = kafkaClientOptions(this.config, `streamprobe-${this.config.probeName}`, this.logCreator, await this.credentials?.());
    const kafka = new Kafka({ ...options, logLevel: logLevel.INFO });
    const admin = kafka.admin({ retry: options.retry });
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: false,
      // No retries: a retried send hides the failure and inflates the latency it reports.
      retry: { retries: 0 },
    });
    this.kafka = kafka;
    this.admin = admin;
    this.producer = producer;
    await withDeadline(Promise.all([admin.connect(), producer.connect()]), deadlineAt, 'connecting to Kafka');
  }

  /** Connects (unless warm), checks the topic, joins and positions the consumer; `onPhase` names each step. */
  async prepare(deadlineAt: number, onPhase: (phase: RunPhase) => void = () => {}): Promise<PreparedRun> {
    const warm = this.connected;
    const start = monotonicNow();
    onPhase('connect');
    if (!warm) await this.connect(deadlineAt);
    const connected = monotonicNow();
    onPhase('topic');
    const layout = await withDeadline(ensureCanaryTopic(this.admin!, this.config), deadlineAt, 'checking the canary topic');
    onPhase('join');
    await this.ensureConsumer(layout.partitions, deadlineAt);
    await this.positionAtEnd(deadlineAt);
    this.consumerState!.rebalancedDuringRun = false;
    this.inRun = true;
    return { ...layout, warm, connectMs: connected - start, prepareMs: monotonicNow() - connected };
  }

  private async ensureConsumer(partitions: readonly number[], deadlineAt: number): Promise<void> {
    const current = this.consumerState;
    if (current && !current.crashed && sameMembers(current.assigned, partitions)) return;
    if (current) await this.stopConsumer();
    const groupId = `${consumerGroupPrefix(this.config.probeName)}-${randomBytes(4).toString('hex')}`;
    const consumer = this.kafka!.consumer({
      groupId,
      sessionTimeout: this.config.sessionTimeoutMs,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: this.config.fetchMaxWaitMs,
      minBytes: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    let resolveJoined: () => void = () => {};
    const state: ConsumerState = {
      consumer,
      groupId,
      assigned: new Set(),
      positioned: new Set(),
      rebalancedDuringRun: false,
      joined: new Promise((r) => (resolveJoined = r)),
    };
    this.consumerState = state;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      state.assigned = new Set(payload.memberAssignment[this.config.topic] ?? []);
      // A new generation may reset positions to "latest" lazily: every partition is positioned again.
      state.positioned = new Set();
      if (this.inRun) state.rebalancedDuringRun = true;
      if (sameMembers(state.assigned, partitions)) resolveJoined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      state.crashed = payload.error;
    });
    const join = async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: this.config.topic, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch: this.collector.onBatch });
      await state.joined;
    };
    await withDeadline(join(), deadlineAt, `joining consumer group ${groupId}`);
  }

  /** Positions unpositioned partitions at the end, before anything is sent, so no canary event is skipped. */
  private async positionAtEnd(deadlineAt: number): Promise<void> {
    const state = this.consumerState!;
    const pending = [...state.assigned].filter((p) => !state.positioned.has(p));
    if (pending.length === 0) return;
    const offsets = await withDeadline(this.admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading partition offsets');
    for (const { partition, high } of offsets) {
      if (!pending.includes(partition)) continue;
      state.consumer.seek({ topic: this.config.topic, partition, offset: high });
      state.positioned.add(partition);
    }
  }

  /**
   * Sends `eventsPerPartition` rounds; in each round one produce request per leader broker carries one event
   * for each partition it leads. Awaiting each round keeps every partition's events in sequence order.
   */
  async send(runId: string, layout: TopicLayout, deadlineAt: number): Promise<SentRecord[]> {
    const byLeader = new Map<number, number[]>();
    for (const p of layout.partitions) {
      const leader = layout.leaders[p] ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
    const sent: SentRecord[] = [];
    for (let seq = 0; seq < this.config.eventsPerPartition; seq++) {
      const rounds = [...byLeader.values()].map((partitions) => this.sendToLeader(runId, seq, partitions, deadlineAt));
      for (const records of await Promise.all(rounds)) sent.push(...records);
    }
    return sent;
  }

  private async sendToLeader(runId: string, seq: number, partitions: readonly number[], deadlineAt: number): Promise<SentRecord[]> {
    const sentAt = monotonicNow();
    const wallAt = Date.now();
    const messages = partitions.map((partition) => ({
      partition,
      value: encodeEvent({ probe: this.config.probeName, run: runId, partition, seq, sentAt, wallAt }, this.config.messageBytes),
    }));
    try {
      const acks = await withDeadline(
        this.produce(messages),
        deadlineAt,
        `sending to partitions ${partitions.join(',')}`,
      );
      const ackedAt = monotonicNow();
      const offsetOf = new Map(acks.map((a) => [a.partition, a.baseOffset]));
      return partitions.map((partition) => ({ partition, seq, sentAt, ackedAt, offset: offsetOf.get(partition) }));
    } catch (error) {
      return partitions.map((partition) => ({
        partition,
        seq,
        sentAt,
        error: toErrorInfo(error, 'send', this.secrets, { partition, eventId: `${runId}/${partition}/${seq}` }),
      }));
    }
  }

  /** The one produce call of a run round: acks=all, no retries. */
  protected produce(messages: Array<{ partition: number; value: string }>): Promise<RecordMetadata[]> {
    return this.producer!.send({ topic: this.config.topic, acks: -1, messages });
  }

  protected get topicName(): string {
    return this.config.topic;
  }

  /** The clients, for subclasses that inject faults in tests. */
  protected get clients(): { admin?: Admin; consumer?: Consumer } {
    return { admin: this.admin, consumer: this.consumerState?.consumer };
  }

  /** Waits for the acknowledged events (or the deadline), then hands over everything received. */
  async receive(expected: ReadonlySet<string>, deadlineAt: number): Promise<{ records: ReceivedRecord[]; errors: ErrorInfo[] }> {
    await this.collector.awaitEvents(expected, this.config.probeName, deadlineAt);
    this.inRun = false;
    const errors: ErrorInfo[] = [];
    const state = this.consumerState;
    if (state?.rebalancedDuringRun) {
      errors.push({ phase: 'receive', type: 'ConsumerRebalanced', message: `consumer group ${state.groupId} rebalanced during the run; arrivals may be missing` });
    }
    if (state?.crashed) errors.push(toErrorInfo(state.crashed, 'receive', this.secrets));
    return { records: this.collector.take(), errors };
  }

  private async stopConsumer(): Promise<void> {
    const state = this.consumerState;
    this.consumerState = undefined;
    await state?.consumer.disconnect().catch(() => {});
  }

  /**
   * Drops every client after a failure, so the next run starts clean. Returns at once: the disconnects
   * finish in the background, because the run still has to report before its deadline.
   */
  reset(): Promise<void> {
    this.inRun = false;
    const closing = Promise.all([
      this.stopConsumer(),
      this.producer?.disconnect().catch(() => {}),
      this.admin?.disconnect().catch(() => {}),
    ]).then(() => {}, () => {});
    this.kafka = this.admin = this.producer = undefined;
    return closing;
  }

  /** Disconnects everything, waiting at most `waitMs`. */
  async close(waitMs = 10_000): Promise<void> {
    await Promise.race([this.reset(), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}
