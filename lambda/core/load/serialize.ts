/** The load test's serializer: envelope, datums, log lines (load_report, load_error), the screen report, handler result. */
import type { ErrorInfo } from '../check-report';
import { loadReportToDatums } from '../metric-datums';
import { type CheckSerializer, type LogLine, levelOf } from '../serializer';
import type { LoadReport } from './report';

const ms = (v: number | null) => (v === null ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));

export function formatLoadReport(r: LoadReport): string {
  const c = r.counts;
  const t = r.throughput;
  const lines = [
    `load ${r.loadTest}  ${r.outcome.toUpperCase()}  target ${Math.round(r.target.recordsPerSecond)} records/s x ${r.target.durationMs / 1000} s, ${r.target.messageBytes} B, ${r.target.partitions} partitions, acks ${r.target.acks === -1 ? 'all' : r.target.acks}, ${r.target.compression}`,
    `throughput  produce ${t.produceRecordsPerSecond} records/s (${t.produceMBPerSecond} MB/s)   consume ${t.consumeRecordsPerSecond} records/s (${t.consumeMBPerSecond} MB/s)`,
    '                   avg      p50      p95      p99    p99.9      max   (ms, from the intended send time)',
    ...(['endToEnd', 'produce', 'sendDelay'] as const).map((k) => {
      const p = r.latency[k];
      const label = { endToEnd: 'end-to-end', produce: 'produce', sendDelay: 'send delay' }[k];
      return `${label.padEnd(14)}${[p.avg, p.p50, p.p95, p.p99, p.p999, p.max].map((v) => ms(v).padStart(9)).join('')}`;
    }),
    `records  intended ${c.intended}  sent ${c.sent}  acked ${c.acked}  failed ${c.failed}  received ${c.received}  lost ${c.lost}  unaccounted ${c.unaccounted}  duplicated ${c.duplicated}  out of order ${c.outOfOrder}  unsent ${c.unsent}`,
    `error rate ${(r.errorRate * 100).toFixed(3)}%${
      Object.keys(r.errors).length
        ? `  (${Object.entries(r.errors)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    }`,
    ...r.reasons.map((reason) => `  - ${reason}`),
  ];
  if (r.baseline) {
    const worse = r.baseline.changes.filter((ch) => ch.worse);
    lines.push(
      worse.length === 0
        ? 'against the baseline: nothing got worse beyond the tolerance'
        : `against the baseline, worse: ${worse.map((ch) => `${ch.metric} ${ch.baseline} -> ${ch.current}${ch.changePct === null ? '' : ` (${ch.changePct > 0 ? '+' : ''}${ch.changePct}%)`}`).join('; ')}`,
    );
  }
  return lines.join('\n');
}

/** A load that could not start has one error; otherwise one per type of failed send, counted. */
function loadErrors(r: LoadReport): ErrorInfo[] {
  if (r.error) return [{ phase: 'connect', type: Object.keys(r.errors)[0] ?? 'Error', message: r.error, ...(r.errorStack ? { stack: r.errorStack } : {}) }];
  return Object.entries(r.errors).map(([type, count]) => ({ phase: 'send', type, message: `${count} records failed with ${type}`, count }));
}

export const loadSerializer: CheckSerializer<'load'> = {
  envelope: (r) => ({
    kind: 'load',
    name: r.loadTest,
    runId: r.loadId,
    startedAt: r.startedAt,
    outcome: r.outcome,
    timings: { runMs: r.timings.prepareMs + r.timings.loadMs + r.timings.drainMs, ...r.timings },
    problems: r.reasons.map((detail) => ({ status: r.outcome, detail })),
    errors: loadErrors(r),
    details: r,
  }),
  datums: (report, options) => loadReportToDatums(report.details, options),
  logLines: ({ details: r }) => {
    const { seconds, ...summary } = r;
    const regressions = r.baseline?.regressions ?? 0;
    const level = r.outcome === 'met' && regressions > 0 ? 'warn' : levelOf(r.outcome);
    const lines: LogLine[] = [{ level, message: `load test ${r.loadTest} ${r.outcome}`, fields: { event: 'load_report', ...summary, seconds } }];
    if (r.error) {
      lines.push({
        level: 'error',
        message: `load test ${r.loadTest} could not start: ${r.error}`,
        fields: {
          event: 'load_error',
          loadTest: r.loadTest,
          loadId: r.loadId,
          errorType: Object.keys(r.errors)[0],
          errorMessage: r.error,
          stack: r.errorStack,
        },
      });
      return lines;
    }
    for (const [type, count] of Object.entries(r.errors)) {
      lines.push({
        level: 'error',
        message: `load test ${r.loadTest}: ${count} records failed with ${type}`,
        fields: { event: 'load_error', loadTest: r.loadTest, loadId: r.loadId, errorType: type, count },
      });
    }
    return lines;
  },
  screen: (report) => formatLoadReport(report.details),
  result: ({ details: r }) => {
    const { seconds, ...summary } = r;
    return { ...summary, seconds: seconds.length };
  },
};
