import { describe, expect, it } from 'vitest';
import { DeadlineError, monotonicNow, retryWithin, withDeadline } from '../../lambda/adapters/deadline';

const retriable = (message: string) => Object.assign(new Error(message), { retriable: true });

describe('deadlines', () => {
  it('a deadline error says how long the work had', async () => {
    const never = new Promise<never>(() => {});
    await expect(withDeadline(never, monotonicNow() + 50, 'joining')).rejects.toThrow(/^joining did not finish in the (4\d|50) ms the run had left$/);
  });

  it('retries a retriable Kafka error until the work succeeds', async () => {
    let calls = 0;
    const result = await retryWithin(
      async () => {
        if (++calls < 3) throw retriable('There is no leader for this topic-partition');
        return 'offsets';
      },
      monotonicNow() + 5000,
      'reading offsets',
    );
    expect([result, calls]).toEqual(['offsets', 3]);
  });

  it('fails at once on an error that is not retriable', async () => {
    let calls = 0;
    await expect(
      retryWithin(
        async () => {
          calls++;
          throw new Error('authorization failed');
        },
        monotonicNow() + 5000,
        'reading offsets',
      ),
    ).rejects.toThrow('authorization failed');
    expect(calls).toBe(1);
  });

  it('gives up with the last error when the deadline is near, never after it', async () => {
    const started = monotonicNow();
    await expect(
      retryWithin(
        async () => {
          throw retriable('still electing');
        },
        started + 800,
        'reading offsets',
      ),
    ).rejects.toThrow(/still electing|did not finish/);
    expect(monotonicNow() - started).toBeLessThan(900);
  });

  it('the deadline bounds a hanging attempt', async () => {
    await expect(retryWithin(() => new Promise<never>(() => {}), monotonicNow() + 100, 'hanging')).rejects.toBeInstanceOf(DeadlineError);
  });
});
