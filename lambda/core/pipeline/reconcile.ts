/**
 * Reconciles a pipeline canary run: what was sent to the input topic, what came out of the output topic,
 * and the canaries still in flight from earlier runs. Pure, so every verdict is testable without Kafka.
 *
 * A canary is due `deadlineMs` after it was sent. Outputs seen in the run that sent it: on time. Seen
 * in a later run before the deadline: late (a slow pipeline, with its true latency). Not all seen by the
 * deadline: lost. More than expected: duplicated. For a canary the application must filter out (0 outputs
 * expected), any output is unexpected and silence until the deadline is the success.
 * Times are wall-clock milliseconds of the one process that both writes the input and reads the output.
 */
import { sentAtOf } from './canary-id';

export interface InFlightCanary {
  readonly id: string;
  readonly runId: string;
  readonly sentAtMs: number;
  readonly arrivals: readonly number[];
  /** Sent by the process before this one (found again in the input topic after a restart). */
  readonly inherited?: boolean;
  /** Per arrival: read already by the process before this one (below the group's committed position). */
  readonly seenBefore?: readonly boolean[];
}

export interface PipelineOutput {
  /** The canary id found in the record, if any. */
  readonly id: string | undefined;
  readonly arrivedAtMs: number;
  /**
   * Below the output group's committed position when this process started: the process before it read
   * this output already. (Record timestamps cannot tell: stream applications copy the input's.)
   */
  readonly seenBefore?: boolean;
  readonly partition: number;
  readonly offset: string;
}

export interface PipelineSent {
  readonly id: string;
  readonly sentAtMs: number;
  readonly acknowledged: boolean;
  readonly error?: string;
}

export type PipelineProblemStatus = 'lost' | 'late' | 'duplicated' | 'unexpected' | 'send_failed' | 'after_deadline' | 'unknown';

export interface PipelineProblem {
  readonly status: PipelineProblemStatus;
  readonly canaryId?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly detail: string;
}

export interface PipelineRunInput {
  readonly pipeline: string;
  readonly runId: string;
  readonly nowMs: number;
  readonly deadlineMs: number;
  /** Outputs each canary must produce: 1, N (fan-out), or 0 (the application must filter it out). */
  readonly expectOutputs: number;
  readonly sent: readonly PipelineSent[];
  readonly outputs: readonly PipelineOutput[];
  readonly inFlight: readonly InFlightCanary[];
  /** Canaries already concluded (id -> verdict), kept a while to classify what comes after. */
  readonly concluded: ReadonlyMap<string, 'complete' | 'lost' | 'filtered'>;
  /** When this process started: older canaries it does not know were sent by a predecessor. */
  readonly processStartMs: number;
}

export interface PipelineCounts {
  sent: number;
  acknowledged: number;
  sendFailed: number;
  onTime: number;
  late: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  filtered: number;
  afterDeadline: number;
  unknown: number;
  inFlight: number;
}

export interface PipelineRunResult {
  readonly counts: PipelineCounts;
  /** Latency (send to the last expected output) of the canaries completed in this run. */
  readonly latencies: number[];
  /** Concluded well / concluded, in percent; undefined when nothing concluded this run. */
  readonly availability: number | undefined;
  readonly problems: PipelineProblem[];
  readonly inFlight: InFlightCanary[];
  readonly concluded: Map<string, 'complete' | 'lost' | 'filtered'>;
}

const CONCLUDED_KEPT = 10_000;

