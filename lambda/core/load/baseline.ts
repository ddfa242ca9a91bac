/**
 * A load report against a saved one (`--baseline FILE`): what got worse, by how much. Throughput is worse
 * when lower, latency and errors when higher; a change within the tolerance is noise, not a regression.
 */
import type { LoadReport, LoadTarget } from './report';

export interface Change {
  readonly metric: string;
  readonly baseline: number | null;
  readonly current: number | null;
  /** Percent change from the baseline; null when the baseline is 0 or a side is missing. */
  readonly changePct: number | null;
  readonly worse: boolean;
}

type Direction = 'higher-is-better' | 'lower-is-better';
const COMPARED: ReadonlyArray<[string, Direction, (r: LoadReport) => number | null]> = [
  ['produce records/s', 'higher-is-better', (r) => r.throughput.produceRecordsPerSecond],
  ['consume records/s', 'higher-is-better', (r) => r.throughput.consumeRecordsPerSecond],
  ['end-to-end p50 ms', 'lower-is-better', (r) => r.latency.endToEnd.p50],
  ['end-to-end p95 ms', 'lower-is-better', (r) => r.latency.endToEnd.p95],
  ['end-to-end p99 ms', 'lower-is-better', (r) => r.latency.endToEnd.p99],
  ['end-to-end p99.9 ms', 'lower-is-better', (r) => r.latency.endToEnd.p999],
  ['end-to-end max ms', 'lower-is-better', (r) => r.latency.endToEnd.max],
  ['produce p99 ms', 'lower-is-better', (r) => r.latency.produce.p99],
  ['error rate', 'lower-is-better', (r) => r.errorRate],
  ['lost records', 'lower-is-better', (r) => r.counts.lost],
  ['duplicated records', 'lower-is-better', (r) => r.counts.duplicated],
];

/** Every compared metric, each marked worse when it moved the wrong way by more than `tolerancePct`. */
export function compareWithBaseline(current: LoadReport, baseline: LoadReport, tolerancePct: number): Change[] {
  return COMPARED.map(([metric, direction, read]) => {
    const b = read(baseline);
    const c = read(current);
    if (b === null || c === null) return { metric, baseline: b, current: c, changePct: null, worse: false };
    const changePct = b === 0 ? null : Math.round(((c - b) / b) * 1000) / 10;
    const wrongWay = direction === 'higher-is-better' ? c < b : c > b;
    const worse = wrongWay && (changePct === null ? c !== b : Math.abs(changePct) > tolerancePct);
    return { metric, baseline: b, current: c, changePct, worse };
  });
}

/** The baseline file as saved by --report; a clear error for anything else, naming the file. */
export function parseBaseline(text: string, source: string): LoadReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  const r = parsed as LoadReport;
  const notReport = `${source}: not a streamprobe load report (save one with --report FILE)`;
  if (!r || typeof r !== 'object' || !r.target || typeof r.target !== 'object') throw new Error(notReport);
  // Every figure the comparison reads must be there, a number or null: a hand-edited file fails here, not later.
  for (const [metric, , read] of COMPARED) {
    let value: unknown;
    try {
      value = read(r);
    } catch {
      throw new Error(`${notReport}: it has no ${metric}`);
    }
    if (value === undefined) throw new Error(`${notReport}: it has no ${metric}`);
    if (value !== null && typeof value !== 'number') throw new Error(`${notReport}: its ${metric} is not a number`);
  }
  return r;
}

/** The settings that shape the figures: two loads that differ in one measure different things. */
const SETTINGS: ReadonlyArray<[Exclude<keyof LoadTarget, 'partitions' | 'durationMs'>, string]> = [
  ['recordsPerSecond', '--rate (records/s)'],
  ['messageBytes', '--message-bytes'],
  ['keys', '--keys'],
  ['acks', '--acks'],
  ['compression', '--compression'],
];

/** What differs between the baseline's settings and this load's, one "flag: baseline -> now" each. */
export function settingsDiffer(baseline: LoadTarget, current: Omit<LoadTarget, 'partitions'>): string[] {
  return SETTINGS.filter(([k]) => String(baseline[k]) !== String(current[k])).map(([k, flag]) => `${flag} ${baseline[k]} -> ${current[k]}`);
}
