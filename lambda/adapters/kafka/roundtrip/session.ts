/**
 * One probe's Kafka clients, kept across warm runs: an admin, a producer and a consumer, each on its own
 * connections (a shared connection would serialize fetch and produce and skew latency).
 *
 * One consumer at a time, ever: kafkajs never restarts a crashed consumer by itself here, a consumer that is
 * replaced is stopped for good, and batches from anything but the current consumer are ignored. Otherwise
 * two live members feed one collector and every record looks duplicated.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, Kafka, Producer, RecordMetadata, logCreator } from 'kafkajs';
import type { ProbeConfig } from '../../../config/roundtrip';
import { consumerGroupPrefix } from '../../../contract';
import { encodeEvent } from '../../../core/roundtrip/event';
import type { ReceivedRecord, SentRecord } from '../../../core/roundtrip/reconcile';
import { toErrorInfo } from '../../../core/redact';
import type { ErrorInfo, RunPhase } from '../../../core/check-report';
import type { PendingEvent } from '../../../core/roundtrip/report';
import { resumeOffset } from '../../../core/roundtrip/resume-offset';
import { DeadlineError, monotonicNow, remainingMs, retryWithin, sleep, withDeadline } from '../../deadline';
import { ArrivalCollector } from './collector';
import { BrokerOrder } from '../../../core/roundtrip/broker-order';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';
import { errorForCode, partitionAnswers } from '../kafkajs-patches/produce-answers';
import { stampingFetches, stampingProduce, type FetchStamps, type RequestStamp } from '../kafkajs-patches/request-stamps';
import { durabilityWarning, ensureCanaryTopic, type TopicLayout } from '../topic';

export interface DebugSink {
  debug(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface PreparedRun extends TopicLayout {
  readonly warm: boolean;
  /** Brokers the cluster should have: configured, or the most this session has seen. */
  readonly expectedBrokers: number;
  readonly connectMs: number;
  readonly prepareMs: number;
}

/** How far the last prepare got, so a failed run still reports its real timings. */
export interface PrepareProgress {
  readonly warm: boolean;
  readonly connectMs: number;
  readonly prepareMs: number;
}

/** The producer was just made and has not sent: it learns everything on its first metadata request. */
const NEVER_SENT = '';
/** The producer's connections are suspect: the next prepare replaces it. */
const REPLACE = 'replace';
const isKafkaErrorCode = (type: string) => /^[A-Z][A-Z0-9_]+$/.test(type);
const leadershipKey = (layout: TopicLayout) => layout.partitions.map((p) => `${p}:${layout.leaders[p]}`).join(',');

