/**
 * The pipeline canary: canaries into the input topic, the output topic read for them, verdicts by
 * reconcilePipeline. Canaries in flight are carried from run to run in this process; a new process (a Lambda
 * after a cold start) resumes reading at the output group's committed position (committed by this check each
 * run, without a member), and canaries its
 * predecessor sent are recognised by the send time their ids carry and counted as `unknown`, not judged.
 */

import { monotonicNow } from '../adapters/deadline';
import { type OutputArrival, PipelineSession } from '../adapters/kafka/pipeline/session';
import type { ProbeLogger } from '../adapters/logger';
import type { PipelineConfig } from '../config/pipeline';
import type { RunBudget } from '../core/budget';
import type { ErrorInfo } from '../core/check-report';
import { newCanaryId } from '../core/pipeline/canary-id';
import { extractId } from '../core/pipeline/match';
import { type InFlightCanary, noCanaries, reconcilePipeline } from '../core/pipeline/reconcile';
import type { PipelineReport } from '../core/pipeline/report';
import { renderCanary } from '../core/pipeline/template';
import { toErrorInfo } from '../core/redact';
import { roundMs, summarize } from '../core/stats';
import { type Check, type CredentialsProvider, newRunId, timeoutBudget } from './check-runtime';

export interface PipelineOptions {
  readonly config: PipelineConfig;
  readonly logger: ProbeLogger;
  /** SCRAM credentials from Secrets Manager, per side (the Lambda's); the CLI passes passwords in the config. */
  readonly credentials?: { readonly input?: CredentialsProvider; readonly output?: CredentialsProvider };
}

export class PipelineCheck implements Check<'pipeline'> {
  readonly kind = 'pipeline';
  readonly session: PipelineSession;
  readonly budget: Check<'pipeline'>['budget'];
  private readonly config: PipelineConfig;
  private readonly logger: ProbeLogger;
  private inFlight: InFlightCanary[] = [];
  private concluded = new Map<string, 'complete' | 'lost' | 'filtered'>();
  private readonly processStartMs = Date.now();
  private recovered = false;

  constructor(options: PipelineOptions) {
    this.config = options.config;
    this.logger = options.logger;
    this.budget = timeoutBudget(options.config.runTimeoutMs);
    this.session = new PipelineSession(options.config, options.credentials);
  }

