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

/** Counts of a run that judged nothing yet, with `inFlight` canaries carried over. */
export function noCanaries(inFlight: number): PipelineCounts {
  return {
    sent: 0,
    acknowledged: 0,
    sendFailed: 0,
    onTime: 0,
    late: 0,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
    filtered: 0,
    afterDeadline: 0,
    unknown: 0,
    inFlight,
  };
}

/** What a run's verdicts go into; each phase adds to it. */
interface Verdicts {
  readonly counts: PipelineCounts;
  readonly problems: PipelineProblem[];
  readonly concluded: Map<string, 'complete' | 'lost' | 'filtered'>;
}

interface Tracked {
  readonly canary: InFlightCanary;
  readonly arrivals: number[];
  readonly seenBefore: boolean[];
}

/** The canaries this run judges: those still in flight, and this run's acknowledged ones. */
function trackCanaries(input: PipelineRunInput, v: Verdicts): Map<string, Tracked> {
  const tracked = new Map<string, Tracked>();
  for (const c of input.inFlight) tracked.set(c.id, { canary: c, arrivals: [...c.arrivals], seenBefore: [...(c.seenBefore ?? [])] });
  for (const s of input.sent) {
    if (s.acknowledged) {
      v.counts.acknowledged++;
      tracked.set(s.id, { canary: { id: s.id, runId: input.runId, sentAtMs: s.sentAtMs, arrivals: [] }, arrivals: [], seenBefore: [] });
    } else {
      v.counts.sendFailed++;
      v.problems.push({ status: 'send_failed', canaryId: s.id, detail: s.error ?? 'not acknowledged by the input topic' });
    }
  }
  return tracked;
}

/** Each output to its canary; an output of a canary no longer tracked says something about that canary. */
function attributeOutputs(input: PipelineRunInput, tracked: ReadonlyMap<string, Tracked>, v: Verdicts): void {
  for (const out of input.outputs) {
    if (out.id === undefined) continue; // not a canary: the pipeline's own traffic
    const t = tracked.get(out.id);
    if (t) {
      t.arrivals.push(out.arrivedAtMs);
      t.seenBefore.push(out.seenBefore === true);
      continue;
    }
    untrackedOutput(input, { ...out, id: out.id }, v);
  }
}

function untrackedOutput(input: PipelineRunInput, out: PipelineOutput & { id: string }, v: Verdicts): void {
  const at = { canaryId: out.id, partition: out.partition, offset: out.offset };
  const verdict = v.concluded.get(out.id);
  if (verdict === 'lost') {
    v.counts.afterDeadline++;
    v.problems.push({
      status: 'after_deadline',
      ...at,
      detail: `arrived ${out.arrivedAtMs - (sentAtOf(out.id) ?? out.arrivedAtMs)} ms after it was sent, past its ${input.deadlineMs} ms deadline (already reported lost)`,
    });
  } else if (verdict === 'complete') {
    v.counts.duplicated++;
    v.problems.push({ status: 'duplicated', ...at, detail: 'an output beyond the expected count, after the canary completed' });
  } else if (verdict === 'filtered') {
    v.counts.unexpected++;
    v.problems.push({ status: 'unexpected', ...at, detail: 'an output of a canary the application should have filtered out' });
  } else if ((sentAtOf(out.id) ?? 0) < input.processStartMs - input.deadlineMs) {
    // Older than anything a restart looks back for: the predecessor concluded it. Nothing to say.
  } else if ((sentAtOf(out.id) ?? 0) < input.processStartMs) {
    // Sent by a predecessor (a Lambda before a cold start): it was due, but nobody here knows how many.
    v.counts.unknown++;
    v.problems.push({ status: 'unknown', ...at, detail: 'a canary sent before this process started; counted, not judged' });
  } else {
    v.counts.unexpected++;
    v.problems.push({ status: 'unexpected', ...at, detail: 'a canary id this process never sent (another probe on the same pipeline?)' });
  }
}

/** How one tracked canary ends this run: concluded well or badly, or still in flight. */
type Judged = { readonly good: true; readonly latency?: number } | { readonly good: false } | { readonly inFlight: InFlightCanary } | undefined;

