/**
 * The drill's scenarios: minute-by-minute worlds built from real run reports (collected against a real
 * broker with the faults made for real, see collect.ts), turned into datapoints by each check's own
 * serializer (the datums its Lambda publishes), and replayed through the synthesized alarms. Pure: the
 * reports come in as data.
 */
import type { AnyCheckReport } from '../../lambda/core/check-report';
import type { Datum } from '../../lambda/core/metric-datums';
import { slowestBrokerMedian } from '../../lambda/core/roundtrip/reconcile';
import type { RunReport } from '../../lambda/core/roundtrip/report';
import { checkReport, datumsOf } from '../../lambda/core/serializers';
import { summarize } from '../../lambda/core/stats';
import { type AlarmSet, type AlarmState, type Assumptions, type DataPoint, DEFAULT_ASSUMPTIONS, EVALUATION_ASSUMPTIONS, simulate } from './evaluator';
import { seeded } from './routine-life';
import type { CheckIds } from './template';

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
  /** The schedule fired but the function never ran (its invoke permission missing). */
  | { kind: 'not-invoked' }
  /** Not even the schedule fired: the probe is stopped, or not yet deployed. */
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
  /** Page target in minutes after onset, under the default assumptions (3); pessimistic ones allow PESSIMISTIC_SLACK more. */
  readonly pageWithin?: number;
  /** OK target in minutes after recovery, under every assumption (5). */
  readonly okWithin?: number;
  /** What an operator sets by hand (set-alarm-state), by the end of the alarm's name: the maintenance hold. */
  readonly operator?: ReadonlyArray<{ readonly minute: number; readonly alarm: string; readonly state: AlarmState }>;
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

/** The datums of a report, once per report: a month of minutes replays a few dozen real runs. */
const datumsCache = new WeakMap<object, readonly Datum[]>();
function cachedDatums(report: AnyCheckReport): readonly Datum[] {
  let datums = datumsCache.get(report.details);
  if (!datums) datumsCache.set(report.details, (datums = datumsOf(report)));
  return datums;
}

export function toDataPoints(minute: number, m: Minute, ids: CheckIds): DataPoint[] {
  const at = minute * 60 + 5;
  const aws =
    (namespace: string, dimensions: Record<string, string>) =>
    (metric: string, value: number): DataPoint => ({
      namespace,
      metricName: metric,
      dimensions,
      timestampSeconds: at,
      values: [value],
    });
  const lambda = aws('AWS/Lambda', { FunctionName: ids.functionName });
  const scheduled = aws('AWS/Events', { RuleName: ids.ruleName })('Invocations', 1);
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
      return [...cachedDatums(m.report).map(fromDatum), lambda('Invocations', 1), lambda('Errors', 0), scheduled];
    case 'datums':
      return [...m.datums.map(fromDatum), lambda('Invocations', 1), lambda('Errors', 0), scheduled];
    case 'lambda-error':
      return [lambda('Invocations', 1), lambda('Errors', 1), scheduled];
    case 'not-invoked':
      return [scheduled];
    case 'nothing':
      return [];
  }
}

export const WARM = 30;
/** Minutes a page may come later under a pessimistic reading of what AWS leaves open (3 becomes 6, 5 becomes 8). */
export const PESSIMISTIC_SLACK = 3;
export const PAGE_WITHIN = 3;
/** The heartbeat's target: a stopped probe is told from a skipped run only after a few silent intervals. */
export const STOPPED_PAGE_WITHIN = 5;
export const OK_WITHIN = 5;
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

