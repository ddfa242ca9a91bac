import { describe, expect, it } from 'vitest';
import { SessionTally } from '../../lambda/core/roundtrip/session-summary';
import { percent, percentile, summarize } from '../../lambda/core/stats';

describe('statistics', () => {
  it('uses nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples', () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ count: 4, min: 1, max: 10, mean: 4, p50: 2, p90: 10, p99: 10 });
  });

  it('has no summary for no samples instead of zeros', () => {
    expect(summarize([])).toBeUndefined();
  });

  it('reports 0 percent availability when nothing was attempted', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(2, 3)).toBe(66.667);
    expect(percent(5, 5)).toBe(100);
  });
});

describe('session summary', () => {
  it('counts runs by outcome and takes percentiles over every event of the session', () => {
    const t = new SessionTally();
    expect(t.format(0)).toBeUndefined();
    t.record({ outcome: 'healthy', samples: [1, 2, 3], lost: 0 });
    t.record({ outcome: 'degraded', samples: [100], lost: 1 });
    t.record({ outcome: 'healthy', samples: [4], lost: 0 });
    expect(t.format(12.4)).toBe('session: 3 runs in 12 s (2 healthy, 1 degraded); end-to-end p50 3 ms, p99 100 ms, max 100 ms over 5 events; 1 lost');
  });
});
