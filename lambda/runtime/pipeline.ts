/**
 * The pipeline canary: canaries into the input topic, the output topic read for them, verdicts by
 * reconcilePipeline. Canaries in flight are carried from run to run in this process, and from process to
 * process (a Lambda after a cold start, a CLI restarted) in the output group's commit: where the output was
 * read to, and the canaries then in flight. A new process judges exactly those, and those its predecessor
 * sent after its last commit (found again in the input topic); every other canary of a predecessor was
 * judged by it, and an output of one is counted `unknown`, never judged twice.
 */

import { monotonicNow } from '../adapters/deadline';
import { mentionsUnknownTopic, type OutputArrival, PipelineSession } from '../adapters/kafka/pipeline/session';
import type { ProbeLogger } from '../adapters/logger';
import type { PipelineConfig } from '../config/pipeline';
import type { RunBudget } from '../core/budget';
import type { ErrorInfo } from '../core/check-report';
import { newCanaryId, sentAtOf } from '../core/pipeline/canary-id';
import { type CarryOver, encodeCarryOver } from '../core/pipeline/carry-over';
import { anyCanaryId, extractId, ruleText, whyNoMatch } from '../core/pipeline/match';
import { type InFlightCanary, noCanaries, type PipelineOutput, type PipelineProblem, reconcilePipeline } from '../core/pipeline/reconcile';
import type { PipelineReport } from '../core/pipeline/report';
import { renderCanary } from '../core/pipeline/template';
import { toErrorInfo } from '../core/redact';
import { roundMs, summarize } from '../core/stats';
import { type Check, type CredentialsProvider, newRunId, timeoutBudget } from './check-runtime';

