/** Bounds any promise by an absolute deadline on the monotonic clock, so a run always ends in time. */
export class DeadlineError extends Error {
  constructor(what: string, budgetMs: number) {
    super(`${what} did not finish in the ${Math.max(0, Math.round(budgetMs))} ms the run had left`);
    this.name = 'DeadlineError';
  }
}

export const monotonicNow = (): number => performance.now();

export function remainingMs(deadlineAt: number): number {
  return deadlineAt - monotonicNow();
}

export function withDeadline<T>(work: Promise<T>, deadlineAt: number, what: string): Promise<T> {
  const budget = remainingMs(deadlineAt);
  // The abandoned promise may still reject later: swallow that here, the caller already has its answer.
  work.catch(() => {});
  if (budget <= 0) return Promise.reject(new DeadlineError(what, budget));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, budget)), budget);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Retries work that failed with an error Kafka calls retriable (a leader election, a coordinator still
 * loading) until it succeeds or the deadline comes; anything else fails at once.
 */
export async function retryWithin<T>(work: () => Promise<T>, deadlineAt: number, what: string, minLeftMs = 500): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withDeadline(work(), deadlineAt, what);
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      // Out of time, the Kafka error says more than "deadline": it is what the operator must fix.
      const pause = Math.min(100 * 2 ** attempt, 1000);
      if (!retriable || error instanceof DeadlineError || remainingMs(deadlineAt) - pause < minLeftMs) throw error;
      await sleep(pause);
    }
  }
}
