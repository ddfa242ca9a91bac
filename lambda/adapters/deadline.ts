/** Bounds any promise by an absolute deadline on the monotonic clock, so a run always ends in time. */
export class DeadlineError extends Error {
  constructor(what: string, budgetMs: number) {
    super(`${what} did not finish before the run deadline (${Math.max(0, Math.round(budgetMs))} ms left)`);
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