const COMMIT_RESERVE_MS = 1000;

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
  /** The match rule has found an id of this process's canaries in an output: it works. */
  private ruleFound = false;

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
    try {
      await this.session.prepare(budget.measureBy);
      if (!this.recovered) await this.recoverPredecessorCanaries(this.session.carriedOver, budget.measureBy);
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
    // Reading stops early enough for the commit after it: a run that waits for a canary to its end (one in
    // flight) must still hand that canary over, or a restart would not know it.
    const readBy = budget.measureBy - Math.min(COMMIT_RESERVE_MS, (budget.measureBy - monotonicNow()) / 5);
    await this.session.waitUntil(expecting ? (arrived) => this.allComplete(waiting, arrived) : undefined, readBy);
    const outputs = this.matchOutputs(this.session.take(), new Set([...waiting, ...this.concluded.keys()]));
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
    await this.commit(budget.measureBy);
    const c = result.counts;
    // An output after its deadline was already reported lost: it is news, not a second failure.
    const bad = c.lost + c.unexpected + c.duplicated + c.sendFailed;
    const errors = this.misconfigurations(results, result.problems);
    return {
      ...base,
      outcome: errors.length ? 'failed' : bad > 0 ? 'degraded' : 'healthy',
      counts: c,
      latency: summarize(result.latencies),
      latencySamples: result.latencies.map(roundMs),
      availability: result.availability,
      problems: result.problems,
      errors,
      runMs: roundMs(monotonicNow() - started),
    };
  }

  /**
   * The canary id in each output, by the match rule. Canary ids where the rule does not look say the rule
   * is wrong only while it has found none of `ours`: once it has, they are an application's other records
   * (a word count's other words carry the canary's headers), not a mistake.
   */
  private matchOutputs(arrived: readonly OutputArrival[], ours: ReadonlySet<string>): PipelineOutput[] {
    const ids = arrived.map((o) => extractId(this.config.match, o));
    if (ids.some((id) => id !== undefined && ours.has(id))) this.ruleFound = true;
    return arrived.map((o, i) => {
      const id = ids[i];
      const elsewhere = id === undefined && !this.ruleFound ? anyCanaryId(o) : undefined;
      const unmatched = elsewhere === undefined ? undefined : { id: elsewhere, reason: whyNoMatch(this.config.match, o) };
      return { id, unmatched, arrivedAtMs: o.arrivedAtMs, arrivedBefore: o.arrivedBefore, partition: o.partition, offset: o.offset };
    });
  }

  /**
   * Commits where the output was read to, with the canaries still in flight: what the next process needs
   * to judge them if this one is recycled. A refusal is logged; the run goes on.
   */
  private async commit(deadlineAt: number): Promise<void> {
    const inFlight = this.inFlight.map((c) => ({ id: c.id, arrivals: c.arrivals.map((a) => a.at) }));
    const metadata = encodeCarryOver({ committedAtMs: Date.now(), inFlight }, this.session.outputPartitions);
    const error = await this.session.commit(deadlineAt, metadata);
    if (error)
      this.logger.warn(`could not commit where the output was read to: ${error.message}`, {
        event: 'pipeline_warning',
        pipeline: this.config.pipelineName,
        errorType: error.type,
      });
  }

  /**
   * Once per process: the canaries its predecessor left unjudged are tracked again, so one that never
   * comes out is still reported lost after a restart, and one that did is not. Those in flight at its last
   * commit are in the commit; those it sent after are read from the input topic by offset, in no group
   * (when that fails the run goes on without them). Nothing is recovered when the commit carries no state.
   */
  private async recoverPredecessorCanaries(carried: CarryOver | undefined, deadlineAt: number): Promise<void> {
    this.recovered = true;
    if (!carried) return;
    const track = (id: string, arrivals: readonly number[]) => {
      const sentAtMs = sentAtOf(id);
      if (sentAtMs === undefined || this.concluded.has(id) || this.inFlight.some((c) => c.id === id)) return false;
      this.inFlight.push({ id, runId: 'predecessor', sentAtMs, arrivals: arrivals.map((at) => ({ at })) });
      return true;
    };
    const fromCommit = carried.inFlight.filter((c) => track(c.id, c.arrivals)).length;
    let fromInput = 0;
    try {
      // Sent after the commit, and not so long ago that the predecessor must have judged it by now.
      const since = Math.max(carried.committedAtMs, Date.now() - this.config.deadlineMs - this.config.runTimeoutMs);
      const sent = await this.session.recoverSent(since, deadlineAt);
      fromInput = sent.filter((s) => track(s.id, [])).length;
    } catch (error) {
      this.logger.warn(`could not read the previous process's canaries: ${(error as Error).message}`, {
        event: 'pipeline_warning',
        pipeline: this.config.pipelineName,
      });
    }
    if (fromCommit + fromInput)
      this.logger.info(`${fromCommit + fromInput} canaries of a previous process are tracked again`, {
        event: 'pipeline_recovered',
        pipeline: this.config.pipelineName,
        canaries: fromCommit + fromInput,
        inFlightAtItsLastCommit: fromCommit,
        sentAfterIt: fromInput,
      });
  }

  /**
   * Settings that cannot work, named by the flag or variable that gave them: a run that cannot measure
   * fails (the check pages as failing), and never reads as data loss.
   */
  private misconfigurations(sends: ReadonlyArray<{ error?: string }>, problems: readonly PipelineProblem[]): ErrorInfo[] {
    const errors: ErrorInfo[] = [];
    const { names } = this.config;
    if (sends.some((s) => mentionsUnknownTopic(s.error ?? '')))
      errors.push({
        phase: 'topic',
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
        message: `the input topic "${this.config.inputTopic}" (${names.inputTopic}) does not exist on ${this.config.inputBrokers.join(',')}`,
      });
    const unmatched = problems.filter((p) => p.status === 'unmatched');
    if (unmatched.length)
      errors.push({
        phase: 'config',
        type: 'MatchRuleMismatch',
        message: `${unmatched.length} output(s) of canaries came out, but the match rule "${ruleText(this.config.match)}" (${names.match}) found no id in them: ${unmatched[0]!.detail.replace(/^.*: /, '')} (partition ${unmatched[0]!.partition}, offset ${unmatched[0]!.offset})`,
      });
    return errors;
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
