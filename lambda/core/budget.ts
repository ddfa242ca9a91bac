/**
 * Splits a run's time budget: measuring stops early enough that logging and publishing still finish
 * before the Lambda's own timeout.
 */
export interface RunBudget {
  /** Monotonic ms by which sending and receiving stop. */
  readonly measureBy: number;
  /** Monotonic ms by which publishing must be done. */
  readonly reportBy: number;
  /** When set, reporting also ends this long after measuring did (a run whose length is not known ahead). */
  readonly reportingMs?: number;
}

/** Time kept back from the Lambda's remaining time for the runtime itself (flushing logs, returning). */
export const LAMBDA_SAFETY_MS = 1000;

export function planBudget(nowMs: number, runTimeoutMs: number, lambdaRemainingMs?: number): RunBudget {
  const total = Math.max(0, Math.min(runTimeoutMs, lambdaRemainingMs === undefined ? Infinity : lambdaRemainingMs - LAMBDA_SAFETY_MS));
  const reserve = Math.min(5000, Math.max(500, total * 0.25));
  return { measureBy: nowMs + Math.max(0, total - reserve), reportBy: nowMs + Math.max(0, total - 100) };
}
