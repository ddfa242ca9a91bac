/**
 * The one runtime of every check, written once: plan the run's budget, let the check measure within it,
 * scrub every known secret from the report, log it, and hand it to every sink (the metrics publisher, a
 * screen printer). A check only measures; how a run is reported is the same for all four.
 */
import { randomBytes } from 'node:crypto';
import type { ReportSink } from '../adapters/cloudwatch';
import { monotonicNow } from '../adapters/deadline';
import type { ResolvedCredentials } from '../adapters/kafka/client-options';
import type { ProbeLogger } from '../adapters/logger';
import type { CheckKind } from '../contract';
import { planBudget, type RunBudget } from '../core/budget';
import type { AnyCheckReport, CheckReport, DetailsByKind } from '../core/check-report';
import { checkReport } from '../core/serializers';

export type { ReportSink };

/** SASL credentials read when a client connects (from Secrets Manager in the Lambda). */
export type CredentialsProvider = () => Promise<ResolvedCredentials | undefined>;

/** A run id: its start time in base 36 (sorts by time) and a random part. */
export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface Check<K extends CheckKind> {
  readonly kind: K;
  /** The whole run's budget, reporting included; the Lambda's remaining time caps it. */
  budget(startedAt: number, lambdaRemainingMs?: number): RunBudget;
  /** Measures once, by the budget's measureBy; never throws: a run that fails is a report that says so. */
  measure(budget: RunBudget): Promise<DetailsByKind[K]>;
  close(): Promise<void>;
}

/** The budget of a check with a run timeout: measuring stops early enough to report in time. */
export function timeoutBudget(runTimeoutMs: number): Check<CheckKind>['budget'] {
  return (startedAt, lambdaRemainingMs) => planBudget(startedAt, runTimeoutMs, lambdaRemainingMs);
}

export interface RuntimeOptions {
  readonly logger: ProbeLogger;
  readonly sinks?: readonly ReportSink[];
}

export class CheckRuntime<K extends CheckKind> {
  constructor(
    readonly check: Check<K>,
    private readonly options: RuntimeOptions,
  ) {}

  /** Runs the check once within its budget, logs the report and hands it to every sink. */
  async runOnce(lambdaRemainingMs?: number): Promise<CheckReport<K>> {
    const budget = this.check.budget(monotonicNow(), lambdaRemainingMs);
    const measured = await this.check.measure(budget);
    const report = this.options.logger.scrub(checkReport(this.check.kind, measured));
    const any = report as unknown as AnyCheckReport;
    this.options.logger.logReport(any);
    const reportBy = budget.reportingMs === undefined ? budget.reportBy : Math.min(budget.reportBy, monotonicNow() + budget.reportingMs);
    await Promise.all((this.options.sinks ?? []).map((sink) => sink.publish(any, reportBy)));
    return report;
  }

  close(): Promise<void> {
    return this.check.close();
  }
}
