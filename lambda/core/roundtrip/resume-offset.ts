/**
 * Where a newly positioned consumer starts reading a partition. Normally at the end (the high-water mark),
 * so only this run's events are read; but where earlier events are still overdue, at the oldest of them,
 * so a replaced consumer can still confirm them late instead of calling them lost. Never below the log
 * start (those records are gone) and never past the end.
 */
import type { PendingEvent } from './report';

export function resumeOffset(partition: number, pending: readonly PendingEvent[], low: string, high: string): string {
  let oldest: bigint | undefined;
  for (const p of pending) {
    if (p.partition !== partition || p.offset === undefined) continue;
    const offset = BigInt(p.offset);
    if (oldest === undefined || offset < oldest) oldest = offset;
  }
  if (oldest === undefined || oldest >= BigInt(high)) return high;
  return (oldest > BigInt(low) ? oldest : BigInt(low)).toString();
}
