/**
 * The consumer-lag check: per group, exact offset and time lag per partition, and a status that needs the
 * previous check (STALLED, REWIND), kept in this process. Logs one summary per group and a line per
 * problem partition.
 */
import { groupVerdict, type GroupCheck, type GroupStatus, type GroupVerdict, type StatusRules } from './core/lag/group-status';
import { partitionLag, type PartitionLag } from './core/lag/partition-lag';
import { planBudget } from './core/budget';
import { monotonicNow } from './adapters/deadline';
import { LagReader, tpKey } from './adapters/kafka/lag-reader';
import type { ProbeLogger } from './adapters/logger';

export interface LagConfig extends StatusRules {
  readonly brokers: readonly string[];
  readonly groups: readonly string[];
  readonly groupPattern?: RegExp;
  readonly runTimeoutMs: number;
}

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

/** Anything that takes a finished lag check: the metrics publisher. */
export interface LagSink {
  publishLag(reports: readonly GroupLagReport[], reportBy: number): Promise<void>;
}

export class LagRuntime {
  private readonly reader: LagReader;
  private readonly previous = new Map<string, GroupCheck>();

  constructor(private readonly config: LagConfig, private readonly logger: ProbeLogger, private readonly sinks: readonly LagSink[] = []) {
    this.reader = new LagReader(config.brokers);
  }

  async runOnce(): Promise<GroupLagReport[]> {
    const budget = planBudget(monotonicNow(), this.config.runTimeoutMs);
    const pattern = this.config.groupPattern;
    const groups = [...new Set([...this.config.groups, ...(pattern ? await this.reader.listGroups(pattern) : [])])];
    const snapshots = await this.reader.snapshot(groups, budget.measureBy);
    const nowMs = Date.now();
    const reports = snapshots.map((s) => {
      const partitions = s.partitions.map((p) => partitionLag(p, nowMs, s.timestamps.get(tpKey(p.topic, p.partition))));
      const check: GroupCheck = { group: s.group, atMs: nowMs, members: s.members, partitions };
      const verdict = groupVerdict(check, this.previous.get(s.group), this.config);
      // The previous check moves on only when something committed, so a stall is measured from its start.
      const before = this.previous.get(s.group);
      const moved = !before || partitions.some((p) => before.partitions.find((b) => b.topic === p.topic && b.partition === p.partition)?.committed !== p.committed);
      if (moved) this.previous.set(s.group, check);
      const report: GroupLagReport = {
        group: s.group, exists: s.exists, state: s.state, members: s.members,
        ...verdict, status: s.exists ? verdict.status : 'UNKNOWN_GROUP',
        reasons: !s.exists ? ['the cluster knows no such consumer group (no members, no committed offsets)']
          : s.timestampError && verdict.laggingPartitions > 0 ? [...verdict.reasons, `time lag unknown: ${s.timestampError}`] : verdict.reasons,
        partitions, checkedAt: new Date(nowMs).toISOString(),
      };
      this.log(report);
      return report;
    });
    await Promise.all(this.sinks.map((sink) => sink.publishLag(reports, budget.reportBy)));
    return reports;
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
