/**
 * One probe's Kafka clients, kept across warm runs: an admin, a producer and a consumer, each on its own
 * connections (a shared connection would serialize fetch and produce and skew latency).
 *
 * One consumer at a time, ever: kafkajs never restarts a crashed consumer by itself here, a consumer that is
 * replaced is stopped for good, and batches from anything but the current consumer are ignored. Otherwise
 * two live members feed one collector and every record looks duplicated.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type Consumer, type Producer, type RecordMetadata, type logCreator } from 'kafkajs';
import type { ProbeConfig } from '../../config';
import { consumerGroupPrefix } from '../../contract';
import { encodeEvent } from '../../core/event';
import type { ReceivedRecord, SentRecord } from '../../core/reconcile';
import { toErrorInfo } from '../../core/redact';
import type { ErrorInfo, PendingEvent, RunPhase } from '../../core/report';
import { resumeOffset } from '../../core/resume-offset';
import { DeadlineError, monotonicNow, remainingMs, sleep, withDeadline } from '../deadline';
import { ArrivalCollector } from './collector';
import { kafkaClientOptions, type ResolvedCredentials } from './client-options';
import { registerCompressionCodecs } from './codecs';
import { ensureCanaryTopic, type TopicLayout } from './topic';

registerCompressionCodecs();

export interface DebugSink {
  debug(message: string, extra?: Record<string, unknown>): void;
}

export interface PreparedRun extends TopicLayout {
  readonly warm: boolean;
  readonly connectMs: number;
  readonly prepareMs: number;
}

/** How far the last prepare got, so a failed run still reports its real timings. */
export interface PrepareProgress {
  readonly warm: boolean;
  readonly connectMs: number;
  readonly prepareMs: number;
}

interface ConsumerState {
  readonly consumer: Consumer;
  assigned: Set<number>;
  positioned: Set<number>;
  crashed?: Error;
  rebalancedDuringRun: boolean;
}

const LEVEL_NAMES: Record<number, string> = { 1: 'ERROR', 2: 'WARN', 4: 'INFO', 5: 'DEBUG' };
/** Less time than this left, and a produce request could not come back before the deadline: do not send. */
export const MIN_SEND_WINDOW_MS = 250;

