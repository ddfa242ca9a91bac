/**
 * One probe run: prepare, send, receive, reconcile. Never throws: whatever happens ends in a run report.
 */
import { randomBytes } from 'node:crypto';
import type { ProbeConfig } from './config';
import { eventId } from './core/event';
import { failedReport, reconcile, type ReconcileInput, type RunContext } from './core/reconcile';
import { toErrorInfo } from './core/redact';
import type { EventLocation, PendingEvent, RunPhase, RunReport, Timings } from './core/report';
import { roundMs } from './core/stats';
import { monotonicNow } from './adapters/deadline';
import type { KafkaProbeSession, PreparedRun } from './adapters/kafka/session';

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

const roundTimings = (t: Timings): Timings => ({ connectMs: roundMs(t.connectMs), prepareMs: roundMs(t.prepareMs), runMs: roundMs(t.runMs) });

export interface RunOptions {
  /** Monotonic ms by which measuring must stop; reporting happens after it. */
  readonly deadlineAt: number;
  readonly runId: string;
  /** Where the previous run read its events (a copy elsewhere is a duplicate). */
  readonly arrivedEarlier?: readonly EventLocation[];
  /** The previous runs' overdue events, confirmed late or lost by this run. */
  readonly pending?: readonly PendingEvent[];
  /** The runs this process sent and when it started: tells another writer of the same probe name apart. */
  readonly writer?: ReconcileInput['writer'];
}

export async function runProbe(
  session: KafkaProbeSession,
  config: ProbeConfig,
  secrets: readonly string[],
  options: RunOptions,
): Promise<RunReport> {
  const start = monotonicNow();
  const base = {
    probe: config.probeName,
    runId: options.runId,
    topic: config.topic,
    startedAt: new Date().toISOString(),
  };
  let phase: RunPhase = 'connect';
  let prepared: PreparedRun;
  try {
    prepared = await session.prepare(options.deadlineAt, (p) => (phase = p), options.pending ?? []);
  } catch (error) {
    const { warm, connectMs, prepareMs } = session.progress;
    const context: RunContext = {
      ...base, warm, leaders: {}, brokers: [],
      timings: roundTimings({ connectMs, prepareMs, runMs: monotonicNow() - start }),
    };
    void session.reset();
    return failedReport(context, [toErrorInfo(error, phase, secrets)]);
  }

  const { sent, errors: sendErrors } = await session.send(base.runId, prepared, options.deadlineAt);
  const context: RunContext = {
    ...base,
    warm: prepared.warm,
    leaders: prepared.leaders,
    brokers: prepared.brokers,
    expectedBrokers: prepared.expectedBrokers,
    timings: roundTimings({ connectMs: prepared.connectMs, prepareMs: prepared.prepareMs, runMs: monotonicNow() - start }),
  };
  // Nothing sent (preparing took the whole budget): nothing was measured, and nothing is called lost.
  if (sent.length === 0) return failedReport(context, sendErrors);
  const expected = new Set(sent.filter((s) => s.ackedAt !== undefined).map((s) => eventId({ run: base.runId, ...s })));
  const pendingPartitions = [...new Set((options.pending ?? []).map((p) => p.partition))];
  const received = await session.receive(expected, options.deadlineAt, pendingPartitions);
  return reconcile({
    ...context,
    timings: roundTimings({ connectMs: prepared.connectMs, prepareMs: prepared.prepareMs, runMs: monotonicNow() - start }),
    sent,
    received: received.records,
    errors: [...sendErrors, ...received.errors],
    arrivedEarlier: options.arrivedEarlier,
    pending: options.pending,
    logStartOffsets: received.logStartOffsets,
    writer: options.writer,
  });
}
