/**
 * The drill's scenarios: minute-by-minute worlds built from real run reports (collected against a real
 * broker with the faults made for real, see collect.ts), turned into datapoints by each check's own
 * serializer (the datums its Lambda publishes), and replayed through the synthesized alarms. Pure: the
 * reports come in as data.
 */
import type { AnyCheckReport } from '../../lambda/core/check-report';
import type { Datum } from '../../lambda/core/metric-datums';
import { OutcomeHistory } from '../../lambda/core/roundtrip/outcome-history';
import { slowestBrokerMedian } from '../../lambda/core/roundtrip/reconcile';
import type { RunReport } from '../../lambda/core/roundtrip/report';
import { checkReport, datumsOf } from '../../lambda/core/serializers';
import { summarize } from '../../lambda/core/stats';
import { type AlarmSet, type Assumptions, type DataPoint, DEFAULT_ASSUMPTIONS, EVALUATION_ASSUMPTIONS, simulate } from './evaluator';
import { seeded } from './routine-life';

export interface ReportPools {
  readonly healthy: readonly RunReport[];
  readonly failed: readonly RunReport[];
  /** Consecutive runs losing one event in six: the first only overdue, the rest confirming a loss each. */
  readonly lossy: readonly RunReport[];
  /** A run with one overdue event, then the run that reads it late. */
  readonly latePair: readonly [RunReport, RunReport];
  /** Healthy runs whose offset commit failed for real (another member holds the probe's commit group). */
  readonly commitFailing: readonly RunReport[];
  /** What a healthy run's metrics look like when they reached CloudWatch through the EMF fallback. */
  readonly emfFallback: readonly Datum[];
}

/** What happens in one minute of a scenario. */
export type Minute =
  /** A run of any check, published as its Lambda publishes it. */
  | { kind: 'report'; report: AnyCheckReport; coldStart?: boolean }
  /** Datums as they reached CloudWatch through EMF lines. */
  | { kind: 'datums'; datums: readonly Datum[] }
  | { kind: 'lambda-error' }
  | { kind: 'nothing' };

export interface Scenario {
  readonly name: string;
  readonly shouldPage: boolean;
  /** Minute the fault starts and minute it ends (the first healthy minute after), if any. */
  readonly onset?: number;
  readonly recovery?: number;
  /** Minute the alarms are created (a fresh deployment creates them with no data). */
  readonly deployedAt: number;
  readonly minutes: readonly Minute[];
  /** Page target in minutes after onset. */
  readonly pageWithin?: number;
  readonly okWithin?: number;
}

/** A minute in which the round trip ran and reported `r`. */
export function run(r: RunReport): Minute {
  return { kind: 'report', report: checkReport('roundtrip', r) };
}

export function pick<T>(pool: readonly T[], i: number): T {
  return pool[i % pool.length]!;
}

/**
 * A run report whose latency samples are reshaped, per broker: the same run on a slower cluster. With
 * `spreadOverBrokers`, the run's samples are dealt to that many brokers, two partitions each, as a cluster
 * of that size would have them.
 */
export function reshapeLatency(r: RunReport, reshape: (sampleMs: number, broker: string) => number, spreadOverBrokers?: number): RunReport {
  const byBroker: Record<string, number[]> = {};
  const all = r.samples.endToEnd;
  if (spreadOverBrokers) {
    for (let k = 0; k < spreadOverBrokers * 2; k++) {
      const broker = String(k % spreadOverBrokers);
      (byBroker[broker] ??= []).push(reshape(all[k % all.length]!, broker));
    }
  } else {
    for (const [b, list] of Object.entries(r.samples.endToEndByBroker)) byBroker[b] = list.map((s) => reshape(s, b));
  }
  const endToEnd = Object.values(byBroker).flat();
  return {
    ...r,
    samples: { ...r.samples, endToEnd, endToEndByBroker: byBroker },
    latency: { ...r.latency, endToEnd: summarize(endToEnd) },
    slowestBrokerMs: slowestBrokerMedian(byBroker),
  };
}

