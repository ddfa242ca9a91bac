/**
 * Reconcile what a run sent with what it read back: pure, so every verdict can be tested without Kafka.
 */

import type { ErrorInfo } from '../check-report';
import { percent, percentile, roundMs, summarize } from '../stats';
import { aggregateErrors } from './errors';
import { type CanaryEvent, decodeEvent, eventId } from './event';
import type { BrokerReport, Counts, EventLocation, Outcome, PendingEvent, Problem, RunReport, Timings } from './report';

export interface SentRecord {
  readonly partition: number;
  readonly seq: number;
  /** Monotonic ms just before the send call. */
  readonly sentAt: number;
  /** Monotonic ms when the broker acknowledged; absent when the send failed. */
  readonly ackedAt?: number;
  readonly offset?: string;
  readonly error?: ErrorInfo;
}

export interface ReceivedRecord {
  readonly partition: number;
  readonly offset: string;
  /** Monotonic ms when the consumer handed the record over (same clock as sentAt). */
  readonly arrivedAt: number;
  readonly value: Uint8Array | string | null;
}

export interface RunContext {
  readonly probe: string;
  readonly runId: string;
  readonly topic: string;
  readonly startedAt: string;
  readonly warm: boolean;
  readonly timings: Timings;
  /** partition -> leader broker id, as seen before sending. */
  readonly leaders: Readonly<Record<number, number>>;
  readonly brokers: readonly number[];
  /** Brokers the cluster should have (configured, or the most seen while warm). */
  readonly expectedBrokers?: number;
  readonly maxProblems?: number;
}

export interface ReconcileInput extends RunContext {
  readonly sent: readonly SentRecord[];
  readonly received: readonly ReceivedRecord[];
  /** Errors not tied to one send (receive errors, a deadline that cut the run short). */
  readonly errors: readonly ErrorInfo[];
  /** Where events were read in the previous run: a copy at another offset is a duplicate, the same record re-read is not. */
  readonly arrivedEarlier?: readonly EventLocation[];
  /**
   * Overdue events of earlier runs: read now they are late. Still unread at the end of this run, they are
   * lost once there is evidence: the consumer read past their offset, or the log now starts beyond it.
   * Without evidence (a consumer that read nothing) they stay pending: unread is not lost.
   */
  readonly pending?: readonly PendingEvent[];
  /** partition -> log start offset, read this run for the partitions of pending events. */
  readonly logStartOffsets?: Readonly<Record<number, string>>;
  /**
   * Who wrote what: the runs this process sent recently and when it started (epoch ms). An event of this
   * probe's name from a run it never sent, written after it started, comes from another writer.
   */
  readonly writer?: { readonly ownRuns: ReadonlySet<string>; readonly startedWallMs: number };
}

const DEFAULT_MAX_PROBLEMS = 200;
/** Overdue events carried to later runs at most (the newest kept): a reader stuck for hours must not grow it without bound. */
const MAX_PENDING = 1000;

function highestOffsetRead(received: readonly ReceivedRecord[]): Map<number, bigint> {
  const highest = new Map<number, bigint>();
  for (const r of received) {
    const o = BigInt(r.offset);
    if (o > (highest.get(r.partition) ?? -1n)) highest.set(r.partition, o);
  }
  return highest;
}

/** Why an unread event is lost, or undefined when nothing shows it is. */
function lossEvidence(p: PendingEvent, readUpTo: bigint | undefined, logStart: string | undefined): string | undefined {
  if (p.offset === undefined) return readUpTo !== undefined ? `the consumer read partition ${p.partition} past it` : undefined;
  const offset = BigInt(p.offset);
  if (logStart !== undefined && offset < BigInt(logStart)) return `the partition's log now starts at offset ${logStart}`;
  if (readUpTo !== undefined && readUpTo > offset) return `the consumer read offset ${readUpTo} past it`;
  return undefined;
}

class ProblemList {
  readonly items: Problem[] = [];
  omitted = 0;
  constructor(private readonly max: number) {}
  add(p: Problem): void {
    if (this.items.length < this.max) this.items.push(p);
    else this.omitted++;
  }
}

