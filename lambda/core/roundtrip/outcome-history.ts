/**
 * The recent run outcomes of one process, as healthy or not. The number of changes between the two tells
 * intermittent failure (many changes) from a hard fault (one change down, one back up), which an alarm on
 * the last few runs alone cannot: three good runs in a row are no evidence while a third of runs fail.
 */
import { OUTCOME_HISTORY_RUNS } from '../../metrics-contract';
import type { Outcome } from './report';

export class OutcomeHistory {
  private readonly healthy: boolean[] = [];

  constructor(private readonly size: number = OUTCOME_HISTORY_RUNS) {}

  /** Records a run and returns the changes between healthy and unhealthy over the runs remembered. */
  record(outcome: Outcome): number {
    this.healthy.push(outcome === 'healthy');
    if (this.healthy.length > this.size) this.healthy.shift();
    return this.changes();
  }

  changes(): number {
    let n = 0;
    for (let i = 1; i < this.healthy.length; i++) if (this.healthy[i] !== this.healthy[i - 1]) n++;
    return n;
  }
}
