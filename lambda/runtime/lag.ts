/**
 * The consumer-lag check: per group, exact offset and time lag per partition, and a status that needs the
 * previous check (STALLED, REWIND), kept in this process. A check that cannot read the cluster is failed,
 * and no group is judged.
 */

import { monotonicNow, withDeadline } from '../adapters/deadline';
import { type GroupSnapshot, LagReader, tpKey } from '../adapters/kafka/lag/reader';
import type { LagConfig } from '../config/lag';
import type { RunBudget } from '../core/budget';
import { type GroupCheck, groupVerdict } from '../core/lag/group-status';
import { partitionLag } from '../core/lag/partition-lag';
import { type GroupLagReport, type LagCheckReport, lagProblems } from '../core/lag/report';
import { toErrorInfo } from '../core/redact';
import { roundMs } from '../core/stats';
import { type Check, type CredentialsProvider, newRunId, timeoutBudget } from './check-runtime';

export interface LagOptions {
  readonly config: LagConfig;
  /** SCRAM credentials from Secrets Manager, when the connection names a secret. */
  readonly credentials?: CredentialsProvider;
}

export class LagCheck implements Check<'lag'> {
  readonly kind = 'lag';
  readonly budget: Check<'lag'>['budget'];
  private readonly config: LagConfig;
  private readonly reader: LagReader;
  private readonly previous = new Map<string, GroupCheck>();

  constructor(options: LagOptions) {
    this.config = options.config;
    this.budget = timeoutBudget(options.config.runTimeoutMs);
    this.reader = new LagReader(options.config, options.credentials);
  }

  /** Reads every group once within the budget. */
  async measure(budget: RunBudget): Promise<LagCheckReport> {
    const started = monotonicNow();
    const base = { check: this.config.checkName, runId: newRunId(), partitionMetrics: this.config.partitionMetrics };
    try {
      // The reader retries patiently (a loading coordinator); the check's budget bounds it all, connecting included.
      let patternMatched: number | undefined;
      const snapshots = await withDeadline(
        (async () => {
          const pattern = this.config.groupPattern;
          const found = pattern ? await this.reader.listGroups(pattern) : [];
          if (pattern) patternMatched = found.length;
          return this.reader.snapshot([...new Set([...this.config.groups, ...found])], budget.measureBy);
        })(),
        budget.measureBy,
        'reading the consumer groups',
      );
      const nowMs = Date.now();
      const groups = snapshots.map((s) => this.judge(s, nowMs));
      return {
        ...base,
        checkedAt: new Date(nowMs).toISOString(),
        succeeded: true,
        ...(patternMatched === undefined ? {} : { patternMatched }),
        groups,
        problems: groups.flatMap((g) => lagProblems(g, this.config.timeLagThresholdMs)),
        errors: [],
        runMs: roundMs(monotonicNow() - started),
      };
    } catch (error) {
      void this.reader.close();
      return {
        ...base,
        checkedAt: new Date().toISOString(),
        succeeded: false,
        groups: [],
        problems: [],
        errors: [toErrorInfo(error, 'connect')],
        runMs: roundMs(monotonicNow() - started),
      };
    }
  }

  private judge(s: GroupSnapshot, nowMs: number): GroupLagReport {
    const partitions = s.partitions.map((p) => {
      const k = tpKey(p.topic, p.partition);
      return partitionLag(p, nowMs, s.unread.get(k), s.openSince.get(k));
    });
    const check: GroupCheck = { group: s.group, atMs: nowMs, members: s.members, partitions };
    const before = this.previous.get(s.group);
    const verdict = groupVerdict(check, before, this.config);
    // The previous check moves on only when something committed, so a stall is measured from its start.
    const moved =
      !before || partitions.some((p) => before.partitions.find((b) => b.topic === p.topic && b.partition === p.partition)?.committed !== p.committed);
    if (moved) this.previous.set(s.group, check);
    return {
      group: s.group,
      exists: s.exists,
      state: s.state,
      members: s.members,
      ...verdict,
      status: s.exists ? verdict.status : 'UNKNOWN_GROUP',
      reasons: !s.exists
        ? ['the cluster knows no such consumer group (no members, no committed offsets)']
        : s.timestampError && verdict.maxTimeLagMs === undefined
          ? [...verdict.reasons, `reading it failed: ${s.timestampError}`]
          : verdict.reasons,
      partitions,
      checkedAt: new Date(nowMs).toISOString(),
    };
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}
