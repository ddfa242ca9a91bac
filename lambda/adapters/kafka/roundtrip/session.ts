/**
 * One probe's Kafka clients, kept across warm runs: an admin, a producer (producer.ts) and a group-less
 * receiver (receiver.ts), each on its own connections (a shared connection would serialize fetch and
 * produce and skew latency). This file is their lifecycle: connect, prepare a run, reset after a failure, close.
 */
import type { Admin, Kafka, logCreator, RecordMetadata } from 'kafkajs';
import type { ProbeConfig } from '../../../config/roundtrip';
import { roundTripCommitGroup } from '../../../contract';
import type { ErrorInfo, RunPhase } from '../../../core/check-report';
import { innermostCause } from '../../../core/redact';
import { BrokerOrder } from '../../../core/roundtrip/broker-order';
import type { SentRecord } from '../../../core/roundtrip/reconcile';
import type { PendingEvent } from '../../../core/roundtrip/report';
import { monotonicNow, remainingMs, retryWithin, sleep, withDeadline } from '../../deadline';
import { kafkaClient } from '../client';
import type { ResolvedCredentials } from '../client-options';
import { type CommitResult, OffsetCommitter } from '../offset-commit';
import { durabilityWarning, ensureCanaryTopic, type TopicLayout } from '../topic';
import { CanaryProducer, type Messages, MIN_SEND_WINDOW_MS } from './producer';
import { CanaryReceiver, type DebugSink, type Receiving } from './receiver';

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

const LEVEL_NAMES: Record<number, string> = { 1: 'ERROR', 2: 'WARN', 4: 'INFO', 5: 'DEBUG' };
/** How long the leaders are read again after a send met a partition led elsewhere. */
const LEADER_MOVE_WAIT_MS = 1000;
/** A prepare longer than this may have read leaders that have moved since. */
const SLOW_PREPARE_MS = 1000;

/** A connection found closed or reset (not a timeout, not a Kafka answer): worth one more try. */
function isClosedConnection(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = innermostCause(error) as { name?: string; code?: string; message?: string };
  return (
    e.name === 'KafkaJSConnectionClosedError' ||
    e.code === 'ECONNRESET' ||
    e.code === 'EPIPE' ||
    /Connection (closed|reset)|socket hang up/i.test(e.message ?? '')
  );
}

/** Kafka's own answers that the broker asked is not the partition's leader. */
const KAFKA_SAYS_ELSEWHERE = new Set(['NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH']);

/** Errors that say the partition's leader is elsewhere (or gone), not that the cluster refused the write. */
const LEADER_ELSEWHERE = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
]);

/** Partitions whose every send of the run failed with a leader-elsewhere error. */
function partitionsLedElsewhere(sent: readonly SentRecord[]): number[] {
  const verdict = new Map<number, boolean>();
  for (const s of sent) verdict.set(s.partition, (verdict.get(s.partition) ?? true) && s.error !== undefined && LEADER_ELSEWHERE.has(s.error.type));
  return [...verdict].filter(([, elsewhere]) => elsewhere).map(([p]) => p);
}

async function retryOnceIfClosed<T>(request: (again: boolean) => Promise<T>): Promise<T> {
  try {
    return await request(false);
  } catch (error) {
    if (!isClosedConnection(error)) throw error;
    return request(true);
  }
}

export class KafkaProbeSession {
  private kafka: Kafka | undefined;
  private admin: Admin | undefined;
  private readonly producer: CanaryProducer;
  private readonly receiver: CanaryReceiver;
  private committer: OffsetCommitter | undefined;
  progress: PrepareProgress = { warm: false, connectMs: 0, prepareMs: 0 };
  private readonly brokerOrder: BrokerOrder;
  private largestClusterSeen = 0;
  private durabilityChecked = false;

  constructor(
    private readonly config: ProbeConfig,
    private readonly log: DebugSink,
    private readonly credentials?: () => Promise<ResolvedCredentials | undefined>,
  ) {
    this.brokerOrder = new BrokerOrder(config.brokers);
    this.producer = new CanaryProducer(config, this.brokerOrder, (messages) => this.produce(messages));
    this.receiver = new CanaryReceiver(config, log, () => ({ kafka: this.kafka, admin: this.admin }));
  }

