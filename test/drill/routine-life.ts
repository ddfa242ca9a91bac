/**
 * A month of ordinary production life for the round trip, one run a minute, from the drill's real runs:
 * single benign non-healthy runs at up to two an hour, in any hour (a late event: its overdue run and the run that reads
 * it late; or one failed run), a Lambda cold start every 30 to 60 minutes (3 s slower, and a new container
 * with no memory), and once a week a rolling restart of 3 brokers, 4 to 8 minutes apart, each costing 1 or
 * 2 degraded runs. Nothing in it should page. Seeded, so a seed always gives the same month.
 */
import type { RunReport } from '../../lambda/core/roundtrip/report';
import { checkReport } from '../../lambda/core/serializers';
import type { Minute, ReportPools, Scenario } from './scenarios';

export const MONTH_MINUTES = 30 * 24 * 60;
export const ROUTINE_SEEDS = 20;

/** A seeded generator (a linear congruential one), so the random scenarios give the same table every time. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

type Slot = 'healthy' | 'failed' | 'overdue' | 'lateRead';

/** The round trip's routine month: which kind of run each minute holds, and the minutes of cold starts. */
export function routineMonthPlan(seed: number, minutes = MONTH_MINUTES): { slots: Slot[]; coldStarts: Set<number> } {
  const random = seeded(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const slots: Slot[] = Array<Slot>(minutes).fill('healthy');
  // A non-healthy run is "single" only with healthy runs on both sides.
  const free = (at: number, length: number) => {
    for (let m = at - 1; m <= at + length; m++) if (m < 0 || m >= minutes || slots[m] !== 'healthy') return false;
    return true;
  };
  // Weekly rolling restart first: each broker 1 or 2 degraded runs (events overdue, read late after).
  for (let week = 0; week * 7 * 1440 < minutes; week++) {
    let at = week * 7 * 1440 + int(0, 7 * 1440 - 60);
    for (let broker = 0; broker < 3 && at + 3 < minutes; broker++) {
      const degraded = int(1, 2);
      for (let k = 0; k < degraded; k++) slots[at + k] = 'overdue';
      slots[at + degraded] = 'lateRead';
      at += int(4, 8);
    }
  }
  // Up to two single blips an hour, each a failed run or a late event: in any 60 minutes, never three.
  const blips: number[] = [];
  const fitsRate = (at: number) => {
    for (let w = at - 59; w <= at; w++) if (blips.filter((b) => b >= w && b <= w + 59).length >= 2) return false;
    return true;
  };
  for (let hour = 0; hour * 60 < minutes; hour++) {
    const wanted = int(0, 2);
    for (let b = 0, tries = 0; b < wanted && tries < 50; tries++) {
      const late = random() < 0.5;
      const at = hour * 60 + int(0, 58);
      if (!free(at, late ? 2 : 1) || !fitsRate(at)) continue;
      if (late) {
        slots[at] = 'overdue';
        slots[at + 1] = 'lateRead';
      } else slots[at] = 'failed';
      blips.push(at);
      b++;
    }
  }
  const coldStarts = new Set<number>();
  for (let at = int(0, 60); at < minutes; at += int(30, 60)) coldStarts.add(at);
  return { slots, coldStarts };
}

/** A run as a cold start makes it: 3 s more, not warm. */
function coldStart(r: RunReport): RunReport {
  return { ...r, warm: false, timings: { ...r.timings, connectMs: r.timings.connectMs + 3000, runMs: r.timings.runMs + 3000 } };
}

export function routineMonth(pools: ReportPools, seed: number, minutes = MONTH_MINUTES): Scenario {
  const { slots, coldStarts } = routineMonthPlan(seed, minutes);
  const pick = <T>(pool: readonly T[], i: number) => pool[i % pool.length]!;
  const report = (slot: Slot, i: number): RunReport => {
    switch (slot) {
      case 'healthy':
        return pick(pools.healthy, i);
      case 'failed':
        return pick(pools.failed, i);
      case 'overdue':
        return pools.latePair[0];
      case 'lateRead':
        return pools.latePair[1];
    }
  };
  const list: Minute[] = slots.map((slot, i) => {
    const cold = coldStarts.has(i);
    const r = report(slot, i);
    return { kind: 'report', report: checkReport('roundtrip', cold ? coldStart(r) : r), coldStart: cold };
  });
  return { name: `a month of routine life, seed ${seed}`, shouldPage: false, deployedAt: 0, minutes: list };
}

/** What a minute of a lag check's or a pipeline's routine day holds besides an ordinary run. */
export type DayMinute =
  | { kind: 'ordinary' }
  /** A run or check that failed: one of the blips of `routineMonthPlan`. */
  | { kind: 'failed' }
  /** A consumer deploy: the group empty, `minute` minutes into it. */
  | { kind: 'deploying'; minute: number }
  /** After the deploy: the backlog draining, `left` of its minutes to go. */
  | { kind: 'draining'; left: number; of: number }
  /** The hour a day the value wanders around its threshold: this minute at `share` of it. */
  | { kind: 'wandering'; share: number };

/**
 * A month of a lag check's or a pipeline canary's ordinary life: the blips of the round trip's month (up to
 * two failed runs an hour), a consumer deploy a day (its group empty 1 to 5 minutes, the backlog drained in
 * 1 to 3 more), and an hour a day in which the watched value wanders between 0.75 and 1.25 of its threshold.
 */
export function routineDays(seed: number, minutes = MONTH_MINUTES): DayMinute[] {
  const { slots } = routineMonthPlan(seed, minutes);
  const random = seeded(seed + 7919);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const days: DayMinute[] = slots.map((s) => (s === 'failed' ? { kind: 'failed' } : { kind: 'ordinary' }));
  for (let day = 0; day * 1440 < minutes; day++) {
    // The deploy in the first half of the day, the wandering hour in the second: they never overlap.
    const deployAt = day * 1440 + int(0, 600);
    const empty = int(1, 5);
    const drain = int(1, 3);
    for (let k = 0; k < empty && deployAt + k < minutes; k++) days[deployAt + k] = { kind: 'deploying', minute: k + 1 };
    for (let k = 0; k < drain && deployAt + empty + k < minutes; k++) days[deployAt + empty + k] = { kind: 'draining', left: drain - k, of: drain };
    const wanderAt = day * 1440 + 720 + int(0, 600);
    for (let k = 0; k < 60 && wanderAt + k < minutes; k++) days[wanderAt + k] = { kind: 'wandering', share: 0.75 + 0.5 * random() };
  }
  return days;
}
