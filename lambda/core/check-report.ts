/**
 * The one report every check ends in. What all checks share is on top: kind, name, run id, start, outcome,
 * timings, problems and errors; what only one kind measures is its `details`, as that kind has always
 * reported it (its log lines, its metrics and the load test's saved JSON are made from them). The logger,
 * the metrics publisher, the screen printer, the handlers and the alarm drill each take this one shape.
 */
import type { CheckKind } from '../contract';
import type { LagCheckReport } from './lag/report';
import type { LoadReport } from './load/report';
import type { PipelineReport } from './pipeline/report';
import type { RunReport } from './roundtrip/report';

/** Where in a run an error happened. */
export type RunPhase = 'config' | 'connect' | 'topic' | 'position' | 'join' | 'send' | 'receive' | 'commit' | 'publish';

/** One error of a run, secret-free: what failed, where, and how often. */
export interface ErrorInfo {
  readonly phase: RunPhase;
  readonly type: string;
  readonly message: string;
  readonly stack?: string;
  readonly partition?: number;
  readonly eventId?: string;
  /** How many identical errors this line stands for (one per partition of a failed request, say). */
  readonly count?: number;
  /** The partitions of the identical errors folded into this line. */
  readonly partitions?: readonly number[];
}

/** healthy, degraded or failed for the scheduled checks; met, missed or failed for a load test. */
export type CheckOutcome = 'healthy' | 'degraded' | 'failed' | 'met' | 'missed';

/** Milliseconds: the whole run, and the phases a kind has. */
export interface CheckTimings {
  readonly runMs: number;
  readonly connectMs?: number;
  readonly prepareMs?: number;
  readonly loadMs?: number;
  readonly drainMs?: number;
}

/** Each kind's details: what only that check measures. */
export interface DetailsByKind {
  readonly roundtrip: RunReport;
  readonly pipeline: PipelineReport;
  readonly lag: LagCheckReport;
  readonly load: LoadReport;
}

export interface CheckReport<K extends CheckKind = CheckKind> {
  readonly kind: K;
  /** The check's name: a probe, pipeline, lag check or load test name. */
  readonly name: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly outcome: CheckOutcome;
  readonly timings: CheckTimings;
  /** What the run found wrong, one entry per event, canary or partition. */
  readonly problems: readonly object[];
  readonly errors: readonly ErrorInfo[];
  readonly details: DetailsByKind[K];
}

/** A report of any kind; `kind` tells which. */
export type AnyCheckReport = { [K in CheckKind]: CheckReport<K> }[CheckKind];

/** Whether a report's outcome is the good one (healthy, or a load that met its target). */
export function isGood(report: Pick<CheckReport, 'outcome'>): boolean {
  return report.outcome === 'healthy' || report.outcome === 'met';
}
