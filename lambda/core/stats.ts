export interface LatencyStats {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** Nearest-rank percentile of an ascending array; q in (0, 100]. */
export function percentile(sortedAscending: readonly number[], q: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  const rank = Math.ceil((q / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1]!;
}

/** Milliseconds to the microsecond: finer than any Kafka latency, and short in logs and metrics. */
export const roundMs = (v: number): number => Math.round(v * 1000) / 1000;

/** Summary of a sample, or undefined when there is none (a summary of nothing would be a lie of zeros). */
export function summarize(samples: readonly number[]): LatencyStats | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: roundMs(sorted[0]!),
    max: roundMs(sorted[sorted.length - 1]!),
    mean: roundMs(sum / sorted.length),
    p50: roundMs(percentile(sorted, 50)),
    p90: roundMs(percentile(sorted, 90)),
    p99: roundMs(percentile(sorted, 99)),
  };
}

/** Percent of `part` in `whole`; 0 when nothing was attempted, because a probe that sent nothing saw nothing work. */
export function percent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 100_000) / 1000;
}
