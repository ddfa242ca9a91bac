/**
 * The drill's month of routine life is what the issue calls ordinary: checked here on every seed the drill
 * uses, so a scenario that pages no one proves something about ordinary life and nothing rarer or milder.
 */
import { describe, expect, it } from 'vitest';
import { MONTH_MINUTES, ROUTINE_SEEDS, routineMonthPlan } from '../drill/routine-life';

describe('a month of routine life', () => {
  for (let seed = 1; seed <= ROUTINE_SEEDS; seed++) {
    it(`seed ${seed}: blips single and at most two in any hour, weekly rolling restarts, cold starts every 30 to 60 minutes`, () => {
      const { slots, coldStarts } = routineMonthPlan(seed);
      expect(slots.length).toBe(MONTH_MINUTES);
      // Runs of consecutive non-healthy minutes ('lateRead' is healthy: it reads a late event).
      const bad = (m: number) => slots[m] === 'failed' || slots[m] === 'overdue';
      const stretches: Array<{ at: number; length: number }> = [];
      for (let m = 0; m < slots.length; m++) {
        if (!bad(m) || (m > 0 && bad(m - 1))) continue;
        let length = 1;
        while (bad(m + length)) length++;
        stretches.push({ at: m, length });
      }
      expect(Math.max(...stretches.map((s) => s.length))).toBeLessThanOrEqual(2);
      // At most two failed runs in any 60 minutes, and often two.
      const failed = slots.flatMap((s, m) => (s === 'failed' ? [m] : []));
      const inHour = failed.map((f) => failed.filter((g) => g >= f && g < f + 60).length);
      expect(Math.max(...inHour)).toBe(2);
      expect(inHour.filter((n) => n === 2).length).toBeGreaterThan(50);
      // Rolling restarts: 4 or 5 weeks, 3 brokers each: at least 12 two-or-one-minute stretches beyond the blips.
      expect(stretches.length).toBeGreaterThan(12);
      const colds = [...coldStarts].sort((a, b) => a - b);
      for (let i = 1; i < colds.length; i++) expect(colds[i]! - colds[i - 1]!).toBeGreaterThanOrEqual(30);
      for (let i = 1; i < colds.length; i++) expect(colds[i]! - colds[i - 1]!).toBeLessThanOrEqual(60);
    });
  }
});
