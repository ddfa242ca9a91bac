import { describe, expect, it } from 'vitest';
import { OutcomeHistory } from '../../lambda/core/roundtrip/outcome-history';

describe('outcome history', () => {
  it('a hard fault changes the outcome twice, intermittent failure many times', () => {
    const hard = new OutcomeHistory(15);
    const outcomes = ['healthy', 'failed', 'failed', 'failed', 'healthy', 'healthy'] as const;
    expect(outcomes.map((o) => hard.record(o))).toEqual([0, 1, 1, 1, 2, 2]);
    const flaky = new OutcomeHistory(15);
    for (const o of ['healthy', 'failed', 'healthy', 'degraded', 'healthy', 'failed'] as const) flaky.record(o);
    expect(flaky.changes()).toBe(5);
  });

  it('forgets runs older than its window', () => {
    const h = new OutcomeHistory(3);
    for (const o of ['failed', 'healthy', 'healthy', 'healthy'] as const) h.record(o);
    expect(h.changes()).toBe(0);
  });
});