/** A canary the application must filter out: any output is unexpected, silence until its deadline is the success. */
function judgeFiltered(input: PipelineRunInput, t: Tracked, v: Verdicts): Judged {
  const { canary, arrivals, seenBefore } = t;
  if (arrivals.length > 0) {
    v.counts.unexpected += arrivals.length;
    v.concluded.set(canary.id, 'filtered');
    v.problems.push({ status: 'unexpected', canaryId: canary.id, detail: `${arrivals.length} output(s) of a canary the application should have filtered out` });
    return { good: false };
  }
  if (input.nowMs >= canary.sentAtMs + input.deadlineMs) {
    v.counts.filtered++;
    v.concluded.set(canary.id, 'filtered');
    return { good: true };
  }
  return { inFlight: { ...canary, arrivals, seenBefore } };
}

/** A canary with outputs expected: complete (on time or late, duplicated beyond the count), lost at its deadline, or in flight. */
function judgeExpected(input: PipelineRunInput, t: Tracked, v: Verdicts): Judged {
  const { canary, arrivals, seenBefore } = t;
  const due = canary.sentAtMs + input.deadlineMs;
  const ordered = [...arrivals].sort((a, b) => a - b);
  const inTime = ordered.filter((a) => a <= due);
  if (inTime.length >= input.expectOutputs) {
    const completedAt = inTime[input.expectOutputs - 1]!;
    const extra = ordered.length - input.expectOutputs;
    if (extra > 0) {
      v.counts.duplicated += extra;
      v.problems.push({ status: 'duplicated', canaryId: canary.id, detail: `${ordered.length} outputs, ${input.expectOutputs} expected` });
    }
    if (canary.runId === input.runId) v.counts.onTime++;
    else {
      v.counts.late++;
      v.problems.push({
        status: 'late',
        canaryId: canary.id,
        detail: `completed ${Math.round(completedAt - canary.sentAtMs)} ms after it was sent, after its own run ended (deadline ${input.deadlineMs} ms)`,
      });
    }
    v.concluded.set(canary.id, 'complete');
    return { good: true, latency: completedAt - canary.sentAtMs };
  }
  if (input.nowMs >= due) {
    v.counts.lost++;
    v.concluded.set(canary.id, 'lost');
    v.problems.push({
      status: 'lost',
      canaryId: canary.id,
      detail: `${inTime.length} of ${input.expectOutputs} output(s) within its ${input.deadlineMs} ms deadline`,
    });
    return { good: false };
  }
  return { inFlight: { ...canary, arrivals: ordered, seenBefore } };
}

function judge(input: PipelineRunInput, t: Tracked, v: Verdicts): Judged {
  // A predecessor's canary whose outputs the predecessor read already: it judged it. Concluded without
  // a second count.
  if (t.canary.inherited && t.arrivals.length >= Math.max(1, input.expectOutputs) && t.seenBefore.every(Boolean)) {
    v.concluded.set(t.canary.id, 'complete');
    return undefined;
  }
  return input.expectOutputs === 0 ? judgeFiltered(input, t, v) : judgeExpected(input, t, v);
}

/** One run of a pipeline canary judged: this run's canaries and those in flight, against what came out. */
export function reconcilePipeline(input: PipelineRunInput): PipelineRunResult {
  const v: Verdicts = {
    counts: { ...noCanaries(0), sent: input.sent.length },
    problems: [],
    concluded: new Map(input.concluded),
  };
  const tracked = trackCanaries(input, v);
  attributeOutputs(input, tracked, v);
  const latencies: number[] = [];
  const inFlight: InFlightCanary[] = [];
  let good = 0,
    bad = 0;
  for (const t of tracked.values()) {
    const judged = judge(input, t, v);
    if (judged === undefined) continue;
    if ('inFlight' in judged) inFlight.push(judged.inFlight);
    else if (judged.good) {
      good++;
      if (judged.latency !== undefined) latencies.push(judged.latency);
    } else bad++;
  }
  v.counts.inFlight = inFlight.length;
  while (v.concluded.size > CONCLUDED_KEPT) v.concluded.delete(v.concluded.keys().next().value!);
  return {
    counts: v.counts,
    latencies,
    problems: v.problems,
    inFlight,
    concluded: v.concluded,
    availability: good + bad === 0 ? undefined : (100 * good) / (good + bad),
  };
}
