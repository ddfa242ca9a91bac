/**
 * The round trip's consumer: one member of the probe's own group, reading the canary topic from positions
 * set before anything is sent, its arrivals stamped when a fetch response is complete.
 *
 * One consumer at a time, ever: kafkajs never restarts a crashed consumer by itself here, a consumer that is
 * replaced is stopped for good, and batches from anything but the current consumer are ignored. Otherwise
 * two live members feed one collector and every record looks duplicated.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { ProbeConfig } from '../../../config/roundtrip';
import { consumerGroupPrefix } from '../../../contract';
import type { ErrorInfo } from '../../../core/check-report';
import { toErrorInfo } from '../../../core/redact';
import type { BrokerOrder } from '../../../core/roundtrip/broker-order';
import type { ReceivedRecord } from '../../../core/roundtrip/reconcile';
import type { PendingEvent } from '../../../core/roundtrip/report';
import { resumeOffset } from '../../../core/roundtrip/resume-offset';
import { DeadlineError, remainingMs, retryWithin, sleep, withDeadline } from '../../deadline';
import { type FetchStamps, stampingFetches } from '../kafkajs-patches/request-stamps';
import { ArrivalCollector } from './collector';
import { isKafkaErrorCode, MIN_SEND_WINDOW_MS } from './producer';

export interface DebugSink {
  debug(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

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

const REBALANCE_TIMEOUT_MS = 4000;
const STOP_CONSUMER_WAIT_MS = 1000;
const CONSUMER_METADATA_MAX_AGE_MS = 5000;

function sameMembers(a: ReadonlySet<number>, b: readonly number[]): boolean {
  return a.size === b.length && b.every((x) => a.has(x));
}

export class CanaryConsumer {
  private state: ConsumerState | undefined;
  private readonly collector = new ArrivalCollector();
  /** Between a prepared run and its receive: a rebalance now costs this run arrivals. */
  private inRun = false;
  /**
   * One group per container, kept across failures, so the cluster's group list does not fill up. Only
   * when an abandoned consumer that could not leave (its broker hung) still holds partitions in it does the
   * consumer move to a new group; every group it used is deleted when the session closes.
   */
  groupId: string;
  private readonly usedGroups: string[] = [];

  /** `clients` are the session's, made anew after a reset. */
  constructor(
    private readonly config: ProbeConfig,
    private readonly log: DebugSink,
    private readonly brokerOrder: BrokerOrder,
    private readonly clients: () => { kafka?: Kafka; admin?: Admin },
  ) {
    this.groupId = this.newGroupId();
  }

  /** Every group this process used, to delete on close. */
  get groups(): readonly string[] {
    return this.usedGroups;
  }

  get consumer(): Consumer | undefined {
    return this.state?.consumer;
  }

  /** The run starts now: a rebalance from here on is reported with its receive. */
  beginRun(): void {
    this.state!.rebalancedDuringRun = false;
    this.inRun = true;
  }

  private newGroupId(): string {
    const id = `${consumerGroupPrefix(this.config.probeName)}-${randomBytes(4).toString('hex')}`;
    this.usedGroups.push(id);
    return id;
  }

  /** Another member holds partitions of our own group: a consumer we abandoned, still alive. Leave it the group. */
  private async moveGroupIfShared(deadlineAt: number): Promise<void> {
    const {
      groups: [group],
    } = await withDeadline(this.clients().admin!.describeGroups([this.groupId]), deadlineAt, 'describing the consumer group');
    if ((group?.members.length ?? 0) <= 1) return;
    this.log.debug('an abandoned consumer still holds partitions of the group; moving to a new group', { group: this.groupId, members: group!.members.length });
    this.groupId = this.newGroupId();
  }

  /** A consumer of the group assigned exactly `partitions`: the current one, or a new one that joined. */
  async ensure(partitions: readonly number[], deadlineAt: number): Promise<void> {
    const current = this.state;
    if (current && !current.crashed && sameMembers(current.assigned, partitions)) return;
    if (current) await this.stopWithin(deadlineAt);
    // A coordinator that is still loading (GROUP_LOAD_IN_PROGRESS on a fresh broker) or moving is retried
    // with a new consumer until the deadline; the one that failed is stopped first.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.joinOnce(partitions, deadlineAt);
        return;
      } catch (error) {
        await this.stopWithin(deadlineAt);
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
    const consumer = this.clients().kafka!.consumer({
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
    this.state = state;
    const isCurrent = () => this.state === state;
    let settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
    const joined = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (!isCurrent()) return;
      state.assigned = new Set(payload.memberAssignment[this.config.topic] ?? []);
      // A new generation may reset positions to "latest" lazily: every partition is positioned again.
      state.positioned = new Set();
      if (this.inRun) state.rebalancedDuringRun = true;
      if (sameMembers(state.assigned, partitions)) settle?.resolve();
      else
        settle?.reject(
          Object.assign(new Error(`assigned partitions ${[...state.assigned].join(',') || 'none'} of ${partitions.length}`), { type: 'PartialAssignment' }),
        );
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
  async position(deadlineAt: number, pending: readonly PendingEvent[]): Promise<void> {
    const state = this.state!;
    const unpositioned = [...state.assigned].filter((p) => !state.positioned.has(p));
    if (unpositioned.length === 0) return;
    const offsets = await retryWithin(() => this.clients().admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading partition offsets');
    for (const { partition, high, low } of offsets) {
      if (!unpositioned.includes(partition)) continue;
      state.consumer.seek({ topic: this.config.topic, partition, offset: resumeOffset(partition, pending, low, high) });
      state.positioned.add(partition);
    }
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
    const state = this.state;
    if (state?.rebalancedDuringRun) {
      errors.push({
        phase: 'receive',
        type: 'ConsumerRebalanced',
        message: `consumer group ${this.groupId} rebalanced during the run; arrivals may be missing`,
      });
    }
    if (state?.crashed) errors.push(toErrorInfo(state.crashed, 'receive'));
    const records = this.collector.take();
    if (state && !state.crashed && expected.size > 0 && missing.size === expected.size && records.length === 0) {
      // Acknowledged events, and not one record delivered: the consumer may be stuck (on a hung group
      // coordinator, say). A fresh one costs a join; a stuck one would make every later run read nothing.
      state.crashed = Object.assign(
        new Error(`the consumer delivered nothing while ${expected.size} acknowledged events waited; it is replaced before the next run in case it is stuck`),
        { type: 'NothingDelivered' },
      );
      errors.push(toErrorInfo(state.crashed, 'receive'));
    }
    return { records, errors, logStartOffsets: await logStarts };
  }

  private async readLogStarts(partitions: readonly number[], deadlineAt: number): Promise<Record<number, string> | undefined> {
    try {
      const offsets = await withDeadline(this.clients().admin!.fetchTopicOffsets(this.config.topic), deadlineAt, 'reading where partitions start');
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
  async stopWithin(deadlineAt: number): Promise<void> {
    const waitMs = Math.min(STOP_CONSUMER_WAIT_MS, remainingMs(deadlineAt) - MIN_SEND_WINDOW_MS);
    await Promise.race([this.stop(), sleep(waitMs)]);
  }

  async stop(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    await state?.consumer.disconnect().catch(() => {});
  }

  /** After a failure: no run in progress, and the consumer gone. */
  reset(): Promise<void> {
    this.inRun = false;
    return this.stop();
  }
}