function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function brokersWithoutLeader(brokers: readonly number[], leaders: Readonly<Record<number, number>>): number[] {
  const leading = new Set(Object.values(leaders));
  return brokers.filter((b) => !leading.has(b)).sort((a, b) => a - b);
}

function leaderOf(brokers: readonly number[], leaders: Readonly<Record<number, number>>): Map<number, number[]> {
  const byBroker = new Map<number, number[]>(brokers.map((b) => [b, []]));
  for (const [partition, broker] of Object.entries(leaders)) {
    const list = byBroker.get(broker) ?? [];
    list.push(Number(partition));
    byBroker.set(broker, list);
  }
  for (const list of byBroker.values()) list.sort((a, b) => a - b);
  return byBroker;
}

interface Arrival {
  readonly event: CanaryEvent;
  readonly record: ReceivedRecord;
}

const locationKey = (partition: number, offset: string) => `${partition}:${offset}`;

function appendTo(lists: Record<string, number[]>, key: number, value: number): void {
  const list = lists[key];
  if (list) list.push(value);
  else lists[key] = [value];
}

function classifyReceived(input: ReconcileInput, problems: ProblemList) {
  const arrivals: Arrival[] = [];
  const corruptIds = new Set<string>();
  const earlierAt = new Map((input.arrivedEarlier ?? []).map((a) => [a.eventId, locationKey(a.partition, a.offset)]));
  const pendingById = new Map((input.pending ?? []).map((p) => [p.eventId, p]));
  const lateAt = new Map<string, string>();
  const lateArrivals: EventLocation[] = [];
  const otherWriterRuns = new Set<string>();
  let corrupt = 0,
    foreign = 0,
    late = 0,
    otherProbe = 0,
    otherWriter = 0,
    redelivered = 0;
  for (const record of input.received) {
    const decoded = decodeEvent(record.value);
    const at = { partition: record.partition, offset: record.offset };
    if (decoded.kind === 'foreign') {
      foreign++;
      problems.add({ status: 'foreign', ...at, detail: decoded.reason });
    } else if (decoded.kind === 'corrupt') {
      const c = decoded.claimed;
      // A damaged event that names another probe is that probe's business, not a fault of this pipeline run.
      if (c?.probe !== undefined && c.probe !== input.probe) {
        otherProbe++;
        continue;
      }
      corrupt++;
      const id =
        c?.run !== undefined && c.partition !== undefined && c.seq !== undefined ? eventId({ run: c.run, partition: c.partition, seq: c.seq }) : undefined;
      if (id !== undefined && c?.run === input.runId) corruptIds.add(id);
      problems.add({ status: 'corrupt', ...at, eventId: id, detail: decoded.reason });
    } else if (decoded.event.probe !== input.probe) {
      otherProbe++;
    } else if (decoded.event.run !== input.runId) {
      const id = eventId(decoded.event);
      const where = locationKey(record.partition, record.offset);
      const seenAt = earlierAt.get(id) ?? lateAt.get(id);
      if (seenAt === where) continue; // the same record read again (a consumer re-positioned): not a copy
      if (seenAt !== undefined) {
        redelivered++;
        problems.add({ status: 'duplicated', ...at, eventId: id, detail: `copy of an event first read at ${seenAt}` });
        continue;
      }
      if (isOtherWriter(input, decoded.event, pendingById.has(id))) {
        otherWriter++;
        // One line per foreign run is enough to name the clash; its every event would only repeat it.
        if (!otherWriterRuns.has(decoded.event.run)) {
          otherWriterRuns.add(decoded.event.run);
          problems.add({
            status: 'other_writer',
            ...at,
            eventId: id,
            detail: `written by another process that also uses the probe name "${input.probe}" (its run ${decoded.event.run}); give each probe its own name, or their events and metrics mix`,
          });
        }
        continue;
      }
      late++;
      lateAt.set(id, where);
      lateArrivals.push({ eventId: id, ...at });
      const pending = pendingById.get(id);
      const after = pending ? `, ${roundMs(record.arrivedAt - pending.sentAt)} ms after it was sent` : '';
      problems.add({
        status: 'late',
        ...at,
        eventId: id,
        detail: `read after its run's deadline${after} (sent at ${new Date(decoded.event.wallAt).toISOString()})`,
      });
    } else {
      arrivals.push({ event: decoded.event, record });
    }
  }
  return { arrivals, corruptIds, corrupt, foreign, late, otherProbe, otherWriter, redelivered, lateIds: new Set(lateAt.keys()), lateArrivals };
}