  async measure(budget: RunBudget): Promise<PipelineReport> {
    const started = monotonicNow();
    const runId = newRunId();
    const base = { pipeline: this.config.pipelineName, runId, startedAt: new Date().toISOString() };
    const lookBackToMs = this.recovered ? undefined : Date.now() - this.config.deadlineMs;
    try {
      await this.session.prepare(budget.measureBy, lookBackToMs);
      if (lookBackToMs !== undefined) await this.recoverPredecessorCanaries(lookBackToMs, budget.measureBy);
    } catch (error) {
      void this.session.reset();
      return this.failed(base, [toErrorInfo(error, 'connect')], started);
    }
    const canaries = Array.from({ length: this.config.canariesPerRun }, () => {
      const sentAtMs = Date.now();
      const id = newCanaryId(sentAtMs);
      return {
        id,
        sentAtMs,
        ...renderCanary(
          { value: this.config.valueTemplate, key: this.config.keyTemplate, headers: this.config.headers },
          { id, sentAtMs, pipeline: this.config.pipelineName },
        ),
      };
    });
    const results = await this.session.send(canaries, budget.measureBy);
    const sent = canaries.map((c, i) => ({ id: c.id, sentAtMs: c.sentAtMs, acknowledged: results[i]!.error === undefined, error: results[i]!.error }));
    const waiting = new Set([...this.inFlight.map((c) => c.id), ...sent.filter((s) => s.acknowledged).map((s) => s.id)]);
    // Expecting outputs: read until they are all in. Expecting none (a filtered canary) or waiting for
    // none: read what the output holds now, so an output that should not exist is still seen.
    const expecting = this.config.expectOutputs > 0 && waiting.size > 0;
    await this.session.waitUntil(expecting ? (arrived) => this.allComplete(waiting, arrived) : undefined, budget.measureBy);
    const commitError = await this.session.commit(budget.measureBy);
    if (commitError)
      this.logger.warn(`could not commit where the output was read to: ${commitError.message}`, {
        event: 'pipeline_warning',
        pipeline: this.config.pipelineName,
        errorType: commitError.type,
      });
    const outputs = this.session
      .take()
      .map((o) => ({ id: extractId(this.config.match, o), arrivedAtMs: o.arrivedAtMs, seenBefore: o.seenBefore, partition: o.partition, offset: o.offset }));
    const result = reconcilePipeline({
      pipeline: this.config.pipelineName,
      runId,
      nowMs: Date.now(),
      deadlineMs: this.config.deadlineMs,
      expectOutputs: this.config.expectOutputs,
      sent,
      outputs,
      inFlight: this.inFlight,
      concluded: this.concluded,
      processStartMs: this.processStartMs,
    });
    this.inFlight = result.inFlight;
    this.concluded = result.concluded;
    const c = result.counts;
    // An output after its deadline was already reported lost: it is news, not a second failure.
    const bad = c.lost + c.unexpected + c.duplicated + c.sendFailed;
    return {
      ...base,
      outcome: bad > 0 ? 'degraded' : 'healthy',
      counts: c,
      latency: summarize(result.latencies),
      latencySamples: result.latencies.map(roundMs),
      availability: result.availability,
      problems: result.problems,
      errors: [],
      runMs: roundMs(monotonicNow() - started),
    };
  }

  /**
   * Once per process: the canaries a predecessor sent within the deadline are found again in the input
   * topic and tracked as in flight, so one that never comes out is still reported lost after a restart.
   * They are read by offset, in no group; when that fails the run goes on without them.
   */
  private async recoverPredecessorCanaries(sinceMs: number, deadlineAt: number): Promise<void> {
    this.recovered = true;
    try {
      const sent = await this.session.recoverSent(sinceMs, deadlineAt);
      const known = new Set(this.inFlight.map((c) => c.id));
      for (const s of sent) {
        if (known.has(s.id) || this.concluded.has(s.id)) continue;
        this.inFlight.push({ id: s.id, runId: 'predecessor', sentAtMs: s.sentAtMs, arrivals: [], inherited: true });
      }
      if (sent.length)
        this.logger.info(`${sent.length} canaries of a previous process are tracked again`, {
          event: 'pipeline_recovered',
          pipeline: this.config.pipelineName,
          canaries: sent.length,
        });
    } catch (error) {
      this.logger.warn(`could not read the previous process's canaries: ${(error as Error).message}`, {
        event: 'pipeline_warning',
        pipeline: this.config.pipelineName,
      });
    }
  }

  /** Every canary in `ids` has its expected outputs among what arrived. */
  private allComplete(ids: ReadonlySet<string>, arrived: readonly OutputArrival[]): boolean {
    const seen = new Map<string, number>();
    for (const o of arrived) {
      const id = extractId(this.config.match, o);
      if (id !== undefined && ids.has(id)) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    const have = (id: string) => (seen.get(id) ?? 0) + (this.inFlight.find((c) => c.id === id)?.arrivals.length ?? 0);
    return [...ids].every((id) => have(id) >= this.config.expectOutputs);
  }

  private failed(base: Pick<PipelineReport, 'pipeline' | 'runId' | 'startedAt'>, errors: ErrorInfo[], started: number): PipelineReport {
    const counts = noCanaries(this.inFlight.length);
    return { ...base, outcome: 'failed', counts, latencySamples: [], availability: 0, problems: [], errors, runMs: roundMs(monotonicNow() - started) };
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
