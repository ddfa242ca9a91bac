/**
 * One load test, start to finish: the load within its budget, its report (compared with a baseline when
 * given), never thrown: a load that could not start is a report with outcome "failed" and the reason.
 */
import { randomBytes } from 'node:crypto';
import { KafkaLoadSession } from '../adapters/kafka/load/session';
import type { ProbeLogger } from '../adapters/logger';
import type { LoadConfig } from '../config/load';
import type { RunBudget } from '../core/budget';
import { compareWithBaseline } from '../core/load/baseline';
import { type LoadReport, type LoadTarget, loadReport } from '../core/load/report';
import type { LoadTally } from '../core/load/tally';
import { toErrorInfo } from '../core/redact';
import type { Check, CredentialsProvider } from './check-runtime';

/** Time kept after the load and its drain for logging and publishing. */
export const LOAD_REPORTING_MS = 3000;
/** Connecting, making the topic and joining the group: a load never needs more before it starts. */
const LOAD_PREPARE_MS = 60_000;

export interface LoadOptions {
  readonly config: LoadConfig;
  readonly logger: ProbeLogger;
  readonly credentials?: CredentialsProvider;
  /** Asked between records: true ends the load early (Ctrl-C). */
  readonly stopping?: () => boolean;
  /** Called when records start to flow, with the live tally (progress lines). */
  readonly onStart?: (tally: LoadTally) => void;
  /** A saved report to compare with, and the change in percent that is still noise. */
  readonly baseline?: { readonly report: LoadReport; readonly tolerancePct: number };
}

export function loadTarget(config: LoadConfig, partitions: number): LoadTarget {
  return {
    recordsPerSecond: config.recordsPerSecond,
    durationMs: config.durationMs,
    messageBytes: config.messageBytes,
    keys: config.keys,
    partitions,
    acks: config.acks,
    compression: config.compression,
  };
}

export class LoadCheck implements Check<'load'> {
  readonly kind = 'load';

  constructor(private readonly options: LoadOptions) {}

  /** Prepare, load and drain, unless the Lambda's time runs out first; then a few seconds to report. */
  budget(startedAt: number, lambdaRemainingMs?: number): RunBudget {
    const natural = startedAt + LOAD_PREPARE_MS + this.options.config.durationMs + this.options.config.drainMs;
    if (lambdaRemainingMs === undefined) return { measureBy: natural, reportBy: Number.POSITIVE_INFINITY, reportingMs: LOAD_REPORTING_MS };
    const deadlineAt = startedAt + lambdaRemainingMs - 1000;
    return { measureBy: Math.min(natural, deadlineAt - LOAD_REPORTING_MS), reportBy: deadlineAt };
  }

  async measure(budget: RunBudget): Promise<LoadReport> {
    const { config, logger } = this.options;
    const startedAt = new Date().toISOString();
    let report: LoadReport;
    try {
      const credentials = await this.options.credentials?.();
      const run = await new KafkaLoadSession(config, logger, credentials).run({
        deadlineAt: budget.measureBy,
        stopping: this.options.stopping,
        onStart: this.options.onStart,
      });
      report = loadReport(
        {
          loadTest: config.loadTest,
          loadId: run.loadId,
          topic: config.topic,
          startedAt,
          target: loadTarget(config, run.partitions),
          timings: run.timings,
        },
        run.tally,
      );
    } catch (error) {
      report = failedLoad(config, startedAt, error);
    }
    const baseline = this.options.baseline;
    if (!baseline) return report;
    const changes = compareWithBaseline(report, baseline.report, baseline.tolerancePct);
    return { ...report, baseline: { changes, regressions: changes.filter((c) => c.worse).length } };
  }

  /** Nothing stays open between loads. */
  async close(): Promise<void> {}
}

function failedLoad(config: LoadConfig, startedAt: string, error: unknown): LoadReport {
  const info = toErrorInfo(error, 'connect');
  const none = { count: 0, avg: null, p50: null, p95: null, p99: null, p999: null, max: null };
  return {
    loadTest: config.loadTest,
    loadId: randomBytes(8).toString('hex'),
    topic: config.topic,
    startedAt,
    outcome: 'failed',
    reasons: [`the load could not start: ${info.message}`],
    target: loadTarget(config, 0),
    counts: {
      intended: 0,
      sent: 0,
      unsent: 0,
      acked: 0,
      failed: 0,
      outcomeUnknown: 0,
      writtenAfterFailure: 0,
      received: 0,
      lost: 0,
      unaccounted: 0,
      duplicated: 0,
      outOfOrder: 0,
      foreign: 0,
    },
    throughput: { produceRecordsPerSecond: 0, produceMBPerSecond: 0, consumeRecordsPerSecond: 0, consumeMBPerSecond: 0 },
    latency: { endToEnd: none, produce: none, sendDelay: none },
    errorRate: 0,
    errors: { [info.type ?? 'Error']: 1 },
    seconds: [],
    timings: { prepareMs: 0, loadMs: 0, drainMs: 0 },
    error: info.message,
    errorStack: info.stack,
  };
}