export function buildScenarios(pools: ReportPools): Scenario[] {
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
    ...extra,
  });
  // The healthy runs, rescaled so their median sits at a quarter of the 1 s threshold; a broker "5x slower"
  // then adds four such medians to every sample it serves. A slow broker adds time (a disk or network queue)
  // rather than multiplying its jitter; multiplied, two samples a run at 1.25x the threshold cross it in only
  // about half the runs, and no M of N can page once on a coin toss (README, "What pages whom").
  const HEALTHY_MEDIAN_MS = 250;
  const rescale = HEALTHY_MEDIAN_MS / (summarize(pools.healthy.flatMap((r) => r.samples.endToEnd))?.p50 ?? 1);
  const slow = (i: number, isSlow: (b: string) => boolean, brokers?: number, slowBy = 4): Minute =>
    run(reshapeLatency(pick(pools.healthy, i), (ms, b) => ms * rescale + (isSlow(b) ? slowBy * HEALTHY_MEDIAN_MS : 0), brokers));
  // Latency wandering around the threshold for 2 hours: each run's median between 0.75 and 1.25 of it.
  const wander = seeded(11);
  const wandering = Array.from({ length: 120 }, () => 2 + 2 * wander());

  return [
    { name: 'healthy, 3 hours', shouldPage: false, deployedAt: 0, minutes: Array.from({ length: 180 }, (_, i) => healthy(i)) },
    {
      name: 'fresh deploy (no data yet)',
      shouldPage: false,
      deployedAt: 0,
      minutes: [{ kind: 'nothing' }, { kind: 'nothing' }, ...Array.from({ length: 30 }, (_, i) => healthy(i))],
    },
    fault('Kafka unreachable', failed),
    fault('probe stopped (no runs at all)', () => ({ kind: 'nothing' }), { pageWithin: STOPPED_PAGE_WITHIN }),
    fault('init crash (every invocation fails)', () => ({ kind: 'lambda-error' })),
    fault('every run times out (Lambda kills it)', () => ({ kind: 'lambda-error' })),
    fault('1 in 6 events lost, every run', (i) => run(pick(pools.lossy, i))),
    fault('latency 5x on all brokers', (i) => slow(i, () => true)),
    fault('latency 5x on 1 of 12 brokers', (i) => slow(i, (b) => b === '7', 12)),
    // Pages when 3 runs in a row are above the threshold (about 1 in 8 when half are): in time, not at once.
    fault('latency wandering 0.75-1.25x the threshold, 2 hours', (i) => slow(i, () => true, undefined, wandering[i]!), {
      minutes: timeline((i) => slow(i, () => true, undefined, wandering[i]!), 120),
      recovery: WARM + 120,
      pageWithin: 20,
    }),
    fault('Kafka down, then the probe stops too', (i) => (i < 10 ? failed(i) : { kind: 'nothing' })),
    fault('probe stopped, then resumes into a Kafka outage', (i) => (i < 10 ? { kind: 'nothing' } : failed(i)), { pageWithin: STOPPED_PAGE_WITHIN }),
    {
      name: 'never invoked after deploy (the schedule cannot reach the function)',
      shouldPage: true,
      deployedAt: 0,
      onset: 0,
      recovery: 30,
      // From the deploy: the heartbeat waits for its first silent intervals like a stopped probe's.
      pageWithin: 10 - PESSIMISTIC_SLACK,
      minutes: [...Array.from({ length: 30 }, (): Minute => ({ kind: 'not-invoked' })), ...Array.from({ length: 30 }, (_, i) => healthy(i))],
    },
    {
      name: 'planned maintenance: Kafka down 20 minutes, pages held',
      shouldPage: false,
      deployedAt: 0,
      onset: WARM,
      minutes: timeline(failed),
      operator: [
        { minute: WARM - 5, alarm: 'maintenance', state: 'ALARM' },
        { minute: WARM + FAULT + 10, alarm: 'maintenance', state: 'OK' },
      ],
    },
    // Pages may come once the hold ends: onset is then.
    fault('maintenance ended while Kafka is still down', (i) => failed(i), {
      onset: WARM + 10,
      operator: [
        { minute: WARM - 5, alarm: 'maintenance', state: 'ALARM' },
        { minute: WARM + 10, alarm: 'maintenance', state: 'OK' },
      ],
    }),
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
      name: 'two failed runs 5 minutes apart',
      shouldPage: false,
      deployedAt: 0,
      onset: WARM,
      minutes: timeline((i) => (i === 0 || i === 5 ? failed(i) : healthy(i)), 6),
    },
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

/**
 * A probe on a 5-minute schedule: a run every 5th minute, nothing between. Its alarms judge 5-minute periods,
 * so the targets are in runs: a page within 3 runs of the fault (15 minutes; a stopped probe 5 runs), OK
 * within 2 runs of recovery.
 */
export const FIVE_MINUTE_PROBE = 'drill5';

export function fiveMinuteScenarios(pools: ReportPools): Scenario[] {
  const every5 =
    (f: (run: number) => Minute) =>
    (i: number): Minute =>
      i % 5 === 0 ? f(i / 5) : { kind: 'nothing' };
  const as = (r: RunReport) => run({ ...r, probe: FIVE_MINUTE_PROBE });
  const healthy = every5((k) => as(pick(pools.healthy, k)));
  const failed = every5((k) => as(pick(pools.failed, k)));
  const timeline = (fault: (i: number) => Minute, minutes = 30) => faultTimeline(healthy, (i) => fault(i + WARM), minutes);
  const fault = (name: string, f: (i: number) => Minute, extra: Partial<Scenario> = {}): Scenario => ({
    name: `every 5 minutes: ${name}`,
    shouldPage: true,
    onset: WARM,
    recovery: WARM + 30,
    deployedAt: 0,
    minutes: timeline(f),
    pageWithin: 15,
    okWithin: 10,
    ...extra,
  });
  return [
    { name: 'every 5 minutes: healthy, 6 hours', shouldPage: false, deployedAt: 0, minutes: Array.from({ length: 360 }, (_, i) => healthy(i)) },
    fault('Kafka unreachable', failed),
    fault('probe stopped', () => ({ kind: 'nothing' }), { pageWithin: 25 }),
    { name: 'every 5 minutes: a single failed run', shouldPage: false, deployedAt: 0, onset: WARM, minutes: timeline(failed, 5) },
    {
      name: 'every 5 minutes: two failed runs 20 minutes apart',
      shouldPage: false,
      deployedAt: 0,
      onset: WARM,
      minutes: timeline((i) => (i === WARM || i === WARM + 20 ? failed(i) : healthy(i)), 25),
    },
  ];
}

