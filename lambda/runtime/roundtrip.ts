/**
 * The round trip: prepare, send one event per partition, receive, reconcile. One Kafka session per process
 * (reused while warm); what a run leaves for the next (where its events were read, its overdue events,
 * this process's own run ids) lives here. Never throws: whatever happens is a report.
 */

import { monotonicNow } from '../adapters/deadline';
import { KafkaProbeSession, type PreparedRun } from '../adapters/kafka/roundtrip/session';
import type { ProbeLogger } from '../adapters/logger';
import type { ProbeConfig } from '../config/roundtrip';
import type { RunBudget } from '../core/budget';
import type { RunPhase } from '../core/check-report';
import { toErrorInfo } from '../core/redact';
import { eventId } from '../core/roundtrip/event';
import { failedReport, type ReconcileInput, type RunContext, reconcile } from '../core/roundtrip/reconcile';
import type { EventLocation, PendingEvent, RunReport, Timings } from '../core/roundtrip/report';
import { roundMs } from '../core/stats';
import { type Check, type CredentialsProvider, newRunId, timeoutBudget } from './check-runtime';

const OWN_RUNS_KEPT = 100;

const roundTimings = (t: Timings): Timings => ({ connectMs: roundMs(t.connectMs), prepareMs: roundMs(t.prepareMs), runMs: roundMs(t.runMs) });

export interface RoundTripOptions {
  readonly config: ProbeConfig;
  readonly logger: ProbeLogger;
  /** Resolves SASL credentials at connect time (Secrets Manager in the Lambda). */
  readonly credentials?: CredentialsProvider;
  /** Another session class (tests inject faults through a subclass). */
  readonly sessionClass?: typeof KafkaProbeSession;
}

/**
 * The offset commit comes after the reads, which may wait until measuring stops (events overdue): it has the
 * first half of the reporting reserve, so it is measured every run and publishing keeps the rest.
 */
function commitDeadline(budget: RunBudget): number {
  return budget.measureBy + Math.max(0, budget.reportBy - budget.measureBy) / 2;
}

export class RoundTripCheck implements Check<'roundtrip'> {
  readonly kind = 'roundtrip';
  readonly session: KafkaProbeSession;
  readonly budget: Check<'roundtrip'>['budget'];
  private readonly config: ProbeConfig;
  private arrivedLastRun: readonly EventLocation[] = [];
  private pending: readonly PendingEvent[] = [];
  /** Run ids this process sent lately (enough to outlast any event still in flight) and when it started. */
  private readonly ownRuns = new Set<string>();
  private readonly startedWallMs = Date.now();

  constructor(options: RoundTripOptions) {
    this.config = options.config;
    this.budget = timeoutBudget(options.config.runTimeoutMs);
    this.session = new (options.sessionClass ?? KafkaProbeSession)(options.config, options.logger, options.credentials);
  }

  async measure(budget: RunBudget): Promise<RunReport> {
    const runId = newRunId();
    this.rememberRun(runId);
    const measured = await this.run(runId, budget.measureBy, commitDeadline(budget));
    // A run that could not read confirms nothing: overdue events stay pending until one can.
    if (measured.measured) {
      this.arrivedLastRun = measured.arrivals;
      this.pending = measured.pending;
    }
    return measured;
  }

  private async run(runId: string, deadlineAt: number, commitBy: number): Promise<RunReport> {
    const start = monotonicNow();
    const base = { probe: this.config.probeName, runId, topic: this.config.topic, startedAt: new Date().toISOString() };
    let phase: RunPhase = 'connect';
    let prepared: PreparedRun;
    try {
      prepared = await this.session.prepare(deadlineAt, (p) => (phase = p), this.pending);
    } catch (error) {
      const { warm, connectMs, prepareMs } = this.session.progress;
      const context: RunContext = { ...base, warm, leaders: {}, brokers: [], timings: roundTimings({ connectMs, prepareMs, runMs: monotonicNow() - start }) };
      void this.session.reset();
      return failedReport(context, [toErrorInfo(error, phase)]);
    }

    const pendingPartitions = [...new Set(this.pending.map((p) => p.partition))];
    // Reading starts before the sends: a fetch already waits at each leader when an event is committed.
    const receiving = this.session.beginReceiving(deadlineAt, pendingPartitions);
    await receiving.ready;
    const { sent, errors: sendErrors } = await this.session.send(runId, prepared, deadlineAt);
    const context: RunContext = {
      ...base,
      warm: prepared.warm,
      leaders: prepared.leaders,
      brokers: prepared.brokers,
      expectedBrokers: prepared.expectedBrokers,
      timings: roundTimings({ connectMs: prepared.connectMs, prepareMs: prepared.prepareMs, runMs: monotonicNow() - start }),
    };
    // Nothing sent (preparing took the whole budget): nothing was measured, and nothing is called lost;
    // what was read is read again next run.
    if (sent.length === 0) {
      await receiving.abandon();
      return failedReport(context, sendErrors);
    }
    const expected = new Set(sent.filter((s) => s.ackedAt !== undefined).map((s) => eventId({ run: runId, ...s })));
    const received = await receiving.finish(expected);
    const writer: ReconcileInput['writer'] = { ownRuns: this.ownRuns, startedWallMs: this.startedWallMs };
    // After the reads, so a slow coordinator never delays an arrival; within the same budget.
    const offsetCommit = await this.session.commit(commitBy);
    const reconciled = reconcile({
      ...context,
      timings: roundTimings({ connectMs: prepared.connectMs, prepareMs: prepared.prepareMs, runMs: monotonicNow() - start }),
      sent,
      received: received.records,
      errors: [...sendErrors, ...received.errors],
      arrivedEarlier: this.arrivedLastRun,
      pending: this.pending,
      logStartOffsets: received.logStartOffsets,
      writer,
    });
    return { ...reconciled, offsetCommit };
  }

  private rememberRun(runId: string): void {
    this.ownRuns.add(runId);
    if (this.ownRuns.size > OWN_RUNS_KEPT) this.ownRuns.delete(this.ownRuns.values().next().value!);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
