/** The report of one consumer-lag check: every group's verdict, and the partitions worth a look. */
import type { ErrorInfo } from '../check-report';
import type { GroupStatus, GroupVerdict } from './group-status';
import type { PartitionLag } from './partition-lag';

export interface GroupLagReport extends Omit<GroupVerdict, 'status'> {
  readonly group: string;
  readonly exists: boolean;
  readonly state: string;
  readonly members: number;
  readonly status: GroupStatus | 'UNKNOWN_GROUP';
  readonly partitions: readonly PartitionLag[];
  readonly checkedAt: string;
}

export type LagProblemKind = 'retention_loss' | 'time_lag_unknown' | 'lagging';

/** A partition worth a look: records lost to retention, a lag whose age could not be read, or one past the threshold. */
export interface LagProblem extends PartitionLag {
  readonly group: string;
  readonly problem: LagProblemKind;
}

/** One check of every group: failed when the cluster could not be read (then no group is judged). */
export interface LagCheckReport {
  readonly check: string;
  readonly runId: string;
  readonly checkedAt: string;
  readonly succeeded: boolean;
  /** Groups the pattern found, when a pattern is set: 0 is said, as a named group unknown to the cluster is. */
  readonly patternMatched?: number;
  readonly groups: readonly GroupLagReport[];
  readonly problems: readonly LagProblem[];
  readonly errors: readonly ErrorInfo[];
  readonly runMs: number;
  readonly partitionMetrics: boolean;
}

/** What is worth a look in a group's partitions, against the check's time-lag threshold. */
export function lagProblems(g: GroupLagReport, timeLagThresholdMs: number): LagProblem[] {
  const problems: LagProblem[] = [];
  for (const p of g.partitions) {
    const problem: LagProblemKind | undefined =
      p.retentionLost > 0n
        ? 'retention_loss'
        : p.timeLagMs === undefined && (p.offsetLag ?? 0n) > 0n
          ? 'time_lag_unknown'
          : (p.timeLagMs ?? 0) > timeLagThresholdMs
            ? 'lagging'
            : undefined;
    if (problem) problems.push({ group: g.group, problem, ...p });
  }
  return problems;
}
