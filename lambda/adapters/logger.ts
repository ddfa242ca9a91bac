/**
 * Structured JSON logs through Powertools Logger: one summary line per run, one line per problem event and
 * one per error. Everything passes through redaction first: no secret reaches a log line.
 */
import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AnyCheckReport } from '../core/check-report';
import { redact, scrubSecrets } from '../core/redact';
import { logLinesOf } from '../core/serializers';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

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

  /** Every known secret scrubbed from the texts of a value (a report, before anyone sees it). */
  scrub<T>(value: T): T {
    return scrubSecrets(value, this.secrets);
  }

  /** A check's report: its summary line, one line per problem, one per error. */
  logReport(report: AnyCheckReport): void {
    for (const line of logLinesOf(report)) this[line.level](line.message, line.fields);
  }
}