  private readonly logCreator: logCreator =
    () =>
    ({ namespace, level, log }) => {
      this.log.debug(`kafkajs ${LEVEL_NAMES[level] ?? level}: ${log.message}`, { namespace, broker: log.broker });
    };

  get connected(): boolean {
    return this.admin !== undefined && this.producer.connected;
  }

  private async connect(deadlineAt: number): Promise<void> {
    const kafka = kafkaClient({
      connection: this.config,
      clientId: `streamprobe-${this.config.probeName}`,
      logCreator: this.logCreator,
      credentials: await this.credentials?.(),
      brokers: () => this.brokerOrder.list,
    });
    const admin = kafka.admin();
    this.kafka = kafka;
    this.admin = admin;
    await withDeadline(Promise.all([admin.connect(), this.producer.connect(kafka)]), deadlineAt, 'connecting to Kafka');
  }

  /**
   * Connects (unless warm), checks the topic, positions the receiver; `onPhase` names each step. Partitions
   * holding overdue events are positioned at the oldest of them, so a new receiver still reads them.
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
      // A thawed container's first requests may meet a connection the broker closed while it was frozen
      // (the broker restarted): kafkajs does not retry that, so the step is tried once more, on new connections.
      const { brokerIds, layout: firstLayout } = await retryOnceIfClosed(async (again) => {
        const cluster = handshake && !again ? handshake : await describe();
        this.brokerOrder.observe(cluster.brokers);
        const brokerIds = cluster.brokers.map((b) => b.nodeId);
        return { brokerIds, layout: await this.readLayout(brokerIds, deadlineAt) };
      });
      let layout = firstLayout;
      let layoutAt = monotonicNow();
      if (!this.durabilityChecked) await this.warnOfWeakDurability(layout, deadlineAt);
      onPhase('position');
      await this.receiver.position(layout.partitions, pending, deadlineAt);
      // Leaders read before a slow prepare may have moved since (a rolling restart): read them again.
      if (monotonicNow() - layoutAt > SLOW_PREPARE_MS) {
        layout = await this.readLayout(brokerIds, deadlineAt);
        layoutAt = monotonicNow();
      }
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

  /** The canary topic's partitions and leaders (made or grown as needed); the producer is told of new leaders. */
  private async readLayout(brokerIds: readonly number[], deadlineAt: number): Promise<TopicLayout> {
    const layout = await retryWithin(() => ensureCanaryTopic(this.admin!, this.config, brokerIds), deadlineAt, 'checking the canary topic');
    await this.producer.ensureKnows(this.kafka!, layout, deadlineAt);
    return layout;
  }

  private markProgress(warm: boolean, start: number, connectedAt: number | undefined): void {
    const now = monotonicNow();
    this.progress = { warm, connectMs: (connectedAt ?? now) - start, prepareMs: connectedAt === undefined ? 0 : now - connectedAt };
  }

  /** Once per process: a topic someone else made may let acks=all prove little. Never fails the run. */
  private async warnOfWeakDurability(layout: TopicLayout, deadlineAt: number): Promise<void> {
    this.durabilityChecked = true;
    const warning = await withDeadline(
      durabilityWarning(this.admin!, this.config.topic, layout.replicationFactor),
      deadlineAt,
      'reading the topic configuration',
    ).catch((error: Error) => {
      this.log.debug('could not read the canary topic configuration', { error: error.message });
      return undefined;
    });
    if (warning) this.log.warn(warning, { event: 'topic_warning', topic: this.config.topic });
  }

