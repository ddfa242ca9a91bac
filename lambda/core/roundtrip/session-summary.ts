/**
 * What a command-line session of repeated runs amounted to, printed when it ends (Ctrl-C included): runs by
 * outcome, and end-to-end latency percentiles over every event of the session, not an average of runs.
 */
import { summarize } from '../stats';

export interface SessionRun {
  readonly outcome: string;
  readonly samples: readonly number[];
  readonly lost: number;
}

export class SessionTally {
  private readonly outcomes = new Map<string, number>();
  private readonly samples: number[] = [];
  private lost = 0;
  private runs = 0;

  record(run: SessionRun): void {
    this.runs++;
    this.outcomes.set(run.outcome, (this.outcomes.get(run.outcome) ?? 0) + 1);
    this.samples.push(...run.samples);
    this.lost += run.lost;
  }

  /** One line, or undefined before the first run. */
  format(seconds: number): string | undefined {
    if (this.runs === 0) return undefined;
    const outcomes = [...this.outcomes].map(([o, n]) => `${n} ${o}`).join(', ');
    const s = summarize(this.samples);
    const latency = s ? `end-to-end p50 ${s.p50} ms, p99 ${s.p99} ms, max ${s.max} ms over ${s.count} events` : 'no latency measured';
    return `session: ${this.runs} run${this.runs === 1 ? '' : 's'} in ${seconds.toFixed(0)} s (${outcomes}); ${latency}; ${this.lost} lost`;
  }
}
