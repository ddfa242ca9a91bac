/** The round trip's run report: what one run of the canary measured, per event, partition and broker. */
import type { ErrorInfo } from '../check-report';
import type { LatencyStats } from '../stats';

export type ProblemStatus = 'lost' | 'overdue' | 'duplicated' | 'out_of_order' | 'corrupt' | 'foreign' | 'late' | 'send_failed' | 'other_writer';

export interface Problem {
  readonly status: ProblemStatus;
  readonly partition: number;
  readonly offset?: string;
  readonly eventId?: string;
  readonly detail?: string;
}

export interface Counts {
  readonly partitions: number;
  /** Events the probe tried to send. */
  readonly sent: number;
  /** Events the broker acknowledged (acks=all). */
  readonly acknowledged: number;
  readonly produceErrors: number;
  /** Events of this run that arrived intact (each counted once). */
  readonly received: number;
  /** Acknowledged events of this run not read back by its deadline: lost if still unread after the next run. */
  readonly overdue: number;
  /** Acknowledged events of an earlier run confirmed lost: unread at the end of the run after their own. */
  readonly lost: number;
  /** Extra copies beyond the first. */
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly corrupt: number;
  readonly foreign: number;
  /** Events of this probe from an earlier run, read after their own run's deadline (slow, not lost). */
  readonly late: number;
  /** Valid events written by another probe sharing the topic. */
  readonly otherProbe: number;
  /**
   * Events with this probe's name from runs this process never sent, written after it started: another
   * process uses the same probe name (and publishes into the same metric series).
   */
  readonly otherWriter: number;
}

export interface BrokerReport {
  readonly brokerId: number;
  readonly leaderOf: readonly number[];
  readonly endToEnd?: LatencyStats;
  readonly produce?: LatencyStats;
}

export interface Timings {
  /** Connecting clients (0 when reused warm). */
  readonly connectMs: number;
  /** Topic check/creation plus consumer join and positioning. */
  readonly prepareMs: number;
  readonly runMs: number;
}

export type Outcome = 'healthy' | 'degraded' | 'failed';

export interface RunReport {
  readonly probe: string;
  readonly runId: string;
  readonly topic: string;
  readonly startedAt: string;
  readonly outcome: Outcome;
  /** True when the probe measured (prepared, sent, received); false when it failed before measuring. */
  readonly measured: boolean;
  readonly warm: boolean;
  readonly timings: Timings;
  readonly counts: Counts;
  readonly availability: { readonly produce: number; readonly endToEnd: number };
  readonly latency: { readonly endToEnd?: LatencyStats; readonly produce?: LatencyStats };
  /** Raw samples, in ms, for metrics that CloudWatch aggregates across runs. */
  readonly samples: {
    readonly endToEnd: readonly number[];
    readonly produce: readonly number[];
    readonly endToEndByBroker: Readonly<Record<string, readonly number[]>>;
  };
  readonly brokers: readonly BrokerReport[];
  readonly brokersWithoutCanaryLeader: readonly number[];
  /** Brokers the cluster should have that its metadata did not list in this run. */
  readonly brokersMissing: number;
  readonly problems: readonly Problem[];
  /** Problems beyond the per-run cap, counted but not listed. */
  readonly problemsOmitted: number;
  readonly errors: readonly ErrorInfo[];
  /** Errors beyond the per-run cap, counted but not listed. */
  readonly errorsOmitted: number;
  /** The highest per-leader-broker median end-to-end latency of this run, ms. */
  readonly slowestBrokerMs?: number;
  /**
   * The probe's own offset commit this run (no group membership): the coordinator path every consumer in
   * production depends on. Measured apart from the run's outcome; absent when the run did not read.
   */
  readonly offsetCommit?: OffsetCommitFigures;
  /** Where each event read in this run was found: the next run counts a copy at another offset as a duplicate. */
  readonly arrivals: readonly EventLocation[];
  /** This run's overdue events, which the next run confirms as late or lost. */
  readonly pending: readonly PendingEvent[];
}

export interface OffsetCommitFigures {
  readonly group: string;
  readonly coordinator?: number;
  /** Set when the commit succeeded: first request to acknowledgement, a moved coordinator's retry included. */
  readonly latencyMs?: number;
  readonly error?: ErrorInfo;
}

export interface EventLocation {
  readonly eventId: string;
  readonly partition: number;
  readonly offset: string;
}

/** An acknowledged event not read back by its run's deadline. */
export interface PendingEvent {
  readonly eventId: string;
  readonly partition: number;
  readonly offset?: string;
  /** Monotonic send time in this process, so a late arrival still has a true latency. */
  readonly sentAt: number;
}
