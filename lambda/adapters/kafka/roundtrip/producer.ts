/**
 * The round trip's producer: one produce request per leader per round, acks=all, no retries, each
 * partition judged on its own answer; replaced when the partitions or leaders it knows changed, or when
 * its connections may have gone bad.
 */
import type { Kafka, Producer, RecordMetadata } from 'kafkajs';
import type { ProbeConfig } from '../../../config/roundtrip';
import type { ErrorInfo } from '../../../core/check-report';
import { toErrorInfo } from '../../../core/redact';
import type { BrokerOrder } from '../../../core/roundtrip/broker-order';
import { encodeEvent } from '../../../core/roundtrip/event';
import type { SentRecord } from '../../../core/roundtrip/reconcile';
import { DeadlineError, monotonicNow, remainingMs, withDeadline } from '../../deadline';
import { errorForCode, partitionAnswers } from '../kafkajs-patches/produce-answers';
import { type RequestStamp, stampingProduce } from '../kafkajs-patches/request-stamps';
import type { TopicLayout } from '../topic';

/** The producer was just made and has not sent: it learns everything on its first metadata request. */
const NEVER_SENT = '';
/** The producer's connections are suspect: the next prepare replaces it. */
const REPLACE = 'replace';
const leadershipKey = (layout: TopicLayout) => layout.partitions.map((p) => `${p}:${layout.leaders[p]}`).join(',');

/** A Kafka error code (NOT_ENOUGH_REPLICAS) is the cluster's answer; anything else may be our connections. */
export const isKafkaErrorCode = (type: string) => /^[A-Z][A-Z0-9_]+$/.test(type);

/** Less time than this left, and a produce request could not come back before the deadline: do not send. */
export const MIN_SEND_WINDOW_MS = 250;

export type Messages = Array<{ partition: number; value: string; timestamp?: string }>;

/**
 * The round's produce requests: partitions grouped by the leader the topic's metadata names. A partition
 * without a leader goes alone, so its failure is its own.
 */
function partitionsByLeader(layout: TopicLayout, partitions: readonly number[]): number[][] {
  const byLeader = new Map<number, number[]>();
  const alone: number[][] = [];
  for (const p of partitions) {
    const leader = layout.leaders[p];
    if (leader === undefined || leader < 0) alone.push([p]);
    else if (byLeader.has(leader)) byLeader.get(leader)!.push(p);
    else byLeader.set(leader, [p]);
  }
  return [...byLeader.values(), ...alone];
}

export class CanaryProducer {
  private producer: Producer | undefined;
  /**
   * The partitions and leaders the producer's metadata knew when it was made: kafkajs silently drops sends
   * to partitions it does not know, and without retries fails a send to a leader that moved.
   */
  private producerKnows: string = NEVER_SENT;

  /** `produce` makes one produce call (the session's, which tests override to inject faults). */
  constructor(
    private readonly config: ProbeConfig,
    private readonly brokerOrder: BrokerOrder,
    private readonly produce: (messages: Messages) => Promise<RecordMetadata[]>,
  ) {}

  get connected(): boolean {
    return this.producer !== undefined;
  }

  /** A new producer of `kafka`, connected. */
  async connect(kafka: Kafka): Promise<void> {
    this.producer = this.newProducer(kafka);
    await this.producer.connect();
  }

  private newProducer(kafka: Kafka): Producer {
    return kafka.producer({
      allowAutoTopicCreation: false,
      idempotent: false,
      // No retries: a retried send hides the failure and inflates the latency it reports.
      retry: { retries: 0 },
      // A leader that moved is learned within a run or two, not after kafkajs's default 5 minutes.
      metadataMaxAge: 30_000,
    });
  }

  /** One produce call: acks=all, no retries. */
  sendMessages(messages: Messages): Promise<RecordMetadata[]> {
    return this.producer!.send({ topic: this.config.topic, acks: -1, messages });
  }

  /**
   * kafkajs has no metadata refresh call, and a producer without retries fails its first send to a leader
   * that moved: a producer made before partitions were added, or before leadership changed, is replaced.
   */
  async ensureKnows(kafka: Kafka, layout: TopicLayout, deadlineAt: number): Promise<void> {
    const known = leadershipKey(layout);
    if (this.producerKnows === known) return;
    if (this.producer !== undefined && this.producerKnows !== NEVER_SENT) {
      const old = this.producer!;
      this.producer = this.newProducer(kafka);
      void old.disconnect().catch(() => {});
      await withDeadline(this.producer.connect(), deadlineAt, 'reconnecting the producer after partitions or leaders changed');
    }
    this.producerKnows = known;
  }

  /**
   * Sends `eventsPerPartition` rounds of one event per partition. A round is one produce request per leader
   * (as a Java producer batches), each partition still judged on its own answer in the response, so one
   * partition's error never marks another's. Rounds are awaited in turn to keep each partition's events in
   * sequence order. Nothing is sent once the deadline is too close. `partitions` (all by default) are the
   * ones to send to.
   */
  async send(runId: string, layout: TopicLayout, deadlineAt: number, partitions = layout.partitions): Promise<{ sent: SentRecord[]; errors: ErrorInfo[] }> {
    const sent: SentRecord[] = [];
    const requests = partitionsByLeader(layout, partitions);
    for (let seq = 0; seq < this.config.eventsPerPartition; seq++) {
      if (remainingMs(deadlineAt) < MIN_SEND_WINDOW_MS) {
        const why = seq === 0 ? 'preparing the run left no time to send' : `sent ${seq} of ${this.config.eventsPerPartition} rounds before the deadline`;
        return { sent, errors: [toErrorInfo(new DeadlineError(why, remainingMs(deadlineAt)), 'send')] };
      }
      // Every event of the round is encoded before any clock starts: with 256 partitions the encoding alone
      // took 3 ms, and it fell inside every sample but the last.
      const value = (partition: number) =>
        encodeEvent({ probe: this.config.probeName, run: runId, partition, seq, sentAt: monotonicNow(), wallAt: Date.now() }, this.config.messageBytes);
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
      answers = await withDeadline(
        stampingProduce(stamp, () => this.produce([...batch])),
        deadlineAt,
        what,
      );
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
    const failed = (partition: number, error: unknown): SentRecord => ({
      partition,
      seq,
      sentAt,
      error: toErrorInfo(error, 'send', [], { partition, eventId: `${runId}/${partition}/${seq}` }),
    });
    return batch.map(({ partition }) => {
      const answer = answers.find((a) => a.partition === partition);
      if (answer && answer.errorCode === 0 && answer.baseOffset !== undefined) return { partition, seq, sentAt, ackedAt, offset: answer.baseOffset };
      if (answer && answer.errorCode !== 0) return failed(partition, errorForCode(answer.errorCode));
      return failed(
        partition,
        requestError ?? Object.assign(new Error(`the broker's response holds no acknowledgement for partition ${partition}`), { type: 'NotAcknowledged' }),
      );
    });
  }

  /** The producer's own metadata routed a send to a broker that no longer leads: the next ensureKnows replaces it. */
  distrust(): void {
    if (this.producer !== undefined) this.producerKnows = REPLACE;
  }

  /** Drops the producer (disconnecting in the background); the next connect makes a new one. */
  reset(): Promise<void> {
    const closing = this.producer?.disconnect().catch(() => {});
    this.producer = undefined;
    this.producerKnows = NEVER_SENT;
    return Promise.resolve(closing).then(() => {});
  }
}