/** Not ours: a run this process never sent, written after it started (an older one may be a predecessor's). */
function isOtherWriter(input: ReconcileInput, event: CanaryEvent, pending: boolean): boolean {
  const w = input.writer;
  return w !== undefined && !pending && !w.ownRuns.has(event.run) && event.wallAt >= w.startedWallMs;
}

function countOutOfOrder(firstArrivals: readonly Arrival[], problems: ProblemList): number {
  const byPartition = new Map<number, Arrival[]>();
  for (const a of firstArrivals) {
    const list = byPartition.get(a.record.partition) ?? [];
    list.push(a);
    byPartition.set(a.record.partition, list);
  }
  let outOfOrder = 0;
  for (const list of byPartition.values()) {
    list.sort((a, b) => compareOffsets(a.record.offset, b.record.offset));
    let highestSeq = -1;
    for (const a of list) {
      if (a.event.seq < highestSeq) {
        outOfOrder++;
        problems.add({
          status: 'out_of_order',
          partition: a.record.partition,
          offset: a.record.offset,
          eventId: eventId(a.event),
          detail: `seq ${a.event.seq} after seq ${highestSeq}`,
        });
      }
      highestSeq = Math.max(highestSeq, a.event.seq);
    }
  }
  return outOfOrder;
}

function outcomeOf(counts: Counts, errors: number): Outcome {
  const bad = counts.lost + counts.overdue + counts.corrupt + counts.produceErrors + counts.duplicated + counts.outOfOrder + errors;
  return bad > 0 || counts.received < counts.sent ? 'degraded' : 'healthy';
}

/** Each event's first arrival; a copy of an event already read (at another offset) is a duplicate. */
function firstArrivals(arrivals: readonly Arrival[], redelivered: number, problems: ProblemList): { first: Map<string, Arrival>; duplicated: number } {
  const first = new Map<string, Arrival>();
  let duplicated = redelivered;
  for (const arrival of arrivals) {
    const id = eventId(arrival.event);
    const earlier = first.get(id);
    if (earlier) {
      duplicated++;
      problems.add({
        status: 'duplicated',
        partition: arrival.record.partition,
        offset: arrival.record.offset,
        eventId: id,
        detail: `first seen at offset ${earlier.record.offset}`,
      });
    } else {
      first.set(id, arrival);
    }
  }
  return { first, duplicated };
}

/** What this run's own events measured: produce and end-to-end latency (overall and by leader broker), and the events still unread. */
interface SentFigures {
  readonly endToEnd: number[];
  readonly produce: number[];
  readonly e2eByBroker: Record<string, number[]>;
  readonly produceByBroker: Record<string, number[]>;
  readonly acknowledged: number;
  readonly produceErrors: number;
  readonly overdue: number;
  readonly arrived: number;
  readonly pending: PendingEvent[];
}

