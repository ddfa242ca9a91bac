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

/** When one output of a canary arrived: exactly, or (`bound`) at the latest. */
export interface Arrival {
  readonly at: number;
  /**
   * It came out while no process of this pipeline was reading (before a restart): it arrived at or before
   * `at`, the moment the new process found it in the log. (Record timestamps cannot tell: stream
   * applications copy the input's.)
   */
  readonly bound?: boolean;
  /** Where the output is, when this process read it. */
  readonly partition?: number;
  readonly offset?: string;
}

export interface InFlightCanary {
  readonly id: string;
  readonly runId: string;
  readonly sentAtMs: number;
  readonly arrivals: readonly Arrival[];
  /** Its outputs so far that carry its id only where the match rule does not look. */
  readonly unmatched?: readonly PipelineOutput[];
}

export interface PipelineOutput {
  /** The canary id found in the record, if any. */
  readonly id: string | undefined;
  readonly arrivedAtMs: number;
  /** Read from the log a restart found: arrived at or before `arrivedAtMs`. */
  readonly arrivedBefore?: boolean;
  /** No id by the match rule, but this canary id elsewhere in the record (its header, say), and why not. */
  readonly unmatched?: { readonly id: string; readonly reason: string };
  readonly partition: number;
  readonly offset: string;
}

export interface PipelineSent {
  readonly id: string;
  readonly sentAtMs: number;
  readonly acknowledged: boolean;
  readonly error?: string;
}

export type PipelineProblemStatus = 'lost' | 'late' | 'duplicated' | 'unexpected' | 'send_failed' | 'after_deadline' | 'unknown' | 'unmatched';

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
  /** Canaries whose outputs came out where the match rule does not look: a misconfiguration, not a loss. */
  unmatched: number;
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
    unmatched: 0,
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
  readonly arrivals: Arrival[];
  /** Its outputs the match rule found no id in. */
  readonly unmatched: PipelineOutput[];
}

/** The canaries this run judges: those still in flight, and this run's acknowledged ones. */
function trackCanaries(input: PipelineRunInput, v: Verdicts): Map<string, Tracked> {
  const tracked = new Map<string, Tracked>();
  for (const c of input.inFlight) tracked.set(c.id, { canary: c, arrivals: [...c.arrivals], unmatched: [...(c.unmatched ?? [])] });
  for (const s of input.sent) {
    if (s.acknowledged) {
      v.counts.acknowledged++;
      tracked.set(s.id, { canary: { id: s.id, runId: input.runId, sentAtMs: s.sentAtMs, arrivals: [] }, arrivals: [], unmatched: [] });
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
    if (out.id === undefined) {
      // Not a canary (the pipeline's own traffic), or one of ours the rule cannot see.
      if (out.unmatched) tracked.get(out.unmatched.id)?.unmatched.push(out);
      continue;
    }
    const t = tracked.get(out.id);
    if (t) {
      const where = { partition: out.partition, offset: out.offset };
      t.arrivals.push(out.arrivedBefore ? { at: out.arrivedAtMs, bound: true, ...where } : { at: out.arrivedAtMs, ...where });
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
  const { canary, arrivals } = t;
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
  return { inFlight: { ...canary, arrivals } };
}

/**
 * A canary with outputs expected: complete (on time or late, duplicated beyond the count), lost at its
 * deadline, or in flight. An output found in the log after a restart arrived at some time before it was
 * found: in time if that is before the deadline, not a latency sample, and unknown if that is after.
 */
function judgeExpected(input: PipelineRunInput, t: Tracked, v: Verdicts): Judged {
  const { canary } = t;
  const due = canary.sentAtMs + input.deadlineMs;
  const ordered = [...t.arrivals].sort((a, b) => a.at - b.at);
  const inTime = ordered.filter((a) => a.at <= due);
  const perhaps = ordered.filter((a) => a.bound && a.at > due);
  if (inTime.length >= input.expectOutputs) {
    const completing = inTime[input.expectOutputs - 1]!;
    const latency = Math.round(completing.at - canary.sentAtMs);
    const extra = ordered.length - input.expectOutputs;
    if (extra > 0) {
      v.counts.duplicated += extra;
      v.problems.push({ status: 'duplicated', canaryId: canary.id, detail: `${ordered.length} outputs, ${input.expectOutputs} expected` });
    }
    if (canary.runId === input.runId && !completing.bound) v.counts.onTime++;
    else {
      v.counts.late++;
      v.problems.push({
        status: 'late',
        canaryId: canary.id,
        detail: completing.bound
          ? `completed at most ${latency} ms after it was sent, within its ${input.deadlineMs} ms deadline; it came out while no process of this pipeline was reading, so its latency is not a sample`
          : `completed ${latency} ms after it was sent, after its own run ended (deadline ${input.deadlineMs} ms)`,
      });
    }
    v.concluded.set(canary.id, 'complete');
    return completing.bound ? { good: true } : { good: true, latency: completing.at - canary.sentAtMs };
  }
  if (inTime.length + perhaps.length >= input.expectOutputs) {
    v.counts.unknown++;
    v.concluded.set(canary.id, 'complete');
    v.problems.push({
      status: 'unknown',
      canaryId: canary.id,
      detail: `came out while no process of this pipeline was reading, at most ${Math.round(perhaps.at(-1)!.at - canary.sentAtMs)} ms after it was sent: whether within its ${input.deadlineMs} ms deadline is not known`,
    });
    return undefined;
  }
  if (input.nowMs >= due && t.unmatched.length > 0) return judgeUnmatched(t, v);
  if (input.nowMs >= due) {
    v.counts.lost++;
    v.concluded.set(canary.id, 'lost');
    v.problems.push({
      status: 'lost',
      canaryId: canary.id,
      detail: `${inTime.length} of ${input.expectOutputs} output(s) within its ${input.deadlineMs} ms deadline`,
    });
    // Outputs that came in this same run, too late: "came out late" is not "never came out".
    for (const a of ordered.filter((a) => a.at > due && !a.bound)) {
      v.counts.afterDeadline++;
      v.problems.push({
        status: 'after_deadline',
        canaryId: canary.id,
        partition: a.partition,
        offset: a.offset,
        detail: `arrived ${Math.round(a.at - canary.sentAtMs)} ms after it was sent, past its ${input.deadlineMs} ms deadline (reported lost)`,
      });
    }
    return { good: false };
  }
  return { inFlight: { ...canary, arrivals: ordered, ...(t.unmatched.length ? { unmatched: t.unmatched.slice(0, 3) } : {}) } };
}

/**
 * A canary due with too few outputs the rule found, but with outputs that carry its id where the rule does
 * not look: neither delivered nor lost as far as the rule can tell. Its own verdict, so a misconfiguration
 * never reads as data loss. (Only at the deadline: an application may write other records that carry the
 * canary's headers, a word count's other words, before the one the rule finds.)
 */
function judgeUnmatched(t: Tracked, v: Verdicts): Judged {
  v.counts.unmatched++;
  v.concluded.set(t.canary.id, 'complete');
  for (const out of t.unmatched)
    v.problems.push({
      status: 'unmatched',
      canaryId: t.canary.id,
      partition: out.partition,
      offset: out.offset,
      detail: `came out, but the match rule found no id in it: ${out.unmatched!.reason}`,
    });
  return undefined;
}

function judge(input: PipelineRunInput, t: Tracked, v: Verdicts): Judged {
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
