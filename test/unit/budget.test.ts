import { describe, expect, it } from 'vitest';
import { LAMBDA_SAFETY_MS, planBudget } from '../../lambda/core/budget';
import { parseDuration } from '../../lambda/core/duration';

describe('run budget', () => {
  it('keeps a quarter (0.5 to 5 s) for reporting, inside the configured timeout', () => {
    expect(planBudget(1000, 20_000)).toEqual({ measureBy: 1000 + 15_000, reportBy: 1000 + 19_900 });
    expect(planBudget(0, 2000)).toEqual({ measureBy: 1500, reportBy: 1900 });
    expect(planBudget(0, 60_000).measureBy).toBe(55_000);
  });

  it('is capped by the Lambda remaining time minus a safety margin', () => {
    const b = planBudget(0, 20_000, 8000);
    expect(b.reportBy).toBeLessThanOrEqual(8000 - LAMBDA_SAFETY_MS);
    expect(b.measureBy).toBe(8000 - LAMBDA_SAFETY_MS - 1750);
  });

  it('never plans in the past', () => {
    expect(planBudget(100, 20_000, 500)).toEqual({ measureBy: 100, reportBy: 100 });
  });
});

describe('durations', () => {
  it('parses units', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('42')).toBeUndefined(); // a unit is required: 5 is not obviously 5 ms
    expect(parseDuration('ten seconds')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
  });
});
