/** The run report: plain data that both the metrics publisher and the logger read. */
import type { LatencyStats } from './stats';

export type RunPhase = 'config' | 'connect' | 'topic' | 'join' | 'send' | 'receive' | 'publish';

export interface ErrorInfo {
  readonly phase: RunPhase;
  readonly type: string;
  readonly message: string;
  readonly stack?: string;
  readonly partition?: number;
  readonly eventId?: string;
}

export type ProblemStatus = 'lost' | 'duplicated' | 'out_of_order' | 'corrupt' | 'foreign' | 'late' | 'send_failed';

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
  readonly lost: number;
  /** Extra copies beyond the first. */
  readonly duplicated: number;
  readonly outOfOrder: number;
  readonly corrupt: number;
  readonly foreign: number;
  /** Events of this probe from an earlier run, arriving during this one. */
  readonly late: number;
  /** Valid events written by another probe sharing the topic. */
  readonly otherProbe: number;
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
  readonly problems: readonly Problem[];
  /** Problems beyond the per-run cap, counted but not listed. */
  readonly problemsOmitted: number;
  readonly errors: readonly ErrorInfo[];
  /** Ids of this run's events that arrived: the next run counts a re-delivery of one as a duplicate. */
  readonly arrivedEventIds: readonly string[];
}