function measureSent(
  input: ReconcileInput,
  sentById: ReadonlyMap<string, SentRecord>,
  first: ReadonlyMap<string, Arrival>,
  corruptIds: ReadonlySet<string>,
  problems: ProblemList,
): SentFigures {
  const f = {
    endToEnd: [] as number[],
    produce: [] as number[],
    e2eByBroker: {} as Record<string, number[]>,
    produceByBroker: {} as Record<string, number[]>,
    pending: [] as PendingEvent[],
  };
  const counts = { acknowledged: 0, produceErrors: 0, overdue: 0, arrived: 0 };
  for (const [id, s] of sentById) {
    const broker = input.leaders[s.partition];
    if (s.ackedAt !== undefined) {
      counts.acknowledged++;
      f.produce.push(s.ackedAt - s.sentAt);
      if (broker !== undefined) appendTo(f.produceByBroker, broker, s.ackedAt - s.sentAt);
    } else {
      counts.produceErrors++;
      problems.add({
        status: 'send_failed',
        partition: s.partition,
        eventId: id,
        detail: s.error ? `${s.error.type}: ${s.error.message}` : 'no acknowledgement',
      });
    }
    const arrival = first.get(id);
    if (arrival) {
      counts.arrived++;
      const latency = arrival.record.arrivedAt - s.sentAt;
      f.endToEnd.push(latency);
      if (broker !== undefined) appendTo(f.e2eByBroker, broker, latency);
    } else if (s.ackedAt !== undefined && !corruptIds.has(id)) {
      counts.overdue++;
      f.pending.push({ eventId: id, partition: s.partition, offset: s.offset, sentAt: s.sentAt });
      problems.add({
        status: 'overdue',
        partition: s.partition,
        offset: s.offset,
        eventId: id,
        detail: 'acknowledged but not read back before the deadline; lost if still unread at the end of the next run',
      });
    }
  }
  return { ...f, ...counts };
}

/**
 * The earlier runs' overdue events, judged: lost when the reader got past them or the log no longer holds
 * them; still pending (appended to `pending`) when nothing tells yet; late ones were read and are not here.
 */
function confirmPending(input: ReconcileInput, lateIds: ReadonlySet<string>, pending: PendingEvent[], problems: ProblemList): number {
  let lost = 0;
  const readUpTo = highestOffsetRead(input.received);
  for (const p of input.pending ?? []) {
    if (lateIds.has(p.eventId)) continue;
    const evidence = lossEvidence(p, readUpTo.get(p.partition), input.logStartOffsets?.[p.partition]);
    if (evidence === undefined) {
      // The reader never got past it: unread, not lost. It stays pending until a run can tell.
      pending.push(p);
      problems.add({
        status: 'overdue',
        partition: p.partition,
        offset: p.offset,
        eventId: p.eventId,
        detail: 'still unread, and nothing was read past it yet: not confirmed lost',
      });
      continue;
    }
    lost++;
    problems.add({
      status: 'lost',
      partition: p.partition,
      offset: p.offset,
      eventId: p.eventId,
      detail: `acknowledged, and still unread at the end of the run after its own: ${evidence}`,
    });
  }
  if (pending.length > MAX_PENDING) pending.splice(0, pending.length - MAX_PENDING);
  return lost;
}

/** Each broker's partitions and latencies, in broker order. */
function brokerReports(input: ReconcileInput, f: SentFigures): BrokerReport[] {
  return [...leaderOf(input.brokers, input.leaders).entries()]
    .sort(([a], [b]) => a - b)
    .map(([brokerId, partitions]) => ({
      brokerId,
      leaderOf: partitions,
      endToEnd: summarize(f.e2eByBroker[brokerId] ?? []),
      produce: summarize(f.produceByBroker[brokerId] ?? []),
    }));
}