function sameMembers(a: ReadonlySet<number>, b: readonly number[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}

export class KafkaProbeSession {
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  /** Partitions the producer's metadata knew when it was made: kafkajs silently drops sends to others. */
  private producerPartitions = 0;
  private consumerState: ConsumerState | undefined;
  private readonly collector = new ArrivalCollector();
  private inRun = false;
  /** One group per container, kept across failures, so the cluster's group list does not fill up. */
  readonly groupId: string;
  progress: PrepareProgress = { warm: false, connectMs: 0, prepareMs: 0 };

  constructor(
    private readonly config: ProbeConfig,
    private readonly log: DebugSink,
    private readonly secrets: readonly string[],
    private readonly credentials?: () => Promise<ResolvedCredentials | undefined>,
  ) {
    this.groupId = `${consumerGroupPrefix(config.probeName)}-${randomBytes(4).toString('hex')}`;
  }

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
    this.kafka = kafka;
    this.admin = admin;
    this.producer = this.newProducer();
    await withDeadline(Promise.all([admin.connect(), this.producer.connect()]), deadlineAt, 'connecting to Kafka');
  }

  private newProducer(): Producer {
    return this.kafka!.producer({
      allowAutoTopicCreation: false,
      idempotent: false,
      // No retries: a retried send hides the failure and inflates the latency it reports.
      retry: { retries: 0 },
      // A leader that moved is learned within a run or two, not after kafkajs's default 5 minutes.
      metadataMaxAge: 30_000,
    });
  }

  /**
   * Connects (unless warm), checks the topic, joins and positions the consumer; `onPhase` names each step.
   * Partitions holding overdue events are positioned at the oldest of them, so a new consumer still reads them.
   */
  async prepare(deadlineAt: number, onPhase: (phase: RunPhase) => void = () => {}, pending: readonly PendingEvent[] = []): Promise<PreparedRun> {
    const warm = this.connected;
    const start = monotonicNow();
    let connectedAt: number | undefined;
    this.progress = { warm, connectMs: 0, prepareMs: 0 };
    try {
      onPhase('connect');
      // A cold run's first request is the handshake: an endpoint that is not Kafka fails here, in the connect
      // phase, and the time counts as connecting. Warm, the same request is part of preparing the run.
      if (!warm) await this.connect(deadlineAt);
      const describe = () => withDeadline(this.admin!.describeCluster(), deadlineAt, 'the first request to Kafka (describe cluster)');
      const handshake = warm ? undefined : await describe();
      connectedAt = monotonicNow();
      onPhase('topic');
      const cluster = handshake ?? await describe();
      const layout = await withDeadline(ensureCanaryTopic(this.admin!, this.config, cluster.brokers.map((b) => b.nodeId)), deadlineAt, 'checking the canary topic');
      await this.ensureProducerKnows(layout.partitions.length, deadlineAt);
      onPhase('join');
      await this.ensureConsumer(layout.partitions, deadlineAt);
      await this.position(deadlineAt, pending);
      this.consumerState!.rebalancedDuringRun = false;
      this.inRun = true;
      this.markProgress(warm, start, connectedAt);
      return { ...layout, warm, connectMs: this.progress.connectMs, prepareMs: this.progress.prepareMs };
    } finally {
      // A failed prepare still reports how far it got and how long each part took.
      this.markProgress(warm, start, connectedAt);
    }
  }

  private markProgress(warm: boolean, start: number, connectedAt: number | undefined): void {
    const now = monotonicNow();
    this.progress = { warm, connectMs: (connectedAt ?? now) - start, prepareMs: connectedAt === undefined ? 0 : now - connectedAt };
  }

  /** kafkajs has no metadata refresh call: a producer made before partitions were added is replaced. */
  private async ensureProducerKnows(partitions: number, deadlineAt: number): Promise<void> {
    if (this.producerPartitions === partitions) return;
    if (this.producerPartitions !== 0) {
      const old = this.producer!;
      this.producer = this.newProducer();
      void old.disconnect().catch(() => {});
      await withDeadline(this.producer.connect(), deadlineAt, 'reconnecting the producer after the partition count changed');
    }
    this.producerPartitions = partitions;
  }

  private async ensureConsumer(partitions: readonly number[], deadlineAt: number): Promise<void> {
    const current = this.consumerState;
    if (current && !current.crashed && sameMembers(current.assigned, partitions)) return;
    if (current) await this.stopConsumer();
    // A coordinator that is still loading (GROUP_LOAD_IN_PROGRESS on a fresh broker) or moving is retried
    // with a new consumer until the deadline; the one that failed is stopped first.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.joinOnce(partitions, deadlineAt);
        return;
      } catch (error) {
        await this.stopConsumer();
        if (error instanceof DeadlineError || remainingMs(deadlineAt) < 500) throw error;
        this.log.debug('consumer join failed; retrying', { attempt, error: (error as Error).message });
        await sleep(Math.min(200 * 2 ** attempt, 1000));
      }
    }
  }

  private async joinOnce(partitions: readonly number[], deadlineAt: number): Promise<void> {
    const consumer = this.kafka!.consumer({
      groupId: this.groupId,
      sessionTimeout: this.config.sessionTimeoutMs,
      // The group has one member: a rebalance waits this long at most for a member that vanished.
      rebalanceTimeout: 10_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: this.config.fetchMaxWaitMs,
      minBytes: 1,
      allowAutoTopicCreation: false,
      metadataMaxAge: 30_000,
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000, restartOnFailure: async () => false },
    });
    const state: ConsumerState = { consumer, assigned: new Set(), positioned: new Set(), rebalancedDuringRun: false };
    this.consumerState = state;
    const isCurrent = () => this.consumerState === state;
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const joined = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (!isCurrent()) return;
      state.assigned = new Set(payload.memberAssignment[this.config.topic] ?? []);
      // A new generation may reset positions to "latest" lazily: every partition is positioned again.
      state.positioned = new Set();
      if (this.inRun) state.rebalancedDuringRun = true;
      if (sameMembers(state.assigned, partitions)) settle?.resolve();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      state.crashed = payload.error;
      settle?.reject(payload.error);
    });
    const join = async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: this.config.topic, fromBeginning: false });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch: this.collector.handler(isCurrent) });
      await joined;
    };
    await withDeadline(join(), deadlineAt, `joining consumer group ${this.groupId}`);
  }

  /** Positions partitions not yet positioned, before anything is sent, so no canary event is skipped. */
  private async position(deadlineAt: number, pending: readonly PendingEvent[]): Promise<void> {
    const state = this.consumerState!;
    const unpositioned = [...state.assigned].filter((p) => !state.positioned.has(p));
    if (unpositioned.length === 0) return;
    const offsets = await withDeadline(this.admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading partition offsets');
    for (const { partition, high, low } of offsets) {
      if (!unpositioned.includes(partition)) continue;
      state.consumer.seek({ topic: this.config.topic, partition, offset: resumeOffset(partition, pending, low, high) });
      state.positioned.add(partition);
    }
  }

  /**
   * Sends `eventsPerPartition` rounds of one event per partition, each event in its own produce call, so
   * one partition's error or missing acknowledgement never marks another's. Rounds are awaited in turn to
   * keep each partition's events in sequence order. Nothing is sent once the deadline is too close.
   */
  async send(runId: string, layout: TopicLayout, deadlineAt: number): Promise<{ sent: SentRecord[]; errors: ErrorInfo[] }> {
    const sent: SentRecord[] = [];
    for (let seq = 0; seq < this.config.eventsPerPartition; seq++) {
      if (remainingMs(deadlineAt) < MIN_SEND_WINDOW_MS) {
        const why = seq === 0 ? 'preparing the run left no time to send' : `sent ${seq} of ${this.config.eventsPerPartition} rounds before the deadline`;
        return { sent, errors: [toErrorInfo(new DeadlineError(why, remainingMs(deadlineAt)), 'send', this.secrets)] };
      }
      const round = await Promise.all(layout.partitions.map((p) => this.sendOne(runId, seq, p, deadlineAt)));
      sent.push(...round);
    }
    return { sent, errors: [] };
  }

  private async sendOne(runId: string, seq: number, partition: number, deadlineAt: number): Promise<SentRecord> {
    // Encoding happens before the clock starts: a sample holds the broker round trip, not our JSON work.
    // Latency is measured from the SentRecord's stamp; the event's own `t` only dates it within this process.
    const value = encodeEvent({ probe: this.config.probeName, run: runId, partition, seq, sentAt: monotonicNow(), wallAt: Date.now() }, this.config.messageBytes);
    const sentAt = monotonicNow();
    try {
      const acks = await withDeadline(this.produce([{ partition, value }]), deadlineAt, `sending to partition ${partition}`);
      const ackedAt = monotonicNow();
      const ack = acks.find((a) => a.partition === partition);
      if (!ack || ack.baseOffset === undefined || ack.errorCode !== 0) {
        throw Object.assign(new Error(`the broker's response holds no acknowledgement for partition ${partition}`), { type: 'NotAcknowledged' });
      }
      return { partition, seq, sentAt, ackedAt, offset: ack.baseOffset };
    } catch (error) {
      return { partition, seq, sentAt, error: toErrorInfo(error, 'send', this.secrets, { partition, eventId: `${runId}/${partition}/${seq}` }) };
    }
  }

  /** One produce call: acks=all, no retries. */
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
      errors.push({ phase: 'receive', type: 'ConsumerRebalanced', message: `consumer group ${this.groupId} rebalanced during the run; arrivals may be missing` });
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
    this.producerPartitions = 0;
    return closing;
  }

  /** Leaves and deletes the group where the cluster allows, disconnects everything, waiting at most `waitMs`. */
  async close(waitMs = 10_000): Promise<void> {
    const admin = this.admin;
    const work = (async () => {
      await this.stopConsumer();
      await admin?.deleteGroups([this.groupId]).catch(() => {});
      await this.reset();
    })();
    await Promise.race([work, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}
