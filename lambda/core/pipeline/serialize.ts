/** The pipeline canary's serializer: envelope, datums, log lines (pipeline_summary, _problem, _error), screen line, handler result. */
import { pipelineReportToDatums } from '../metric-datums';
import { type CheckSerializer, type LogLine, levelOf } from '../serializer';
import type { PipelineReport } from './report';

export function formatPipelineLine(r: PipelineReport): string {
  const c = r.counts;
  const latency = r.latency ? `latency p50 ${r.latency.p50} ms, max ${r.latency.max} ms` : 'no latency this run';
  const parts = [
    `${c.sent} sent`,
    `${c.onTime} on time`,
    c.late && `${c.late} late`,
    `${c.lost} lost`,
    c.duplicated && `${c.duplicated} duplicated`,
    c.unexpected && `${c.unexpected} unexpected`,
    c.filtered && `${c.filtered} filtered as expected`,
    c.afterDeadline && `${c.afterDeadline} after their deadline`,
    c.unknown && `${c.unknown} from before this process`,
    c.unmatched && `${c.unmatched} out but unmatched by the match rule`,
    `${c.inFlight} in flight`,
  ].filter(Boolean);
  const errors = r.errors.map((e) => `\n  ${e.phase} error: ${e.message}`).join('');
  return `pipeline ${r.pipeline}  ${r.outcome.toUpperCase()}  ${parts.join(', ')}; ${latency}${r.availability === undefined ? '' : `; availability ${r.availability.toFixed(1)}%`}  (${(r.runMs / 1000).toFixed(1)} s)${errors}`;
}

export const pipelineSerializer: CheckSerializer<'pipeline'> = {
  envelope: (r) => ({
    kind: 'pipeline',
    name: r.pipeline,
    runId: r.runId,
    startedAt: r.startedAt,
    outcome: r.outcome,
    timings: { runMs: r.runMs },
    problems: r.problems,
    errors: r.errors,
    details: r,
  }),
  datums: (report, options) => pipelineReportToDatums(report.details, options),
  logLines: ({ details: r }) => {
    const { problems, errors, latencySamples: _samples, ...summary } = r;
    return [
      { level: levelOf(r.outcome), message: `pipeline run ${r.outcome}`, fields: { event: 'pipeline_summary', ...summary } },
      ...problems.map(
        (p): LogLine => ({
          level: 'warn',
          message: `pipeline canary ${p.status}`,
          fields: { event: 'pipeline_problem', pipeline: r.pipeline, runId: r.runId, ...p },
        }),
      ),
      ...errors.map(
        (e): LogLine => ({
          level: 'error',
          message: `${e.phase} error: ${e.message}`,
          fields: { event: 'pipeline_error', pipeline: r.pipeline, runId: r.runId, phase: e.phase, errorType: e.type, errorMessage: e.message, stack: e.stack },
        }),
      ),
    ];
  },
  screen: (report) => formatPipelineLine(report.details),
  result: ({ details: r }) => ({
    runId: r.runId,
    outcome: r.outcome,
    sent: r.counts.sent,
    onTime: r.counts.onTime,
    late: r.counts.late,
    lost: r.counts.lost,
    inFlight: r.counts.inFlight,
  }),
};