export function toDataPoints(minute: number, m: Minute, functionName: string): DataPoint[] {
  const at = minute * 60 + 5;
  const lambda = (metric: string, value: number): DataPoint => ({
    namespace: 'AWS/Lambda',
    metricName: metric,
    dimensions: { FunctionName: functionName },
    timestampSeconds: at,
    values: [value],
  });
  const fromDatum = (d: Datum): DataPoint => ({
    namespace: 'StreamProbe',
    metricName: d.MetricName,
    unit: d.Unit,
    timestampSeconds: at,
    dimensions: Object.fromEntries(d.Dimensions.map((x) => [x.Name, x.Value])),
    values: d.Values ?? [d.Value!],
    counts: d.Counts,
  });
  switch (m.kind) {
    case 'report':
      return [...datumsOf(m.report).map(fromDatum), lambda('Invocations', 1), lambda('Errors', 0)];
    case 'datums':
      return [...m.datums.map(fromDatum), lambda('Invocations', 1), lambda('Errors', 0)];
    case 'lambda-error':
      return [lambda('Invocations', 1), lambda('Errors', 1)];
    case 'nothing':
      return [];
  }
}

export const WARM = 30;
export const FAULT = 20;
export const AFTER = 30;

/** Healthy minutes, the fault's minutes, healthy minutes again. */
export function faultTimeline(healthy: (i: number) => Minute, fault: (i: number) => Minute, faultMinutes = FAULT, warm = WARM, after = AFTER): Minute[] {
  return [
    ...Array.from({ length: warm }, (_, i) => healthy(i)),
    ...Array.from({ length: faultMinutes }, (_, i) => fault(i)),
    ...Array.from({ length: after }, (_, i) => healthy(i + warm)),
  ];
}

/**
 * Replays the outcome history over a scenario's own runs, as the deployed container keeps it: a Lambda
 * error (a crash or a timeout) means a new container, which starts with no history.
 */
export function withOutcomeHistory(s: Scenario): Scenario {
  let history = new OutcomeHistory();
  const minutes = s.minutes.map((m): Minute => {
    if (m.kind === 'lambda-error' || (m.kind === 'report' && m.coldStart)) history = new OutcomeHistory();
    if (m.kind !== 'report' || m.report.kind !== 'roundtrip') return m;
    return {
      kind: 'report',
      report: checkReport('roundtrip', { ...m.report.details, recentOutcomeChanges: history.record(m.report.details.outcome) }),
      coldStart: m.coldStart,
    };
  });
  return { ...s, minutes };
}

export function buildScenarios(pools: ReportPools): Scenario[] {
  return scenarioList(pools).map(withOutcomeHistory);
}

