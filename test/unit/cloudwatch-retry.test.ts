import { describe, expect, it } from 'vitest';
import { backoffMs, isRetryable } from '../../lambda/adapters/cloudwatch';

describe('CloudWatch retry policy', () => {
  it('retries throttling, server errors and network failures, not client errors', () => {
    expect(isRetryable({ name: 'Throttling' })).toBe(true);
    expect(isRetryable({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryable({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isRetryable({ name: 'Error', code: 'ECONNREFUSED' })).toBe(true);
    expect(isRetryable({ name: 'TimeoutError' })).toBe(true);
    expect(isRetryable({ name: 'AggregateError', errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }] })).toBe(true);
    expect(isRetryable({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryable({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
  });

  it('backs off exponentially with full jitter, capped at 2 s', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, () => 0.999))).toEqual([99, 199, 399, 799, 1998]);
    expect(backoffMs(5, () => 0)).toBe(0);
  });
});
