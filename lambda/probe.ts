/**
 * One probe run: prepare, send, receive, reconcile. Never throws: whatever happens ends in a run report.
 */
import { randomBytes } from 'node:crypto';
import type { ProbeConfig } from './config';
import { eventId } from './core/event';
import { failedReport, reconcile, type RunContext } from './core/reconcile';
import { toErrorInfo } from './core/redact';
import type { RunPhase, RunReport, Timings } from './core/report';
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
  readonly runId?: string;
  /** Event ids that arrived in the previous run of this session. */
  readonly arrivedEarlier?: ReadonlySet<string>;
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
    runId: options.runId ?? newRunId(),
    topic: config.topic,
    startedAt: new Date().toISOString(),
  };
  let phase: RunPhase = 'connect';
  let prepared: PreparedRun;
  try {
    prepared = await session.prepare(options.deadlineAt, (p) => (phase = p));
  } catch (error) {
    const context: RunContext = {
      ...base, warm: false, leaders: {}, brokers: [],
      timings: roundTimings({ connectMs: 0, prepareMs: 0, runMs: monotonicNow() - start }),
    };
    void session.reset();
    return failedReport(context, [toErrorInfo(error, phase, secrets)]);
  }

  const sent = await session.send(base.runId, prepared, options.deadlineAt);
  const expected = new Set(sent.filter((s) => s.ackedAt !== undefined).map((s) => eventId({ run: base.runId, ...s })));
  const received = await session.receive(expected, options.deadlineAt);
  return reconcile({
    ...base,
    warm: prepared.warm,
    leaders: prepared.leaders,
    brokers: prepared.brokers,
    timings: roundTimings({ connectMs: prepared.connectMs, prepareMs: prepared.prepareMs, runMs: monotonicNow() - start }),
    sent,
    received: received.records,
    errors: received.errors,
    arrivedEarlier: options.arrivedEarlier,
  });
}