  /**
   * Sends the run's events (producer.ts). A partition whose every send failed because its leader was not
   * where the probe thought (NOT_LEADER_FOR_PARTITION, a connection refused or closed) is sent again, once,
   * if the leaders read afresh name another broker: the leader moved (a rolling restart, a preferred-leader
   * election), which a Java producer would follow too. A leader that did not move keeps its failure, and
   * the resend is a new sample from its own send, so nothing is hidden and no latency is inflated.
   */
  async send(runId: string, layout: TopicLayout, deadlineAt: number): Promise<{ sent: SentRecord[]; errors: ErrorInfo[] }> {
    const first = await this.producer.send(runId, layout, deadlineAt);
    const stale = partitionsLedElsewhere(first.sent);
    if (stale.length === 0) return first;
    // The producer's own metadata sent them where the leader no longer is: whatever the leaders read next,
    // the resend goes through a producer that reads its metadata afresh.
    this.producer.distrust();
    const refused = new Set(first.sent.filter((s) => s.error && KAFKA_SAYS_ELSEWHERE.has(s.error.type)).map((s) => s.partition));
    // The broker that answered NOT_LEADER_FOR_PARTITION knows before the metadata does (a controlled
    // shutdown moves leadership first): the leaders are read again, briefly, until they name another broker.
    const readBy = Math.min(deadlineAt - MIN_SEND_WINDOW_MS * 2, monotonicNow() + LEADER_MOVE_WAIT_MS);
    let moved: number[] = [];
    let fresh: TopicLayout | undefined;
    for (let attempt = 0; monotonicNow() < readBy; attempt++) {
      if (attempt > 0) await sleep(Math.min(100, Math.max(0, readBy - monotonicNow())));
      try {
        fresh = await this.readLayout(layout.brokers, deadlineAt);
      } catch {
        continue;
      }
      const next = fresh.leaders;
      // A broker that answered "not the leader" is not the leader, whatever the layout said before; a
      // connection refused or closed proves only that a leader which did not move is down.
      moved = stale.filter((p) => next[p] !== undefined && next[p]! >= 0 && (refused.has(p) || next[p] !== layout.leaders[p]));
      if (moved.length === stale.length) break;
    }
    if (moved.length === 0 || !fresh || remainingMs(deadlineAt) < MIN_SEND_WINDOW_MS) return first;
    this.log.debug('leaders moved during the sends; sending again to the new leaders', { partitions: moved });
    const again = await this.producer.send(runId, fresh, deadlineAt, moved);
    const resent = new Set(moved);
    return { sent: [...first.sent.filter((s) => !resent.has(s.partition)), ...again.sent], errors: [...first.errors, ...again.errors] };
  }

  /** Starts reading before the sends; `finish` then reads until the acknowledged events are in, or the deadline (receiver.ts). */
  beginReceiving(deadlineAt: number, pendingPartitions: readonly number[] = []): Receiving {
    return this.receiver.begin(deadlineAt, pendingPartitions);
  }

  /** Commits where the run read up to, for the probe's own group, without joining it (offset-commit.ts). */
  commit(deadlineAt: number): Promise<CommitResult> {
    this.committer ??= new OffsetCommitter(this.kafka!, roundTripCommitGroup(this.config.probeName));
    return this.committer.commit(this.receiver.readPositions, deadlineAt);
  }

  /** One produce call: acks=all, no retries. Tests override it to inject faults. */
  protected produce(messages: Messages): Promise<RecordMetadata[]> {
    return this.producer.sendMessages(messages);
  }

  protected get topicName(): string {
    return this.config.topic;
  }

  /** The clients, for subclasses that inject faults in tests. */
  protected get clients(): { admin?: Admin; receiver: CanaryReceiver } {
    return { admin: this.admin, receiver: this.receiver };
  }

  /**
   * Drops every client after a failure, so the next run starts clean. Returns at once: the disconnects
   * finish in the background, because the run still has to report before its deadline.
   */
  reset(): Promise<void> {
    const closing = Promise.all([this.receiver.reset(), this.producer.reset(), this.committer?.close(), this.admin?.disconnect().catch(() => {})]).then(
      () => {},
      () => {},
    );
    this.kafka = this.admin = this.committer = undefined;
    return closing;
  }

  /** Disconnects everything, waiting at most `waitMs`. Nothing is left on the cluster: no group was joined. */
  async close(waitMs = 10_000): Promise<void> {
    await Promise.race([this.reset(), new Promise((r) => setTimeout(r, waitMs).unref())]);
  }
}
