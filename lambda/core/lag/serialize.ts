/** The lag check's serializer: envelope, datums, log lines (lag_check, lag_summary, lag_problem, lag_error), tables, handler result. */
import type { CheckOutcome } from '../check-report';
import { lagCheckToDatums } from '../metric-datums';
import type { CheckSerializer, LogLine } from '../serializer';
import type { PartitionLag } from './partition-lag';
import type { GroupLagReport, LagCheckReport } from './report';

const jsonSafe = (p: object) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));

export function formatLagTable(r: GroupLagReport): string {
  const head = `group ${r.group}  ${r.status}  members ${r.members}  lag ${r.totalOffsetLag} records, max time lag ${r.maxTimeLagMs === undefined ? 'unknown' : `${Math.round(r.maxTimeLagMs)} ms`}${r.reasons.length ? `\n  ${r.reasons.join('\n  ')}` : ''}`;
  const rows = r.partitions.map(
    (p: PartitionLag) =>
      `  ${p.topic}/${p.partition}  committed ${p.committed ?? '-'}  log ${p.logStart}..${p.logEnd}  lag ${p.offsetLag ?? '-'}  time lag ${p.timeLagMs === undefined ? '?' : `${Math.round(p.timeLagMs)} ms`}${p.retentionLost > 0n ? `  retention lost ${p.retentionLost}` : ''}`,
  );
  return [head, ...rows].join('\n');
}

export function formatLagCheck(r: LagCheckReport): string {
  if (!r.succeeded)
    return `lag check ${r.check} FAILED (${(r.runMs / 1000).toFixed(1)} s)${r.errors.map((e) => `\n  ${e.phase} error: ${e.message}`).join('')}`;
  return [...(r.patternMatched === 0 ? [patternMessage(r)] : []), ...r.groups.map(formatLagTable)].join('\n\n');
}

const patternMessage = (r: LagCheckReport) => `lag check ${r.check}: no consumer group matches the group pattern`;

/** Failed when the cluster could not be read; degraded when a group is not OK. */
function lagOutcome(r: LagCheckReport): CheckOutcome {
  if (!r.succeeded) return 'failed';
  return r.patternMatched !== 0 && r.groups.every((g) => g.status === 'OK') ? 'healthy' : 'degraded';
}

function groupLines(r: GroupLagReport): LogLine {
  const { partitions: _partitions, totalOffsetLag, maxOffsetLag, retentionLost, ...rest } = r;
  return {
    level: r.status === 'OK' ? 'info' : 'warn',
    message: `consumer group ${r.group} ${r.status}`,
    fields: {
      event: 'lag_summary',
      ...rest,
      totalOffsetLag: totalOffsetLag.toString(),
      maxOffsetLag: maxOffsetLag.toString(),
      retentionLost: retentionLost.toString(),
    },
  };
}

export const lagSerializer: CheckSerializer<'lag'> = {
  envelope: (r) => ({
    kind: 'lag',
    name: r.check,
    runId: r.runId,
    startedAt: r.checkedAt,
    outcome: lagOutcome(r),
    timings: { runMs: r.runMs },
    problems: r.problems,
    errors: r.errors,
    details: r,
  }),
  datums: (report, options) => lagCheckToDatums(report.details, { ...options, partitionMetrics: report.details.partitionMetrics }),
  logLines: ({ details: r }) => {
    const summary = {
      event: 'lag_check',
      check: r.check,
      runId: r.runId,
      succeeded: r.succeeded,
      groups: r.groups.length,
      ...(r.patternMatched === undefined ? {} : { patternMatched: r.patternMatched }),
      runMs: r.runMs,
    };
    const byGroup = (g: GroupLagReport) =>
      r.problems
        .filter((p) => p.group === g.group)
        .map(
          (p): LogLine => ({
            level: 'warn',
            message: `consumer group ${g.group} ${p.problem} on ${p.topic}/${p.partition}`,
            fields: { event: 'lag_problem', ...jsonSafe(p), group: g.group, problem: p.problem },
          }),
        );
    return [
      r.succeeded
        ? { level: 'info', message: `lag check read ${r.groups.length} groups`, fields: summary }
        : { level: 'error', message: 'lag check failed', fields: summary },
      ...(r.patternMatched === 0
        ? [{ level: 'warn' as const, message: patternMessage(r), fields: { event: 'lag_pattern_unmatched', check: r.check, runId: r.runId } }]
        : []),
      ...r.errors.map(
        (e): LogLine => ({
          level: 'error',
          message: `${e.phase} error: ${e.message}`,
          fields: { event: 'lag_error', check: r.check, runId: r.runId, phase: e.phase, errorType: e.type, errorMessage: e.message, stack: e.stack },
        }),
      ),
      ...r.groups.flatMap((g) => [groupLines(g), ...byGroup(g)]),
    ];
  },
  screen: (report) => formatLagCheck(report.details),
  result: ({ details: r }) => ({ runId: r.runId, succeeded: r.succeeded, groups: Object.fromEntries(r.groups.map((g) => [g.group, g.status])) }),
};
