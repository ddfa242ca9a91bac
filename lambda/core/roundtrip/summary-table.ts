/** A readable, fixed-width summary of one run for terminals. */

import type { LatencyStats } from '../stats';
import { countErrors, errorCount } from './errors';
import type { RunReport } from './report';

const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function latencyCells(s: LatencyStats | undefined): string[] {
  return [ms(s?.p50), ms(s?.p99), ms(s?.max)];
}

export function formatSummaryTable(r: RunReport): string {
  const c = r.counts;
  const head =
    `${r.startedAt}  probe ${r.probe}  run ${r.runId}  ${r.outcome.toUpperCase()}${r.warm ? '' : ' (cold)'}` +
    `  connect ${ms(r.timings.connectMs)} ms  prepare ${ms(r.timings.prepareMs)} ms  total ${ms(r.timings.runMs)} ms`;
  const widths = [10, 6, 6, 6, 6, 5, 5, 7, 9, 9, 9];
  const lines = [
    head,
    row(['', 'parts', 'sent', 'recv', 'lost', 'dup', 'ooo', 'errors', 'p50 ms', 'p99 ms', 'max ms'], widths),
    row(
      [
        'all',
        String(c.partitions),
        String(c.sent),
        String(c.received),
        String(c.lost),
        String(c.duplicated),
        String(c.outOfOrder),
        String(errorCount(r)),
        ...latencyCells(r.latency.endToEnd),
      ],
      widths,
    ),
  ];
  for (const b of r.brokers) {
    lines.push(
      row([`broker ${b.brokerId}`, String(b.leaderOf.length), '', String(b.endToEnd?.count ?? 0), '', '', '', '', ...latencyCells(b.endToEnd)], widths),
    );
  }
  const extras = [
    c.overdue && `${c.overdue} overdue (lost if still unread after the next run)`,
    c.corrupt && `${c.corrupt} corrupt`,
    c.foreign && `${c.foreign} foreign`,
    c.late && `${c.late} late`,
    c.otherProbe && `${c.otherProbe} from other probes`,
    c.otherWriter && `${c.otherWriter} from another writer with this probe name`,
    r.brokersWithoutCanaryLeader.length && `brokers leading no canary partition: ${r.brokersWithoutCanaryLeader.join(',')}`,
    r.brokersMissing && `${r.brokersMissing} broker(s) missing from the cluster`,
  ].filter(Boolean);
  if (r.latency.produce) lines.push(`produce latency p50 ${ms(r.latency.produce.p50)} ms, p99 ${ms(r.latency.produce.p99)} ms`);
  if (extras.length) lines.push(extras.join('; '));
  for (const e of r.errors.slice(0, 5)) {
    const times = e.count && e.count > 1 ? ` (x${e.count}${e.partitions?.length ? `, partitions ${e.partitions.join(',')}` : ''})` : '';
    lines.push(`error (${e.phase}) ${e.type}: ${e.message}${times}`);
  }
  const more = countErrors(r.errors.slice(5)) + r.errorsOmitted;
  if (more > 0) lines.push(`... and ${more} more errors (see the JSON logs)`);
  return lines.join('\n');
}