export function reconcilePipeline(input: PipelineRunInput): PipelineRunResult {
  const counts: PipelineCounts = {
    sent: input.sent.length, acknowledged: 0, sendFailed: 0, onTime: 0, late: 0, lost: 0, duplicated: 0,
    unexpected: 0, filtered: 0, afterDeadline: 0, unknown: 0, inFlight: 0,
  };
  const problems: PipelineProblem[] = [];
  const concluded = new Map(input.concluded);
  const tracked = new Map<string, { canary: InFlightCanary; arrivals: number[]; seenBefore: boolean[] }>();
  for (const c of input.inFlight) tracked.set(c.id, { canary: c, arrivals: [...c.arrivals], seenBefore: [...(c.seenBefore ?? [])] });
  for (const s of input.sent) {
    if (s.acknowledged) {
      counts.acknowledged++;
      tracked.set(s.id, { canary: { id: s.id, runId: input.runId, sentAtMs: s.sentAtMs, arrivals: [] }, arrivals: [], seenBefore: [] });
    } else {
      counts.sendFailed++;
      problems.push({ status: 'send_failed', canaryId: s.id, detail: s.error ?? 'not acknowledged by the input topic' });
    }
  }

  for (const out of input.outputs) {
    if (out.id === undefined) continue; // not a canary: the pipeline's own traffic
    const at = { canaryId: out.id, partition: out.partition, offset: out.offset };
    const t = tracked.get(out.id);
    if (t) {
      t.arrivals.push(out.arrivedAtMs);
      t.seenBefore.push(out.seenBefore === true);
      continue;
    }
    const verdict = concluded.get(out.id);
    if (verdict === 'lost') {
      counts.afterDeadline++;
      problems.push({ status: 'after_deadline', ...at, detail: `arrived ${out.arrivedAtMs - (sentAtOf(out.id) ?? out.arrivedAtMs)} ms after it was sent, past its ${input.deadlineMs} ms deadline (already reported lost)` });
    } else if (verdict === 'complete') {
      counts.duplicated++;
      problems.push({ status: 'duplicated', ...at, detail: 'an output beyond the expected count, after the canary completed' });
    } else if (verdict === 'filtered') {
      counts.unexpected++;
      problems.push({ status: 'unexpected', ...at, detail: 'an output of a canary the application should have filtered out' });
    } else if ((sentAtOf(out.id) ?? 0) < input.processStartMs - input.deadlineMs) {
      // Older than anything a restart looks back for: the predecessor concluded it. Nothing to say.
    } else if ((sentAtOf(out.id) ?? 0) < input.processStartMs) {
      // Sent by a predecessor (a Lambda before a cold start): it was due, but nobody here knows how many.
      counts.unknown++;
      problems.push({ status: 'unknown', ...at, detail: 'a canary sent before this process started; counted, not judged' });
    } else {
      counts.unexpected++;
      problems.push({ status: 'unexpected', ...at, detail: 'a canary id this process never sent (another probe on the same pipeline?)' });
    }
  }

  const latencies: number[] = [];
  const inFlight: InFlightCanary[] = [];
  let good = 0, bad = 0;
  for (const { canary, arrivals, seenBefore } of tracked.values()) {
    const due = canary.sentAtMs + input.deadlineMs;
    // A predecessor's canary whose outputs the predecessor read already: it judged it. Concluded without
    // a second count.
    if (canary.inherited && arrivals.length >= Math.max(1, input.expectOutputs) && seenBefore.every(Boolean)) {
      concluded.set(canary.id, 'complete');
      continue;
    }
    const sameRun = canary.runId === input.runId;
    if (input.expectOutputs === 0) {
      if (arrivals.length > 0) {
        counts.unexpected += arrivals.length;
        bad++;
        concluded.set(canary.id, 'filtered');
        problems.push({ status: 'unexpected', canaryId: canary.id, detail: `${arrivals.length} output(s) of a canary the application should have filtered out` });
      } else if (input.nowMs >= due) {
        counts.filtered++;
        good++;
        concluded.set(canary.id, 'filtered');
      } else {
        inFlight.push({ ...canary, arrivals, seenBefore });
      }
      continue;
    }
    const ordered = [...arrivals].sort((a, b) => a - b);
    const inTime = ordered.filter((a) => a <= due);
    if (inTime.length >= input.expectOutputs) {
      const completedAt = inTime[input.expectOutputs - 1]!;
      latencies.push(completedAt - canary.sentAtMs);
      const extra = ordered.length - input.expectOutputs;
      if (extra > 0) {
        counts.duplicated += extra;
        problems.push({ status: 'duplicated', canaryId: canary.id, detail: `${ordered.length} outputs, ${input.expectOutputs} expected` });
      }
      if (sameRun) counts.onTime++;
      else {
        counts.late++;
        problems.push({ status: 'late', canaryId: canary.id, detail: `completed ${Math.round(completedAt - canary.sentAtMs)} ms after it was sent, after its own run ended (deadline ${input.deadlineMs} ms)` });
      }
      good++;
      concluded.set(canary.id, 'complete');
    } else if (input.nowMs >= due) {
      counts.lost++;
      bad++;
      concluded.set(canary.id, 'lost');
      problems.push({ status: 'lost', canaryId: canary.id, detail: `${inTime.length} of ${input.expectOutputs} output(s) within its ${input.deadlineMs} ms deadline` });
    } else {
      inFlight.push({ ...canary, arrivals: ordered, seenBefore });
    }
  }
  counts.inFlight = inFlight.length;
  while (concluded.size > CONCLUDED_KEPT) concluded.delete(concluded.keys().next().value!);
  return {
    counts, latencies, problems, inFlight, concluded,
    availability: good + bad === 0 ? undefined : (100 * good) / (good + bad),
  };
}