/** Runs failing at random (`share` of them) for an hour, a Lambda container recycled every 30 to 60 minutes. */
export const INTERMITTENT_SEEDS = 20;

/**
 * Page targets for failure at random, from the chance that it is told from ordinary blips (up to 2 failed
 * runs an hour) no later: the 3rd failed run comes within 25 runs in 99% of 30% incidents, within 15 in
 * 99.6% of 50% ones, and the page follows a minute later. OK: a quiet spell of 20 runs inside the incident
 * is as likely as 1 in 1,250 at 30%, so the page holds 20 minutes past the last failure.
 */
const INTERMITTENT_TARGETS: Readonly<Record<number, { pageWithin: number; okWithin: number }>> = {
  0.3: { pageWithin: 26, okWithin: 21 },
  0.5: { pageWithin: 16, okWithin: 21 },
};

export function intermittentScenarios(pools: ReportPools, share: 0.3 | 0.5, seeds = INTERMITTENT_SEEDS): Scenario[] {
  return Array.from({ length: seeds }, (_, k) => {
    const random = seeded(1000 * share + k);
    const failing = Array.from({ length: 60 }, () => random() < share);
    let nextColdStart = Math.floor(random() * 30);
    const minutes = faultTimeline(
      (i) => run(pick(pools.healthy, i)),
      (i) => run(pick(failing[i] ? pools.failed : pools.healthy, i)),
      60,
    ).map((m, i): Minute => {
      if (i < nextColdStart || m.kind !== 'report') return m;
      nextColdStart = i + 30 + Math.floor(random() * 31);
      return { ...m, coldStart: true };
    });
    return {
      name: `${share * 100}% of runs fail at random for an hour, containers recycled, seed ${k}`,
      shouldPage: true,
      onset: WARM,
      // Nothing tells a recovery from a quiet spell but time: the incident is over at its last failed run.
      recovery: WARM + failing.lastIndexOf(true) + 1,
      deployedAt: 0,
      minutes,
      ...INTERMITTENT_TARGETS[share],
    };
  });
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
  ids: CheckIds,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
  /** The scenario's datapoints, when the caller already has them (one scenario under several assumptions). */
  points: readonly DataPoint[] = s.minutes.flatMap((m, i) => toDataPoints(i, m, ids)),
): DrillRow {
  const named = (suffix: string) => {
    const found = alarms.metricAlarms.find((a) => a.name.endsWith(`-${suffix}`));
    if (!found) throw new Error(`scenario ${s.name}: no alarm ends with ${suffix}`);
    return found.name;
  };
  const operations = (s.operator ?? []).map((o) => ({ atSeconds: o.minute * 60, alarm: named(o.alarm), state: o.state }));
  const sim = simulate(alarms, points, s.deployedAt * 60, (s.minutes.length + 1) * 60, assumptions, operations);
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
  const pageWithin = (s.pageWithin ?? PAGE_WITHIN) + (assumptions.name === DEFAULT_ASSUMPTIONS.name ? 0 : PESSIMISTIC_SLACK);
  const recovered = s.recovery === undefined || (okAt !== undefined && okAt <= (s.okWithin ?? OK_WITHIN));
  const pass = s.shouldPage ? pagesAt.length === 1 && pagedAt !== undefined && pagedAt <= pageWithin && okWhileBroken === 0 && recovered : pagesAt.length === 0;
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

/**
 * One row per assumption for a scenario run over many seeds: the worst seed's (a missed target first, then
 * the most pages, the latest page, the latest OK), named `name`.
 */
export function worstOf(rows: readonly DrillRow[], name: string): DrillRow[] {
  return EVALUATION_ASSUMPTIONS.map((a) => {
    const of = rows.filter((r) => r.assumptions === a.name);
    const score = (r: DrillRow) => [r.pass ? 0 : 1, r.pages, r.pagedAt ?? -1, r.okAt ?? -1];
    const worst = [...of].sort((x, y) => {
      const [sx, sy] = [score(x), score(y)];
      const k = sx.findIndex((v, i) => v !== sy[i]);
      return k < 0 ? 0 : sy[k]! - sx[k]!;
    })[0]!;
    return { ...worst, scenario: name };
  });
}

/** The scenario under every evaluation assumption, the default first. */
export function runUnderEveryAssumption(s: Scenario, alarms: AlarmSet, topics: { paging: string; notify: string }, ids: CheckIds): DrillRow[] {
  const points = s.minutes.flatMap((m, i) => toDataPoints(i, m, ids));
  return EVALUATION_ASSUMPTIONS.map((a) => runScenario(s, alarms, topics, ids, a, points));
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