/** A run's report from what it sent and read: arrivals, this run's events, the earlier runs' overdue events, per broker. */
export function reconcile(input: ReconcileInput): RunReport {
  const problems = new ProblemList(input.maxProblems ?? DEFAULT_MAX_PROBLEMS);
  const sentById = new Map(input.sent.map((s) => [eventId({ run: input.runId, partition: s.partition, seq: s.seq }), s]));
  const received = classifyReceived(input, problems);
  const { first, duplicated } = firstArrivals(received.arrivals, received.redelivered, problems);
  const outOfOrder = countOutOfOrder([...first.values()], problems);
  const f = measureSent(input, sentById, first, received.corruptIds, problems);
  const lost = confirmPending(input, received.lateIds, f.pending, problems);
  const counts: Counts = {
    partitions: Object.keys(input.leaders).length,
    sent: sentById.size,
    acknowledged: f.acknowledged,
    produceErrors: f.produceErrors,
    received: f.arrived,
    overdue: f.overdue,
    lost,
    duplicated,
    outOfOrder,
    corrupt: received.corrupt,
    foreign: received.foreign,
    late: received.late,
    otherProbe: received.otherProbe,
    otherWriter: received.otherWriter,
  };
  const errors = aggregateErrors([...input.sent.flatMap((s) => (s.error ? [s.error] : [])), ...input.errors]);

  return {
    probe: input.probe,
    runId: input.runId,
    topic: input.topic,
    startedAt: input.startedAt,
    outcome: outcomeOf(counts, input.errors.length),
    measured: true,
    warm: input.warm,
    timings: input.timings,
    counts,
    availability: { produce: percent(f.acknowledged, counts.sent), endToEnd: percent(f.arrived, counts.sent) },
    latency: { endToEnd: summarize(f.endToEnd), produce: summarize(f.produce) },
    samples: { endToEnd: f.endToEnd, produce: f.produce, endToEndByBroker: f.e2eByBroker },
    brokers: brokerReports(input, f),
    brokersWithoutCanaryLeader: brokersWithoutLeader(input.brokers, input.leaders),
    brokersMissing: brokersMissing(input),
    problems: problems.items,
    problemsOmitted: problems.omitted,
    errors: errors.errors,
    errorsOmitted: errors.omitted,
    slowestBrokerMs: slowestBrokerMedian(f.e2eByBroker),
    arrivals: [
      ...[...first.values()].map((a) => ({ eventId: eventId(a.event), partition: a.record.partition, offset: a.record.offset })),
      ...received.lateArrivals,
    ],
    pending: f.pending,
  };
}

/** The median of each leader broker's samples, then the highest of those: one slow broker shows, one outlier does not. */
export function slowestBrokerMedian(byBroker: Readonly<Record<string, readonly number[]>>): number | undefined {
  const medians = Object.values(byBroker)
    .filter((s) => s.length > 0)
    .map((s) =>
      percentile(
        [...s].sort((a, b) => a - b),
        50,
      ),
    );
  return medians.length ? roundMs(Math.max(...medians)) : undefined;
}

const ZERO_COUNTS: Counts = {
  partitions: 0,
  sent: 0,
  acknowledged: 0,
  produceErrors: 0,
  received: 0,
  overdue: 0,
  lost: 0,
  duplicated: 0,
  outOfOrder: 0,
  corrupt: 0,
  foreign: 0,
  late: 0,
  otherProbe: 0,
  otherWriter: 0,
};

/**
 * Brokers the cluster should have that its metadata did not list. Unknown (0) when the run read no metadata:
 * a run that could not connect says nothing about which brokers are there.
 */
function brokersMissing(context: RunContext): number {
  return context.brokers.length === 0 ? 0 : Math.max(0, (context.expectedBrokers ?? 0) - context.brokers.length);
}

/** The report of a run that failed before it could measure: availability 0, the error says why. */
export function failedReport(context: RunContext, errors: readonly ErrorInfo[]): RunReport {
  const folded = aggregateErrors(errors);
  return {
    probe: context.probe,
    runId: context.runId,
    topic: context.topic,
    startedAt: context.startedAt,
    outcome: 'failed',
    measured: false,
    warm: context.warm,
    timings: context.timings,
    counts: { ...ZERO_COUNTS, partitions: Object.keys(context.leaders).length },
    availability: { produce: 0, endToEnd: 0 },
    latency: {},
    samples: { endToEnd: [], produce: [], endToEndByBroker: {} },
    brokers: [],
    brokersWithoutCanaryLeader: brokersWithoutLeader(context.brokers, context.leaders),
    brokersMissing: brokersMissing(context),
    problems: [],
    problemsOmitted: 0,
    errors: folded.errors,
    errorsOmitted: folded.omitted,
    arrivals: [],
    pending: [],
  };
}
