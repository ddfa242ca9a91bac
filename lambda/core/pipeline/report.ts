/** The report of one pipeline canary run: plain data for the logger, the metrics and the terminal. */
import type { ErrorInfo } from '../check-report';
import type { LatencyStats } from '../stats';
import type { PipelineCounts, PipelineProblem } from './reconcile';

export interface PipelineReport {
  readonly pipeline: string;
  readonly runId: string;
  readonly startedAt: string;
  readonly outcome: 'healthy' | 'degraded' | 'failed';
  readonly counts: PipelineCounts;
  readonly latency?: LatencyStats;
  readonly latencySamples: readonly number[];
  readonly availability?: number;
  readonly problems: readonly PipelineProblem[];
  readonly errors: readonly ErrorInfo[];
  readonly runMs: number;
}