export interface Received {
  readonly records: ReceivedRecord[];
  readonly errors: ErrorInfo[];
  /** partition -> log start offset, for the partitions asked about, when they could be read. */
  readonly logStartOffsets?: Readonly<Record<number, string>>;
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
const REBALANCE_TIMEOUT_MS = 4000;
const STOP_CONSUMER_WAIT_MS = 1000;
const CONSUMER_METADATA_MAX_AGE_MS = 5000;

/**
 * The round's produce requests: partitions grouped by the leader the topic's metadata names. A partition
 * without a leader goes alone, so its failure is its own.
 */
function partitionsByLeader(layout: TopicLayout): number[][] {
  const byLeader = new Map<number, number[]>();
  const alone: number[][] = [];
  for (const p of layout.partitions) {
    const leader = layout.leaders[p];
    if (leader === undefined || leader < 0) alone.push([p]);
    else if (byLeader.has(leader)) byLeader.get(leader)!.push(p);
    else byLeader.set(leader, [p]);
  }
  return [...byLeader.values(), ...alone];
}

function sameMembers(a: ReadonlySet<number>, b: readonly number[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}

export class KafkaProbeSession {
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  /**
   * The partitions and leaders the producer's metadata knew when it was made: kafkajs silently drops sends
   * to partitions it does not know, and without retries fails a send to a leader that moved.
   */
  private producerKnows: string = NEVER_SENT;
  private consumerState: ConsumerState | undefined;
  private readonly collector = new ArrivalCollector();
  private inRun = false;
  /**
   * One group per container, kept across failures, so the cluster's group list does not fill up. Only
   * when an abandoned consumer that could not leave (its broker hung) still holds partitions in it does the
   * session move to a new group; every group it used is deleted on close.
   */
  groupId: string;
  private readonly usedGroups: string[] = [];
  progress: PrepareProgress = { warm: false, connectMs: 0, prepareMs: 0 };
  private readonly brokerOrder: BrokerOrder;
  private largestClusterSeen = 0;
  private durabilityChecked = false;

  constructor(
    private readonly config: ProbeConfig,
    private readonly log: DebugSink,
    private readonly credentials?: () => Promise<ResolvedCredentials | undefined>,
  ) {
    this.groupId = this.newGroupId();
    this.brokerOrder = new BrokerOrder(config.brokers);
  }

  private newGroupId(): string {
    const id = `${consumerGroupPrefix(this.config.probeName)}-${randomBytes(4).toString('hex')}`;
    this.usedGroups.push(id);
    return id;
  }

  /** Another member holds partitions of our own group: a consumer we abandoned, still alive. Leave it the group. */
  private async moveGroupIfShared(deadlineAt: number): Promise<void> {
    const { groups: [group] } = await withDeadline(this.admin!.describeGroups([this.groupId]), deadlineAt, 'describing the consumer group');
    if ((group?.members.length ?? 0) <= 1) return;
    this.log.debug('an abandoned consumer still holds partitions of the group; moving to a new group', { group: this.groupId, members: group!.members.length });
    this.groupId = this.newGroupId();
  }

  private readonly logCreator: logCreator = () => ({ namespace, level, log }) => {
    this.log.debug(`kafkajs ${LEVEL_NAMES[level] ?? level}: ${log.message}`, { namespace, broker: log.broker });
  };

  get connected(): boolean {
    return this.admin !== undefined && this.producer !== undefined;
  }

  private async connect(deadlineAt: number): Promise<void> {
    const kafka = kafkaClient({
      connection: this.config, clientId: `streamprobe-${this.config.probeName}`, logCreator: this.logCreator,
      credentials: await this.credentials?.(), brokers: () => this.brokerOrder.list,
    });
    const admin = kafka.admin();
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
      const describe = () => withDeadline(this.admin!.describeCluster(), deadlineAt, 'the first request to Kafka (describe cluster)');
      let handshake: Awaited<ReturnType<typeof describe>> | undefined;
      if (!warm) {
        await this.connect(deadlineAt);
        handshake = await describe();
      }
      connectedAt = monotonicNow();
      onPhase('topic');
      const cluster = handshake ?? await describe();
      this.brokerOrder.observe(cluster.brokers);
      const layout = await retryWithin(() => ensureCanaryTopic(this.admin!, this.config, cluster.brokers.map((b) => b.nodeId)), deadlineAt, 'checking the canary topic');
      await this.ensureProducerKnows(layout, deadlineAt);
      if (!this.durabilityChecked) await this.warnOfWeakDurability(layout, deadlineAt);
      onPhase('join');
      await this.ensureConsumer(layout.partitions, deadlineAt);
      await this.position(deadlineAt, pending);
      this.consumerState!.rebalancedDuringRun = false;
      this.inRun = true;
      this.markProgress(warm, start, connectedAt);
      // A broker that is down drops out of the metadata: only the size it should have can tell.
      this.largestClusterSeen = Math.max(this.largestClusterSeen, layout.brokers.length);
      const expectedBrokers = this.config.expectedBrokers ?? this.largestClusterSeen;
      return { ...layout, warm, expectedBrokers, connectMs: this.progress.connectMs, prepareMs: this.progress.prepareMs };
    } catch (error) {
      // kafkajs keeps its first (seed) broker for metadata: if that one hangs, every request of this client
      // does. The next cold start begins one broker further along.
      if (!warm) this.brokerOrder.passFirst();
      throw error;
    } finally {
      // A failed prepare still reports how far it got and how long each part took.
      this.markProgress(warm, start, connectedAt);
    }
  }

  private markProgress(warm: boolean, start: number, connectedAt: number | undefined): void {
    const now = monotonicNow();
    this.progress = { warm, connectMs: (connectedAt ?? now) - start, prepareMs: connectedAt === undefined ? 0 : now - connectedAt };
  }

  /** Once per process: a topic someone else made may let acks=all prove little. Never fails the run. */
  private async warnOfWeakDurability(layout: TopicLayout, deadlineAt: number): Promise<void> {
    this.durabilityChecked = true;
    const warning = await withDeadline(durabilityWarning(this.admin!, this.config.topic, layout.replicationFactor), deadlineAt, 'reading the topic configuration')
      .catch((error: Error) => { this.log.debug('could not read the canary topic configuration', { error: error.message }); return undefined; });
    if (warning) this.log.warn(warning, { event: 'topic_warning', topic: this.config.topic });
  }

  /**
   * kafkajs has no metadata refresh call, and a producer without retries fails its first send to a leader
   * that moved: a producer made before partitions were added, or before leadership changed, is replaced.
   */
  private async ensureProducerKnows(layout: TopicLayout, deadlineAt: number): Promise<void> {
    const known = leadershipKey(layout);
    if (this.producerKnows === known) return;
    if (this.producer !== undefined && this.producerKnows !== NEVER_SENT) {
      const old = this.producer!;
      this.producer = this.newProducer();
      void old.disconnect().catch(() => {});
      await withDeadline(this.producer.connect(), deadlineAt, 'reconnecting the producer after partitions or leaders changed');
    }
    this.producerKnows = known;
  }

  private async ensureConsumer(partitions: readonly number[], deadlineAt: number): Promise<void> {
    const current = this.consumerState;
    if (current && !current.crashed && sameMembers(current.assigned, partitions)) return;
    if (current) await this.stopConsumerWithin(deadlineAt);
    // A coordinator that is still loading (GROUP_LOAD_IN_PROGRESS on a fresh broker) or moving is retried
    // with a new consumer until the deadline; the one that failed is stopped first.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.joinOnce(partitions, deadlineAt);
        return;
      } catch (error) {
        await this.stopConsumerWithin(deadlineAt);
        const type = (error as { type?: string }).type ?? '';
        if (type === 'PartialAssignment') await this.moveGroupIfShared(deadlineAt).catch(() => {});
        // A join that timed out or lost its connection may have started at a hung broker: every new consumer
        // begins at the first bootstrap broker, so the next one begins further along.
        else if (!isKafkaErrorCode(type)) this.brokerOrder.passFirst();
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
      // A join waits this long at most for a member that will not rejoin (one abandoned by a failed run);
      // it must end well inside a run, or every later join waits for the one before and none completes.
      // The member itself learns of a rebalance from its heartbeat, so that comes several times sooner.
      rebalanceTimeout: REBALANCE_TIMEOUT_MS,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: this.config.fetchMaxWaitMs,
      minBytes: 1,
      allowAutoTopicCreation: false,
      // Every fetch loop refreshes metadata older than this: a moved leader is learned within seconds, not
      // after kafkajs's default 5 minutes of fetching from a follower.
      metadataMaxAge: CONSUMER_METADATA_MAX_AGE_MS,
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
      else settle?.reject(Object.assign(new Error(`assigned partitions ${[...state.assigned].join(',') || 'none'} of ${partitions.length}`), { type: 'PartialAssignment' }));
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      state.crashed = payload.error;
      settle?.reject(payload.error);
    });
    const join = async () => {
      await consumer.connect();
      await consumer.subscribe({ topic: this.config.topic, fromBeginning: false });
      // Arrival is stamped when a fetch response is complete, before kafkajs decodes it and hands its batches
      // over one by one: with many partitions, the last batch would otherwise carry the handling of all.
      const stamps: FetchStamps = new Map();
      consumer.on(consumer.events.FETCH, this.collector.fetched(isCurrent, stamps));
      await stampingFetches(stamps, () => consumer.run({ autoCommit: false, eachBatchAutoResolve: true, eachBatch: this.collector.handler(isCurrent) }));
      await joined;
    };
    await withDeadline(join(), deadlineAt, `joining consumer group ${this.groupId}`);
  }

  /** Positions partitions not yet positioned, before anything is sent, so no canary event is skipped. */
  private async position(deadlineAt: number, pending: readonly PendingEvent[]): Promise<void> {
    const state = this.consumerState!;
    const unpositioned = [...state.assigned].filter((p) => !state.positioned.has(p));
    if (unpositioned.length === 0) return;
    const offsets = await retryWithin(() => this.admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading partition offsets');
    for (const { partition, high, low } of offsets) {
      if (!unpositioned.includes(partition)) continue;
      state.consumer.seek({ topic: this.config.topic, partition, offset: resumeOffset(partition, pending, low, high) });
      state.positioned.add(partition);
    }
  }

  /**
   * Sends `eventsPerPartition` rounds of one event per partition. A round is one produce request per leader
   * (as a Java producer batches), each partition still judged on its own answer in the response, so one
   * partition's error never marks another's. Rounds are awaited in turn to keep each partition's events in
   * sequence order. Nothing is sent once the deadline is too close.
   */
  async send(runId: string, layout: TopicLayout, deadlineAt: number): Promise<{ sent: SentRecord[]; errors: ErrorInfo[] }> {
    const sent: SentRecord[] = [];
    const requests = partitionsByLeader(layout);
    for (let seq = 0; seq < this.config.eventsPerPartition; seq++) {
      if (remainingMs(deadlineAt) < MIN_SEND_WINDOW_MS) {
        const why = seq === 0 ? 'preparing the run left no time to send' : `sent ${seq} of ${this.config.eventsPerPartition} rounds before the deadline`;
        return { sent, errors: [toErrorInfo(new DeadlineError(why, remainingMs(deadlineAt)), 'send')] };
      }
      // Every event of the round is encoded before any clock starts: with 256 partitions the encoding alone
      // took 3 ms, and it fell inside every sample but the last.
      const value = (partition: number) => encodeEvent({ probe: this.config.probeName, run: runId, partition, seq, sentAt: monotonicNow(), wallAt: Date.now() }, this.config.messageBytes);
      const batches = requests.map((partitions) => partitions.map((partition) => ({ partition, value: value(partition) })));
      const round = await Promise.all(batches.map((batch) => this.sendBatch(runId, seq, batch, deadlineAt)));
      sent.push(...round.flat());
    }
    // A Kafka error code (NOT_ENOUGH_REPLICAS) is the cluster's answer; anything else (a timeout, "Broker
    // not connected") may be this producer's connections gone bad on a hung broker: use a fresh one next run.
    if (sent.some((s) => s.error && !isKafkaErrorCode(s.error.type))) {
      this.producerKnows = REPLACE;
      // Its seed broker may be the one that hangs: the new producer starts at the next.
      this.brokerOrder.passFirst();
    }
    return { sent, errors: [] };
  }

  /** One produce request (its partitions share a leader); each partition gets its own verdict. */
  private async sendBatch(runId: string, seq: number, batch: ReadonlyArray<{ partition: number; value: string }>, deadlineAt: number): Promise<SentRecord[]> {
    const what = batch.length === 1 ? `sending to partition ${batch[0]!.partition}` : `sending to partitions ${batch.map((b) => b.partition).join(',')}`;
    const stamp: RequestStamp = {};
    const calledAt = monotonicNow();
    let answers: ReadonlyArray<{ partition: number; errorCode: number; baseOffset?: string }>;
    let requestError: unknown;
    try {
      answers = await withDeadline(stampingProduce(stamp, () => this.produce([...batch])), deadlineAt, what);
    } catch (error) {
      // A partition error fails kafkajs's whole request; the answers of the others are still in it.
      requestError = error;
      answers = partitionAnswers(error)?.filter((a) => a.topic === this.config.topic) ?? [];
    }
    const ackedAt = monotonicNow();
    // The clock starts when the request, encoded, goes to the connection: a sample holds the broker round
    // trip, not our JSON work nor kafkajs's produce path. A request that never got that far starts at the
    // call. Latency is measured from this stamp; the event's own `t` only dates it within this process.
    const sentAt = stamp.readyAt ?? calledAt;
    const failed = (partition: number, error: unknown): SentRecord => ({ partition, seq, sentAt, error: toErrorInfo(error, 'send', [], { partition, eventId: `${runId}/${partition}/${seq}` }) });
    return batch.map(({ partition }) => {
      const answer = answers.find((a) => a.partition === partition);
      if (answer && answer.errorCode === 0 && answer.baseOffset !== undefined) return { partition, seq, sentAt, ackedAt, offset: answer.baseOffset };
      if (answer && answer.errorCode !== 0) return failed(partition, errorForCode(answer.errorCode));
      return failed(partition, requestError ?? Object.assign(new Error(`the broker's response holds no acknowledgement for partition ${partition}`), { type: 'NotAcknowledged' }));
    });
  }

  /** One produce call: acks=all, no retries. */
  protected produce(messages: Array<{ partition: number; value: string; timestamp?: string }>): Promise<RecordMetadata[]> {
    return this.producer!.send({ topic: this.config.topic, acks: -1, messages });
  }

  protected get topicName(): string {
    return this.config.topic;
  }

  /** The clients, for subclasses that inject faults in tests. */
  protected get clients(): { admin?: Admin; consumer?: Consumer } {
    return { admin: this.admin, consumer: this.consumerState?.consumer };
  }

  /**
   * Waits for the acknowledged events (or the deadline), then hands over everything received. For the
   * partitions holding earlier overdue events it also reads where their logs now start: an event below
   * that is gone for good (deleted or expired), which is evidence of loss the consumer alone cannot give.
   */
  async receive(expected: ReadonlySet<string>, deadlineAt: number, pendingPartitions: readonly number[] = []): Promise<Received> {
    const logStarts = pendingPartitions.length ? this.readLogStarts(pendingPartitions, deadlineAt) : Promise.resolve(undefined);
    const missing = await this.collector.awaitEvents(expected, this.config.probeName, deadlineAt);
    this.inRun = false;
    const errors: ErrorInfo[] = [];
    const state = this.consumerState;
    if (state?.rebalancedDuringRun) {
      errors.push({ phase: 'receive', type: 'ConsumerRebalanced', message: `consumer group ${this.groupId} rebalanced during the run; arrivals may be missing` });
    }
    if (state?.crashed) errors.push(toErrorInfo(state.crashed, 'receive'));
    const records = this.collector.take();
    if (state && !state.crashed && expected.size > 0 && missing.size === expected.size && records.length === 0) {
      // Acknowledged events, and not one record delivered: the consumer may be stuck (on a hung group
      // coordinator, say). A fresh one costs a join; a stuck one would make every later run read nothing.
      state.crashed = Object.assign(new Error(`the consumer delivered nothing while ${expected.size} acknowledged events waited; it is replaced before the next run in case it is stuck`), { type: 'NothingDelivered' });
      errors.push(toErrorInfo(state.crashed, 'receive'));
    }
    return { records, errors, logStartOffsets: await logStarts };
  }

  private async readLogStarts(partitions: readonly number[], deadlineAt: number): Promise<Record<number, string> | undefined> {
    try {
      const offsets = await withDeadline(this.admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading where partitions start');
      return Object.fromEntries(offsets.filter((o) => partitions.includes(o.partition)).map((o) => [o.partition, o.low]));
    } catch (error) {
      this.log.debug('could not read log start offsets; no event is confirmed lost by them this run', { error: (error as Error).message });
      return undefined;
    }
  }

  /**
   * Stops the consumer (it leaves the group, so a later join need not wait for it), waiting at most a
   * second and never past the deadline: a consumer of a dead broker can take far longer to disconnect.
   */
  private async stopConsumerWithin(deadlineAt: number): Promise<void> {
    const waitMs = Math.min(STOP_CONSUMER_WAIT_MS, remainingMs(deadlineAt) - MIN_SEND_WINDOW_MS);
    await Promise.race([this.stopConsumer(), sleep(waitMs)]);
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
    this.producerKnows = NEVER_SENT;
    return closing;
  }

  /** Leaves and deletes the group where the cluster allows, disconnects everything, waiting at most `waitMs`. */
  async close(waitMs = 10_000): Promise<void> {
    const admin = this.admin;
    const work = (async () => {
      await this.stopConsumer();
      await admin?.deleteGroups([...this.usedGroups]).catch(() => {});
      await this.reset();
    })();
    await Promise.race([work, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}
