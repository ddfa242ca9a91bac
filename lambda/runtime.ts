/**
 * The composition root shared by the Lambda handler and the CLI: one Kafka session (reused while warm),
 * the logger, and the sinks that receive every run report.
 */
import { secretsOf, type ProbeConfig } from './config';
import { planBudget } from './core/budget';
import { OutcomeHistory } from './core/outcome-history';
import type { EventLocation, PendingEvent, RunReport } from './core/report';
import { monotonicNow } from './adapters/deadline';
import { KafkaProbeSession } from './adapters/kafka/session';
import type { ResolvedCredentials } from './adapters/kafka/client-options';
import type { ProbeLogger } from './adapters/logger';
import { newRunId, runProbe } from './probe';

const OWN_RUNS_KEPT = 100;

/** Anything that takes a finished run report: the metrics publisher, a terminal printer. */
export interface ReportSink {
  publish(report: RunReport, reportBy: number): Promise<void>;
}

export interface RuntimeOptions {
  readonly config: ProbeConfig;
  readonly logger: ProbeLogger;
  readonly sinks?: readonly ReportSink[];
  /** Resolves SASL credentials at connect time (Secrets Manager in the Lambda). */
  readonly credentials?: () => Promise<ResolvedCredentials | undefined>;
  /** Another session class (tests inject faults through a subclass). */
  readonly sessionClass?: typeof KafkaProbeSession;
}

export class ProbeRuntime {
  readonly session: KafkaProbeSession;
  private readonly secrets: string[];
  private arrivedLastRun: readonly EventLocation[] = [];
  private pending: readonly PendingEvent[] = [];
  private readonly outcomes = new OutcomeHistory();
  /** Run ids this process sent lately (enough to outlast any event still in flight) and when it started. */
  private readonly ownRuns = new Set<string>();
  private readonly startedWallMs = Date.now();

  constructor(private readonly options: RuntimeOptions) {
    this.secrets = secretsOf(options.config);
    const credentials = options.credentials
      ? async () => {
          const resolved = await options.credentials!();
          // Resolved again on every reconnect: remember each password once.
          if (resolved && !this.secrets.includes(resolved.password)) {
            this.secrets.push(resolved.password);
            options.logger.addSecrets([resolved.password]);
          }
          return resolved;
        }
      : undefined;
    this.session = new (options.sessionClass ?? KafkaProbeSession)(options.config, options.logger, this.secrets, credentials);
  }

  /** Runs the probe once within the budget, logs the report and hands it to every sink. */
  async runOnce(lambdaRemainingMs?: number): Promise<RunReport> {
    const budget = planBudget(monotonicNow(), this.options.config.runTimeoutMs, lambdaRemainingMs);
    const runId = newRunId();
    this.rememberRun(runId);
    const measured = await runProbe(this.session, this.options.config, this.secrets, {
      deadlineAt: budget.measureBy,
      runId,
      arrivedEarlier: this.arrivedLastRun,
      pending: this.pending,
      writer: { ownRuns: this.ownRuns, startedWallMs: this.startedWallMs },
    });
    // A run that could not read confirms nothing: overdue events stay pending until one can.
    if (measured.measured) {
      this.arrivedLastRun = measured.arrivals;
      this.pending = measured.pending;
    }
    const report: RunReport = { ...measured, recentOutcomeChanges: this.outcomes.record(measured.outcome) };
    this.options.logger.logRun(report);
    await Promise.all((this.options.sinks ?? []).map((sink) => sink.publish(report, budget.reportBy)));
    return report;
  }

  private rememberRun(runId: string): void {
    this.ownRuns.add(runId);
    if (this.ownRuns.size > OWN_RUNS_KEPT) this.ownRuns.delete(this.ownRuns.values().next().value!);
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