function scenarioList(pools: ReportPools): Scenario[] {
  const healthy = (i: number): Minute => run(pick(pools.healthy, i));
  const failed = (i: number): Minute => run(pick(pools.failed, i));
  const timeline = (fault: (i: number) => Minute, faultMinutes = FAULT, warm = WARM, after = AFTER) => faultTimeline(healthy, fault, faultMinutes, warm, after);
  const fault = (name: string, f: (i: number) => Minute, extra: Partial<Scenario> = {}): Scenario => ({
    name,
    shouldPage: true,
    onset: WARM,
    recovery: WARM + FAULT,
    deployedAt: 0,
    minutes: timeline(f),
    pageWithin: 3,
    okWithin: 3,
    ...extra,
  });
  // The healthy runs, rescaled so their median sits at a quarter of the 1 s threshold; a broker "5x slower"
  // then adds four such medians to every sample it serves. A slow broker adds time (a disk or network queue)
  // rather than multiplying its jitter; multiplied, two samples a run at 1.25x the threshold cross it in only
  // about half the runs, and no M of N can page once on a coin toss (README, "What pages whom").
  const HEALTHY_MEDIAN_MS = 250;
  const rescale = HEALTHY_MEDIAN_MS / (summarize(pools.healthy.flatMap((r) => r.samples.endToEnd))?.p50 ?? 1);
  const slow = (i: number, isSlow: (b: string) => boolean, brokers?: number): Minute =>
    run(reshapeLatency(pick(pools.healthy, i), (ms, b) => ms * rescale + (isSlow(b) ? 4 * HEALTHY_MEDIAN_MS : 0), brokers));
  const random = seeded(7);
  const flaky = Array.from({ length: 60 }, () => random() < 0.3);

  return [
    { name: 'healthy, 3 hours', shouldPage: false, deployedAt: 0, minutes: Array.from({ length: 180 }, (_, i) => healthy(i)) },
    {
      name: 'fresh deploy (no data yet)',
      shouldPage: false,
      deployedAt: 0,
      minutes: [{ kind: 'nothing' }, { kind: 'nothing' }, ...Array.from({ length: 30 }, (_, i) => healthy(i))],
    },
    fault('Kafka unreachable', failed),
    fault('probe stopped (no runs at all)', () => ({ kind: 'nothing' }), { pageWithin: 4 }),
    fault('init crash (every invocation fails)', () => ({ kind: 'lambda-error' })),
    fault('every run times out (Lambda kills it)', () => ({ kind: 'lambda-error' })),
    fault('1 in 6 events lost, every run', (i) => run(pick(pools.lossy, i))),
    fault('latency 5x on all brokers', (i) => slow(i, () => true)),
    fault('latency 5x on 1 of 12 brokers', (i) => slow(i, (b) => b === '7', 12)),
    fault('30% of runs fail at random, for an hour', (i) => (flaky[i] ? failed(i) : healthy(i)), {
      minutes: timeline((i) => (flaky[i] ? failed(i) : healthy(i)), 60),
      recovery: WARM + 60,
      // Random failures need several runs to show as unsteady. Recovery cannot be told from a quiet spell
      // sooner than the longest spell the alarm must bridge (this seed holds 13 clean runs in a row), so
      // the target is OK within 20 minutes: the 15-run window, then the unstable alarm's 10-period hold.
      pageWithin: 15,
      okWithin: 20,
    }),
    fault('Kafka down, then the probe stops too', (i) => (i < 10 ? failed(i) : { kind: 'nothing' })),
    {
      name: 'one late event',
      shouldPage: false,
      deployedAt: 0,
      onset: WARM,
      minutes: [
        ...timeline(() => healthy(0), 0).slice(0, WARM),
        run(pools.latePair[0]),
        run(pools.latePair[1]),
        ...Array.from({ length: 30 }, (_, i) => healthy(i)),
      ],
    },
    { name: 'a single failed run', shouldPage: false, deployedAt: 0, onset: WARM, minutes: timeline(failed, 1) },
    {
      name: 'offset commits failing, runs healthy',
      shouldPage: false,
      deployedAt: 0,
      onset: WARM,
      minutes: timeline((i) => run(pick(pools.commitFailing, i))),
    },
    {
      name: 'metrics through the EMF fallback',
      shouldPage: false,
      deployedAt: 0,
      onset: WARM,
      minutes: timeline(() => ({ kind: 'datums', datums: pools.emfFallback })),
    },
  ];
}

export interface DrillRow {
  readonly scenario: string;
  /** The evaluation assumptions it ran under (EVALUATION_ASSUMPTIONS). */
  readonly assumptions: string;
  readonly shouldPage: boolean;
  /** Minutes after onset of the first page. */
  readonly pagedAt?: number;
  readonly pages: number;
  /** Minutes after recovery of the OK that ended the last page. */
  readonly okAt?: number;
  /** OK messages on the paging topic while a page was still due (the fault ongoing). */
  readonly okWhileBroken: number;
  readonly notifications: readonly string[];
  readonly pass: boolean;
}

