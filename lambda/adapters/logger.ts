/**
 * Structured JSON logs through Powertools Logger: one summary line per run, one line per problem event and
 * one per error. Everything passes through redaction first: no secret reaches a log line.
 */
import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';
import { redact } from '../core/redact';
import { errorCount } from '../core/errors';
import type { ErrorInfo, RunReport } from '../core/report';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export function runSummary(report: RunReport): Record<string, unknown> {
  return {
    event: 'run_summary',
    probe: report.probe,
    runId: report.runId,
    topic: report.topic,
    startedAt: report.startedAt,
    outcome: report.outcome,
    measured: report.measured,
    warm: report.warm,
    timings: report.timings,
    counts: report.counts,
    availability: report.availability,
    latency: report.latency,
    brokers: report.brokers,
    brokersWithoutCanaryLeader: report.brokersWithoutCanaryLeader,
    brokersMissing: report.brokersMissing,
    problemsListed: report.problems.length,
    problemsOmitted: report.problemsOmitted,
    errorCount: errorCount(report),
    errorsOmitted: report.errorsOmitted,
    slowestBrokerMs: report.slowestBrokerMs,
    recentOutcomeChanges: report.recentOutcomeChanges,
  };
}

export function errorLine(runId: string, e: ErrorInfo): Record<string, unknown> {
  return {
    event: 'run_error', runId, phase: e.phase, errorType: e.type, errorMessage: e.message, stack: e.stack,
    partition: e.partition, eventId: e.eventId, count: e.count, partitions: e.partitions,
  };
}

function oneStreamConsole(): Console {
  const c = new Console({ stdout: process.stdout, stderr: process.stdout });
  // As Powertools does: trace prints the line, not a stack.
  c.trace = (message?: unknown, ...rest: unknown[]) => c.log(message, ...rest);
  return c;
}

export class ProbeLogger {
  readonly powertools: Logger;
  private secrets: string[];

  constructor(options: { level?: LogLevel; secrets?: readonly string[]; persistentKeys?: Record<string, string> } = {}) {
    this.powertools = new Logger({ serviceName: 'streamprobe', logLevel: options.level ?? 'INFO', persistentKeys: options.persistentKeys });
    // Every JSON line on standard output, WARN and ERROR included: Powertools sends those to standard error,
    // so `streamprobe run > logs.jsonl` kept the lines that matter least. Lambda captures both the same way.
    (this.powertools as unknown as { console: Console }).console = oneStreamConsole();
    this.secrets = [...(options.secrets ?? [])];
  }

  /** Secrets learned after start-up (a password read from Secrets Manager) are scrubbed from then on. */
  addSecrets(secrets: readonly string[]): void {
    for (const secret of secrets) if (!this.secrets.includes(secret)) this.secrets.push(secret);
  }

  debug(message: string, extra: Record<string, unknown> = {}): void {
    this.powertools.debug(message, redact(extra, this.secrets));
  }

  info(message: string, extra: Record<string, unknown> = {}): void {
    this.powertools.info(message, redact(extra, this.secrets));
  }

  warn(message: string, extra: Record<string, unknown> = {}): void {
    this.powertools.warn(message, redact(extra, this.secrets));
  }

  error(message: string, extra: Record<string, unknown> = {}): void {
    this.powertools.error(message, redact(extra, this.secrets));
  }

  logRun(report: RunReport): void {
    const level = report.outcome === 'healthy' ? 'info' : report.outcome === 'degraded' ? 'warn' : 'error';
    this[level](`probe run ${report.outcome}`, runSummary(report));
    for (const problem of report.problems) {
      this.warn(`canary event ${problem.status}`, { event: 'run_problem', runId: report.runId, ...problem });
    }
    for (const e of report.errors) this.error(`${e.phase} error: ${e.message}`, errorLine(report.runId, e));
  }
}
