/**
 * The consumer-lag check: per group, exact offset and time lag per partition, and a status that needs the
 * previous check (STALLED, REWIND), kept in this process. Logs one summary per group and a line per
 * problem partition.
 */
import { groupVerdict, type GroupCheck, type GroupStatus, type GroupVerdict } from './core/lag/group-status';
import { partitionLag, type PartitionLag } from './core/lag/partition-lag';
import { planBudget } from './core/budget';
import { toErrorInfo } from './core/redact';
import type { ErrorInfo } from './core/report';
import { roundMs } from './core/stats';
import { monotonicNow, withDeadline } from './adapters/deadline';
import { LagReader, tpKey, type GroupSnapshot } from './adapters/kafka/lag-reader';
import type { ProbeLogger } from './adapters/logger';
import type { ResolvedCredentials } from './adapters/kafka/client-options';
import type { LagConfig } from './lag-config';
import { newRunId } from './probe';

export type { LagConfig };

export interface GroupLagReport extends Omit<GroupVerdict, 'status'> {
  readonly group: string;
  readonly exists: boolean;
  readonly state: string;
  readonly members: number;
  readonly status: GroupStatus | 'UNKNOWN_GROUP';
  readonly partitions: readonly PartitionLag[];
  readonly checkedAt: string;
}

const jsonSafe = (p: PartitionLag) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));

/** One check of every group: failed when the cluster could not be read (then no group is judged). */
export interface LagCheckReport {
  readonly check: string;
  readonly runId: string;
  readonly checkedAt: string;
  readonly succeeded: boolean;
  readonly groups: readonly GroupLagReport[];
  readonly errors: readonly ErrorInfo[];
  readonly runMs: number;
  readonly partitionMetrics: boolean;
}

/** Anything that takes a finished lag check: the metrics publisher. */
export interface LagSink {
  publishLag(report: LagCheckReport, reportBy: number): Promise<void>;
}

export class LagRuntime {
  private readonly reader: LagReader;
  private readonly previous = new Map<string, GroupCheck>();

  constructor(
    private readonly config: LagConfig,
    private readonly logger: ProbeLogger,
    private readonly sinks: readonly LagSink[] = [],
    credentials?: () => Promise<ResolvedCredentials | undefined>,
  ) {
    this.reader = new LagReader(config, credentials);
  }

  /** Reads every group once within the budget, logs and publishes; never throws. */
  async runOnce(lambdaRemainingMs?: number): Promise<LagCheckReport> {
    const started = monotonicNow();
    const budget = planBudget(started, this.config.runTimeoutMs, lambdaRemainingMs);
    const base = { check: this.config.checkName, runId: newRunId(), partitionMetrics: this.config.partitionMetrics };
    let report: LagCheckReport;
    try {
      // The reader retries patiently (a loading coordinator); the check's budget bounds it all, connecting included.
      const snapshots = await withDeadline((async () => {
        const pattern = this.config.groupPattern;
        const groups = [...new Set([...this.config.groups, ...(pattern ? await this.reader.listGroups(pattern) : [])])];
        return this.reader.snapshot(groups, budget.measureBy);
      })(), budget.measureBy, 'reading the consumer groups');
      const nowMs = Date.now();
      report = {
        ...base, checkedAt: new Date(nowMs).toISOString(), succeeded: true, groups: snapshots.map((s) => this.judge(s, nowMs)),
        errors: [], runMs: roundMs(monotonicNow() - started),
      };
    } catch (error) {
      void this.reader.close();
      report = {
        ...base, checkedAt: new Date().toISOString(), succeeded: false, groups: [],
        errors: [toErrorInfo(error, 'connect', [])], runMs: roundMs(monotonicNow() - started),
      };
    }
    this.logCheck(report);
    await Promise.all(this.sinks.map((sink) => sink.publishLag(report, budget.reportBy)));
    return report;
  }

  private judge(s: GroupSnapshot, nowMs: number): GroupLagReport {
    const partitions = s.partitions.map((p) => partitionLag(p, nowMs, s.timestamps.get(tpKey(p.topic, p.partition))));
    const check: GroupCheck = { group: s.group, atMs: nowMs, members: s.members, partitions };
    const before = this.previous.get(s.group);
    const verdict = groupVerdict(check, before, this.config);
    // The previous check moves on only when something committed, so a stall is measured from its start.
    const moved = !before || partitions.some((p) => before.partitions.find((b) => b.topic === p.topic && b.partition === p.partition)?.committed !== p.committed);
    if (moved) this.previous.set(s.group, check);
    return {
      group: s.group, exists: s.exists, state: s.state, members: s.members,
      ...verdict, status: s.exists ? verdict.status : 'UNKNOWN_GROUP',
      reasons: !s.exists ? ['the cluster knows no such consumer group (no members, no committed offsets)']
        : s.timestampError && verdict.maxTimeLagMs === undefined ? [...verdict.reasons, `reading it failed: ${s.timestampError}`] : verdict.reasons,
      partitions, checkedAt: new Date(nowMs).toISOString(),
    };
  }

  private logCheck(r: LagCheckReport): void {
    const summary = { event: 'lag_check', check: r.check, runId: r.runId, succeeded: r.succeeded, groups: r.groups.length, runMs: r.runMs };
    if (r.succeeded) this.logger.info(`lag check read ${r.groups.length} groups`, summary);
    else this.logger.error('lag check failed', summary);
    for (const e of r.errors) this.logger.error(`${e.phase} error: ${e.message}`, { event: 'lag_error', check: r.check, runId: r.runId, phase: e.phase, errorType: e.type, errorMessage: e.message, stack: e.stack });
    for (const g of r.groups) this.log(g);
  }

  private log(r: GroupLagReport): void {
    const { partitions, totalOffsetLag, maxOffsetLag, retentionLost, ...rest } = r;
    const level = r.status === 'OK' ? 'info' : 'warn';
    this.logger[level](`consumer group ${r.group} ${r.status}`, {
      event: 'lag_summary', ...rest, totalOffsetLag: totalOffsetLag.toString(), maxOffsetLag: maxOffsetLag.toString(), retentionLost: retentionLost.toString(),
    });
    for (const p of partitions) {
      const problem = p.retentionLost > 0n ? 'retention_loss'
        : p.timeLagMs === undefined && (p.offsetLag ?? 0n) > 0n ? 'time_lag_unknown'
          : (p.timeLagMs ?? 0) > this.config.timeLagThresholdMs ? 'lagging' : undefined;
      if (problem) this.logger.warn(`consumer group ${r.group} ${problem} on ${p.topic}/${p.partition}`, { event: 'lag_problem', group: r.group, problem, ...jsonSafe(p) });
    }
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}
