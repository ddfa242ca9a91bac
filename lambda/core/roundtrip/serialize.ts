/** The round trip's serializer: its envelope, datums, log lines (run_summary, run_problem, run_error), table and handler result. */

import type { ErrorInfo } from '../check-report';
import { reportToDatums } from '../metric-datums';
import { type CheckSerializer, type LogLine, levelOf } from '../serializer';
import { errorCount } from './errors';
import type { RunReport } from './report';
import { formatSummaryTable } from './summary-table';

export function runSummary(report: RunReport): Record<string, unknown> {
  return {
    event: 'run_summary',
    probe: report.probe,
    runId: report.runId,
    topic: report.topic,
    startedAt: report.startedAt,
    outcome: report.outcome,
    measured: report.measured,
    warm: report.warm,
    timings: report.timings,
    counts: report.counts,
    availability: report.availability,
    latency: report.latency,
    brokers: report.brokers,
    brokersWithoutCanaryLeader: report.brokersWithoutCanaryLeader,
    brokersMissing: report.brokersMissing,
    problemsListed: report.problems.length,
    problemsOmitted: report.problemsOmitted,
    errorCount: errorCount(report),
    errorsOmitted: report.errorsOmitted,
    slowestBrokerMs: report.slowestBrokerMs,
    offsetCommit: report.offsetCommit && {
      group: report.offsetCommit.group,
      coordinator: report.offsetCommit.coordinator,
      latencyMs: report.offsetCommit.latencyMs,
      ok: report.offsetCommit.error === undefined,
    },
  };
}

export function errorLine(runId: string, e: ErrorInfo): Record<string, unknown> {
  return {
    event: 'run_error',
    runId,
    phase: e.phase,
    errorType: e.type,
    errorMessage: e.message,
    stack: e.stack,
    partition: e.partition,
    eventId: e.eventId,
    count: e.count,
    partitions: e.partitions,
  };
}

export const roundTripSerializer: CheckSerializer<'roundtrip'> = {
  envelope: (r) => ({
    kind: 'roundtrip',
    name: r.probe,
    runId: r.runId,
    startedAt: r.startedAt,
    outcome: r.outcome,
    timings: r.timings,
    problems: r.problems,
    errors: r.errors,
    details: r,
  }),
  datums: (report, options) => reportToDatums(report.details, options),
  logLines: ({ details: r }) => [
    { level: levelOf(r.outcome), message: `probe run ${r.outcome}`, fields: runSummary(r) },
    ...r.problems.map(
      (problem): LogLine => ({ level: 'warn', message: `canary event ${problem.status}`, fields: { event: 'run_problem', runId: r.runId, ...problem } }),
    ),
    ...r.errors.map((e): LogLine => ({ level: 'error', message: `${e.phase} error: ${e.message}`, fields: errorLine(r.runId, e) })),
    // Its own line, not a run error: the commit path is measured beside the run, not part of its outcome.
    ...(r.offsetCommit?.error
      ? [
          {
            level: 'warn' as const,
            message: `offset commit failed: ${r.offsetCommit.error.message}`,
            fields: {
              ...errorLine(r.runId, r.offsetCommit.error),
              event: 'offset_commit_failed',
              group: r.offsetCommit.group,
              coordinator: r.offsetCommit.coordinator,
            },
          },
        ]
      : []),
  ],
  screen: (report) => formatSummaryTable(report.details),
  result: ({ details: r }) => ({ runId: r.runId, outcome: r.outcome, sent: r.counts.sent, received: r.counts.received, lost: r.counts.lost }),
};
