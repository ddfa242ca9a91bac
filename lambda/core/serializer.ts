/**
 * What a check's pure serializer turns its report into: the envelope from what it measured, its metric
 * datums, its log lines (one summary, one per problem, one per error), its screen text, and what its Lambda
 * handler returns. One per check, in the check's own core folder; everything that writes takes these.
 */
import type { CheckKind } from '../contract';
import type { CheckReport, DetailsByKind } from './check-report';
import type { Datum, DatumOptions } from './metric-datums';

export type LineLevel = 'info' | 'warn' | 'error';

export interface LogLine {
  readonly level: LineLevel;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export interface CheckSerializer<K extends CheckKind> {
  envelope(details: DetailsByKind[K]): CheckReport<K>;
  datums(report: CheckReport<K>, options: DatumOptions): Datum[];
  logLines(report: CheckReport<K>): LogLine[];
  screen(report: CheckReport<K>): string;
  result(report: CheckReport<K>): Record<string, unknown>;
}

/** The summary line's level: info when all is well, warn when degraded, error when the run failed. */
export function levelOf(outcome: string): LineLevel {
  return outcome === 'healthy' || outcome === 'met' ? 'info' : outcome === 'failed' ? 'error' : 'warn';
}
