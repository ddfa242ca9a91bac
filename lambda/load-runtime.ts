/**
 * One load test, start to finish: the load within its budget, its report logged (one summary line, one
 * line per error type), published under the LoadTest dimension, and compared with a baseline when given.
 * Never throws: a load that could not start is a report with outcome "failed" and the reason.
 */
import { randomBytes } from 'node:crypto';
import { KafkaLoadSession } from './adapters/kafka/load-session';
import type { ResolvedCredentials } from './adapters/kafka/client-options';
import type { ProbeLogger } from './adapters/logger';
import { monotonicNow } from './adapters/deadline';
import { compareWithBaseline, type Change } from './core/load/baseline';
import { loadReport, type LoadReport, type LoadTarget } from './core/load/report';
import type { LoadTally } from './core/load/tally';
import { toErrorInfo } from './core/redact';
import type { LoadConfig } from './load-config';

export type { LoadConfig, LoadReport };

/** Anything that takes a finished load: the metrics publisher. */
export interface LoadSink {
  publishLoad(report: LoadReport, reportBy: number): Promise<void>;
}

/** Time kept after the load and its drain for logging and publishing. */
export const LOAD_REPORTING_MS = 3000;

export interface LoadOptions {
  /** Monotonic time the whole load, reporting included, must end by (the Lambda's remaining time). */
  readonly deadlineAt?: number;
  readonly stopping?: () => boolean;
  readonly onStart?: (tally: LoadTally) => void;
  readonly baseline?: { readonly report: LoadReport; readonly tolerancePct: number };
}

export interface LoadResult {
  readonly report: LoadReport;
  readonly changes?: readonly Change[];
}

export function loadTarget(config: LoadConfig, partitions: number): LoadTarget {
  return {
    recordsPerSecond: config.recordsPerSecond, durationMs: config.durationMs, messageBytes: config.messageBytes, keys: config.keys,
    partitions, acks: config.acks, compression: config.compression,
  };
}

export async function runLoadTest(
  config: LoadConfig,
  logger: ProbeLogger,
  sinks: readonly LoadSink[] = [],
  options: LoadOptions = {},
  credentials?: ResolvedCredentials,
): Promise<LoadResult> {
  const startedAt = new Date().toISOString();
  // Prepare, load, drain, and a margin: a load never needs more, unless the caller's deadline is sooner.
  const natural = monotonicNow() + 60_000 + config.durationMs + config.drainMs;
  const deadlineAt = Math.min(natural, (options.deadlineAt ?? natural) - LOAD_REPORTING_MS);
  let report: LoadReport;
  try {
    const run = await new KafkaLoadSession(config, logger, credentials).run({ deadlineAt, stopping: options.stopping, onStart: options.onStart });
    report = loadReport({
      loadTest: config.loadTest, loadId: run.loadId, topic: config.topic, startedAt, target: loadTarget(config, run.partitions), timings: run.timings,
    }, run.tally);
  } catch (error) {
    report = failedLoad(config, startedAt, error);
  }
  const changes = options.baseline ? compareWithBaseline(report, options.baseline.report, options.baseline.tolerancePct) : undefined;
  logLoad(logger, report, changes);
  await Promise.all(sinks.map((sink) => sink.publishLoad(report, (options.deadlineAt ?? monotonicNow() + LOAD_REPORTING_MS))));
  return { report, changes };
}

function failedLoad(config: LoadConfig, startedAt: string, error: unknown): LoadReport {
  const info = toErrorInfo(error, 'connect', []);
  const none = { count: 0, avg: null, p50: null, p95: null, p99: null, p999: null, max: null };
  return {
    loadTest: config.loadTest, loadId: randomBytes(8).toString('hex'), topic: config.topic, startedAt, outcome: 'failed',
    reasons: [`the load could not start: ${info.message}`], target: loadTarget(config, 0),
    counts: { intended: 0, sent: 0, unsent: 0, acked: 0, failed: 0, received: 0, lost: 0, unaccounted: 0, duplicated: 0, outOfOrder: 0, foreign: 0 },
    throughput: { produceRecordsPerSecond: 0, produceMBPerSecond: 0, consumeRecordsPerSecond: 0, consumeMBPerSecond: 0 },
    latency: { endToEnd: none, produce: none, sendDelay: none }, errorRate: 0, errors: { [info.type ?? 'Error']: 1 }, seconds: [],
    timings: { prepareMs: 0, loadMs: 0, drainMs: 0 }, error: info.message, errorStack: info.stack,
  };
}

function logLoad(logger: ProbeLogger, r: LoadReport, changes: readonly Change[] | undefined): void {
  const { seconds, ...summary } = r;
  const regressions = changes?.filter((c) => c.worse) ?? [];
  const line = { event: 'load_report', ...summary, seconds, ...(changes ? { baseline: { changes, regressions: regressions.length } } : {}) };
  const message = `load test ${r.loadTest} ${r.outcome}`;
  if (r.outcome === 'met' && regressions.length === 0) logger.info(message, line);
  else if (r.outcome === 'failed') logger.error(message, line);
  else logger.warn(message, line);
  if (r.error) {
    logger.error(`load test ${r.loadTest} could not start: ${r.error}`, { event: 'load_error', loadTest: r.loadTest, loadId: r.loadId, errorType: Object.keys(r.errors)[0], errorMessage: r.error, stack: r.errorStack });
    return;
  }
  for (const [type, count] of Object.entries(r.errors)) {
    logger.error(`load test ${r.loadTest}: ${count} records failed with ${type}`, { event: 'load_error', loadTest: r.loadTest, loadId: r.loadId, errorType: type, count });
  }
}
