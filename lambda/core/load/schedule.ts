/**
 * The load's schedule: record n is due at start + n / rate, whatever happened before it. Latency is measured
 * from this intended time, not from when the record was really sent, so a stall that holds the generator
 * back counts against every record it delayed (no coordinated omission).
 */
export class LoadSchedule {
  readonly intervalMs: number;
  /** Records the whole load intends to send. */
  readonly total: number;

  constructor(
    readonly startMs: number,
    readonly recordsPerSecond: number,
    readonly durationMs: number,
  ) {
    this.intervalMs = 1000 / recordsPerSecond;
    this.total = Math.floor((durationMs / 1000) * recordsPerSecond);
  }

  intendedAt(seq: number): number {
    return this.startMs + seq * this.intervalMs;
  }

  /** How many records are due by `nowMs` (never more than the total). */
  dueBy(nowMs: number): number {
    if (nowMs < this.startMs) return 0;
    return Math.min(this.total, Math.floor((nowMs - this.startMs) / this.intervalMs) + 1);
  }

  /** Which second of the load a record belongs to, by its intended time. */
  secondOf(seq: number): number {
    return Math.floor((seq * this.intervalMs) / 1000);
  }

  get endMs(): number {
    return this.startMs + this.durationMs;
  }
}