export function runScenario(
  s: Scenario,
  alarms: AlarmSet,
  topics: { paging: string; notify: string },
  functionName: string,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
  /** The scenario's datapoints, when the caller already has them (one scenario under several assumptions). */
  points: readonly DataPoint[] = s.minutes.flatMap((m, i) => toDataPoints(i, m, functionName)),
): DrillRow {
  const sim = simulate(alarms, points, s.deployedAt * 60, (s.minutes.length + 1) * 60, assumptions);
  const paging = sim.notifications.filter((n) => n.topic === topics.paging);
  const pagesAt = paging.filter((n) => n.state === 'ALARM').map((n) => n.atSeconds / 60);
  const oksAt = paging.filter((n) => n.state === 'OK').map((n) => n.atSeconds / 60);
  const onset = s.onset ?? 0;
  const pagedAt = pagesAt.length ? pagesAt[0]! - onset : undefined;
  const lastOk = oksAt.filter((m) => m > (pagesAt[pagesAt.length - 1] ?? Infinity)).at(0);
  const okAt = s.recovery !== undefined && lastOk !== undefined ? lastOk - s.recovery : undefined;
  const okWhileBroken = s.recovery === undefined ? 0 : oksAt.filter((m) => m > (pagesAt[0] ?? Infinity) && m <= s.recovery!).length;
  const notifications = [
    ...new Set(sim.notifications.filter((n) => n.topic === topics.notify && n.state === 'ALARM').map((n) => n.alarm.replace(/^streamprobe-[^-]+-/, ''))),
  ];
  const pass = s.shouldPage
    ? pagesAt.length === 1 && pagedAt !== undefined && pagedAt <= (s.pageWithin ?? 3) && okWhileBroken === 0 && okAt !== undefined && okAt <= (s.okWithin ?? 3)
    : pagesAt.length === 0;
  return {
    scenario: s.name,
    assumptions: assumptions.name,
    shouldPage: s.shouldPage,
    pagedAt,
    pages: pagesAt.length,
    okAt,
    okWhileBroken,
    notifications,
    pass,
  };
}

/** The scenario under every evaluation assumption, the default first. */
export function runUnderEveryAssumption(s: Scenario, alarms: AlarmSet, topics: { paging: string; notify: string }, functionName: string): DrillRow[] {
  const points = s.minutes.flatMap((m, i) => toDataPoints(i, m, functionName));
  return EVALUATION_ASSUMPTIONS.map((a) => runScenario(s, alarms, topics, functionName, a, points));
}

/** One line per scenario, one column per assumption: pages, minute paged and minute OK, and whether the target held. */
export function formatAssumptionTable(rows: readonly DrillRow[]): string {
  const names = EVALUATION_ASSUMPTIONS.map((a) => a.name);
  const lines = [`| scenario | ${names.join(' | ')} |`, `|---|${names.map(() => '---|').join('')}`];
  const scenarios = [...new Set(rows.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    const cells = names.map((n) => {
      const r = rows.find((x) => x.scenario === scenario && x.assumptions === n);
      if (!r) return '-';
      const what = r.shouldPage ? `${r.pages} page, at ${r.pagedAt ?? '-'}, OK at ${r.okAt ?? '-'}` : `${r.pages} pages`;
      return r.pass ? what : `**${what}**`;
    });
    lines.push(`| ${scenario} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function formatDrillTable(rows: readonly DrillRow[]): string {
  const lines = [
    '| scenario | should page? | paged at (min after onset) | pages sent | OK at (min after recovery) | also notified (no page) | target met |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.shouldPage ? 'yes' : 'no'} | ${r.pagedAt ?? '-'} | ${r.pages} | ${r.okAt ?? '-'} | ${r.notifications.join(', ') || '-'} | ${r.pass ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}
