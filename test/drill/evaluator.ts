/**
 * A CloudWatch alarm evaluator, after the User Guide ("Evaluating an alarm", "Configuring how CloudWatch
 * alarms treat missing data"): datapoints are aggregated per period (percentiles from Values/Counts), the
 * alarm looks at an evaluation range a little longer than its evaluation periods, uses the most recent
 * real datapoints, fills the gaps by its TreatMissingData only when there are fewer than it needs, and
 * decides M of N. Composite alarms follow their rule over the children's states. Pure: no AWS, no clock.
 *
 * Where the guide gives no number, this model says what it assumes, and `Assumptions` lets the drill try
 * the others AWS leaves open (EVALUATION_ASSUMPTIONS):
 *  - the evaluation range is N + 2 periods (the guide's worked example: N = 3, range 5);
 *  - with fewer real datapoints than N, `missing` alarms when every real datapoint up to M breaches, and
 *    `ignore` keeps its state when the outcome would depend on the filled values (both match the guide's tables);
 *  - an alarm is evaluated once a minute on periods that have ended, and a run's datapoints are visible at
 *    the end of the minute they are stamped in;
 *  - percentiles are nearest-rank over the expanded samples.
 */

import { evaluateExpression, parseExpression } from './metric-math';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissing = 'breaching' | 'notBreaching' | 'ignore' | 'missing';
export type Comparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

/** One metric as an alarm reads it. */
export interface MetricQuery {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly statistic: string;
  readonly unit?: string;
}

export interface MetricAlarmDef extends MetricQuery {
  readonly name: string;
  /** A metric-math alarm: the expression it watches and the metrics it reads by id (the fields above are then unused). */
  readonly math?: { readonly expression: string; readonly metrics: Readonly<Record<string, MetricQuery>> };
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
  readonly threshold: number;
  readonly comparison: Comparison;
  readonly treatMissingData: TreatMissing;
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
}

export interface CompositeAlarmDef {
  readonly name: string;
  readonly rule: string;
  readonly alarmActions: readonly string[];
  readonly okActions: readonly string[];
}

/** One published datapoint: a single value, or Values with Counts. */
export interface DataPoint {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly unit?: string;
  readonly timestampSeconds: number;
  readonly values: readonly number[];
  readonly counts?: readonly number[];
}

export interface Notification {
  readonly atSeconds: number;
  readonly alarm: string;
  readonly state: AlarmState;
  readonly topic: string;
}

// ---- period statistics ----------------------------------------------------------------------------------

export function statistic(name: string, samples: readonly number[]): number {
  if (name === 'SampleCount') return samples.length;
  if (name === 'Sum') return samples.reduce((a, b) => a + b, 0);
  if (name === 'Average') return samples.reduce((a, b) => a + b, 0) / samples.length;
  if (name === 'Minimum') return Math.min(...samples);
  if (name === 'Maximum') return Math.max(...samples);
  const p = /^p(\d{1,2}(\.\d+)?)$/.exec(name);
  if (p) {
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((Number(p[1]) / 100) * sorted.length))) - 1]!;
  }
  throw new Error(`the drill's evaluator does not model the statistic ${name}`);
}

function expand(d: DataPoint): number[] {
  return d.values.flatMap((v, i) => Array<number>(d.counts?.[i] ?? 1).fill(v));
}

const sameDimensions = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export function breaches(comparison: Comparison, value: number, threshold: number): boolean {
  switch (comparison) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

// ---- M of N with missing data ----------------------------------------------------------------------------

/**
 * The state an alarm moves to, given the datapoints of its evaluation range as breaching (true), not
 * breaching (false) or missing (undefined), oldest first.
 */
export function decide(range: ReadonlyArray<boolean | undefined>, m: number, n: number, treat: TreatMissing, current: AlarmState): AlarmState {
  // Counted newest first without copies: a month of minutes decides this a million times.
  let realCount = 0;
  let breachingNewest = 0;
  let breachingReal = 0;
  for (let k = range.length - 1; k >= 0; k--) {
    const v = range[k];
    if (v === undefined) continue;
    realCount++;
    if (v) {
      breachingReal++;
      if (realCount <= n) breachingNewest++;
    }
  }
  if (realCount >= n) return breachingNewest >= m ? 'ALARM' : 'OK';
  const fill = n - realCount;
  if (realCount === 0) {
    return { missing: 'INSUFFICIENT_DATA', ignore: current, breaching: 'ALARM', notBreaching: 'OK' }[treat] as AlarmState;
  }
  switch (treat) {
    case 'breaching':
      return breachingReal + fill >= m ? 'ALARM' : 'OK';
    case 'notBreaching':
      return breachingReal >= m ? 'ALARM' : 'OK';
    case 'missing':
      return breachingReal >= Math.min(m, realCount) ? 'ALARM' : 'OK';
    case 'ignore':
      if (breachingReal >= m) return 'ALARM';
      return breachingReal < realCount ? 'OK' : current;
  }
}

/** What AWS does not document, as the drill assumes it; every scenario runs under each of EVALUATION_ASSUMPTIONS. */
export interface Assumptions {
  readonly name: string;
  /** Periods beyond N in which CloudWatch still looks for real datapoints (the evaluation range is N + this). */
  readonly extraRange: number;
  /** Seconds after a datapoint's timestamp before an evaluation sees it. */
  readonly visibleAfterSeconds: number;
  /** The period still in progress is evaluated as the newest, with what it holds so far. */
  readonly partialPeriod: boolean;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = { name: 'default', extraRange: 2, visibleAfterSeconds: 0, partialPeriod: false };

/** The default, then each pessimistic reading of what AWS leaves open. */
export const EVALUATION_ASSUMPTIONS: readonly Assumptions[] = [
  DEFAULT_ASSUMPTIONS,
  { ...DEFAULT_ASSUMPTIONS, name: 'range N', extraRange: 0 },
  { ...DEFAULT_ASSUMPTIONS, name: 'range N+5', extraRange: 5 },
  { ...DEFAULT_ASSUMPTIONS, name: 'data 60 s late', visibleAfterSeconds: 60 },
  { ...DEFAULT_ASSUMPTIONS, name: 'partial period', partialPeriod: true },
];

/** Range length used for evaluation (see the assumptions above). */
export const evaluationRange = (n: number, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) => n + assumptions.extraRange;

/** One metric's datapoints by period, and each period's value: computed once it is all visible, else from what is. */
class MetricSeries {
  private readonly byPeriod = new Map<number, { points: DataPoint[]; newest: number; complete?: { value: number | undefined } }>();

  constructor(
    private readonly query: MetricQuery,
    periodSeconds: number,
    points: readonly DataPoint[],
  ) {
    for (const d of points) {
      if (d.metricName !== query.metricName || d.namespace !== query.namespace || !sameDimensions(d.dimensions, query.dimensions)) continue;
      if (query.unit !== undefined && d.unit !== undefined && d.unit !== query.unit) continue;
      const period = Math.floor(d.timestampSeconds / periodSeconds);
      const entry = this.byPeriod.get(period);
      if (entry) {
        entry.points.push(d);
        entry.newest = Math.max(entry.newest, d.timestampSeconds);
      } else this.byPeriod.set(period, { points: [d], newest: d.timestampSeconds });
    }
  }

  /** The period's statistic over the datapoints visible before `visibleBefore`, undefined when none. */
  value(period: number, visibleBefore: number): number | undefined {
    const entry = this.byPeriod.get(period);
    if (!entry) return undefined;
    if (entry.newest < visibleBefore) {
      entry.complete ??= { value: this.statistic(entry.points) };
      return entry.complete.value;
    }
    return this.statistic(entry.points.filter((d) => d.timestampSeconds < visibleBefore));
  }

  private statistic(points: readonly DataPoint[]): number | undefined {
    const name = this.query.statistic;
    if (name.startsWith('p')) {
      const samples = points.flatMap(expand);
      return samples.length ? statistic(name, samples) : undefined;
    }
    // The other statistics from Values and Counts as they are, without expanding them into samples.
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const d of points) {
      d.values.forEach((v, i) => {
        const c = d.counts?.[i] ?? 1;
        if (c <= 0) return;
        count += c;
        sum += v * c;
        min = Math.min(min, v);
        max = Math.max(max, v);
      });
    }
    if (count === 0) return undefined;
    const byName: Record<string, number> = { SampleCount: count, Sum: sum, Average: sum / count, Minimum: min, Maximum: max };
    if (!(name in byName)) throw new Error(`the drill's evaluator does not model the statistic ${name}`);
    return byName[name];
  }
}

/**
 * One alarm's data: its metric, or the metrics its expression reads. A month of minutes is evaluated again
 * and again over the same periods, and only what became visible since changes a period's value.
 */
export class AlarmData {
  private readonly series: Readonly<Record<string, MetricSeries>>;
  private readonly expression?: ReturnType<typeof parseExpression>;

  constructor(
    readonly def: MetricAlarmDef,
    points: readonly DataPoint[],
    /** Series already built for other alarms of the same simulation, by metric, statistic and period. */
    shared = new Map<string, MetricSeries>(),
  ) {
    const queries: Record<string, MetricQuery> = def.math ? { ...def.math.metrics } : { m: def };
    const seriesOf = (q: MetricQuery) => {
      const key = JSON.stringify([q.namespace, q.metricName, q.dimensions, q.statistic, q.unit, def.periodSeconds]);
      let series = shared.get(key);
      if (!series) shared.set(key, (series = new MetricSeries(q, def.periodSeconds, points)));
      return series;
    };
    this.series = Object.fromEntries(Object.entries(queries).map(([id, q]) => [id, seriesOf(q)]));
    if (def.math) this.expression = parseExpression(def.math.expression);
  }

  /** The metric names this alarm reads. */
  static metricNames(def: MetricAlarmDef): string[] {
    return def.math ? Object.values(def.math.metrics).map((q) => q.metricName) : [def.metricName];
  }

  /** Each period's verdict from `first` to `last`: breaching, not, or missing, from what is visible before `visibleBefore`. */
  breaches(first: number, last: number, visibleBefore: number): Array<boolean | undefined> {
    const length = last - first + 1;
    const { comparison, threshold } = this.def;
    const out: Array<boolean | undefined> = new Array(length);
    if (!this.expression) {
      const series = this.series.m!;
      for (let k = 0; k < length; k++) {
        const v = series.value(first + k, visibleBefore);
        out[k] = v === undefined ? undefined : breaches(comparison, v, threshold);
      }
      return out;
    }
    const seriesOf = (s: MetricSeries) => Array.from({ length }, (_, k) => s.value(first + k, visibleBefore));
    const values = evaluateExpression(this.expression, Object.fromEntries(Object.entries(this.series).map(([id, s]) => [id, seriesOf(s)])), length);
    for (let k = 0; k < length; k++) out[k] = values[k] === undefined ? undefined : breaches(comparison, values[k]!, threshold);
    return out;
  }
}

export function evaluateMetricAlarm(
  def: MetricAlarmDef,
  points: readonly DataPoint[] | AlarmData,
  atSeconds: number,
  current: AlarmState,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
): AlarmState {
  const data = points instanceof AlarmData ? points : new AlarmData(def, points);
  const last = Math.floor(atSeconds / def.periodSeconds) - (assumptions.partialPeriod ? 0 : 1);
  const first = last - evaluationRange(def.evaluationPeriods, assumptions) + 1;
  const range = data.breaches(first, last, atSeconds - assumptions.visibleAfterSeconds);
  return decide(range, def.datapointsToAlarm, def.evaluationPeriods, def.treatMissingData, current);
}

// ---- composite rules ------------------------------------------------------------------------------------

type Token =
  | { kind: 'fn'; state: AlarmState; alarm: string }
  | { kind: 'op'; op: 'AND' | 'OR' | 'NOT' }
  | { kind: 'paren'; open: boolean }
  | { kind: 'bool'; value: boolean };

const tokenized = new Map<string, Token[]>();

function tokenize(rule: string): Token[] {
  const cached = tokenized.get(rule);
  if (cached) return cached;
  const tokens: Token[] = [];
  tokenized.set(rule, tokens);
  const re = /\s*(?:(ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([^")]+?)"?\s*\)|(AND|OR|NOT)\b|(\()|(\))|(TRUE|FALSE)\b)/y;
  let at = 0;
  while (at < rule.length) {
    if (/^\s*$/.test(rule.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(rule);
    if (!m) throw new Error(`cannot parse the composite rule at: ${rule.slice(at, at + 40)}`);
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: 'fn', state: m[1] as AlarmState, alarm: m[2]!.replace(/^.*:alarm:/, '') });
    else if (m[3]) tokens.push({ kind: 'op', op: m[3] as 'AND' | 'OR' | 'NOT' });
    else if (m[4]) tokens.push({ kind: 'paren', open: true });
    else if (m[5]) tokens.push({ kind: 'paren', open: false });
    else tokens.push({ kind: 'bool', value: m[6] === 'TRUE' });
  }
  return tokens;
}

/** Evaluates a composite rule (AND binds tighter than OR, NOT tightest) over the children's states. */
export function evaluateRule(rule: string, states: ReadonlyMap<string, AlarmState>): boolean {
  const tokens = tokenize(rule);
  let i = 0;
  const primary = (): boolean => {
    const t = tokens[i++];
    if (!t) throw new Error(`composite rule ends early: ${rule}`);
    if (t.kind === 'op' && t.op === 'NOT') return !primary();
    if (t.kind === 'bool') return t.value;
    if (t.kind === 'paren' && t.open) {
      const v = or();
      if (tokens[i++]?.kind !== 'paren') throw new Error(`unbalanced parentheses in ${rule}`);
      return v;
    }
    if (t.kind === 'fn') {
      const state = states.get(t.alarm);
      if (state === undefined) throw new Error(`composite rule names an unknown alarm ${t.alarm}`);
      return state === t.state;
    }
    throw new Error(`unexpected token in ${rule}`);
  };
  const and = (): boolean => {
    let v = primary();
    while (tokens[i]?.kind === 'op' && (tokens[i] as { op: string }).op === 'AND') {
      i++;
      const rhs = primary();
      v = v && rhs;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (tokens[i]?.kind === 'op' && (tokens[i] as { op: string }).op === 'OR') {
      i++;
      const rhs = and();
      v = v || rhs;
    }
    return v;
  };
  const value = or();
  if (i !== tokens.length) throw new Error(`trailing tokens in composite rule ${rule}`);
  return value;
}

// ---- the simulation ---------------------------------------------------------------------------------------

export interface AlarmSet {
  readonly metricAlarms: readonly MetricAlarmDef[];
  readonly compositeAlarms: readonly CompositeAlarmDef[];
}

export interface Simulation {
  readonly notifications: Notification[];
  /** State of every alarm at the end. */
  readonly states: ReadonlyMap<string, AlarmState>;
}

/** An operator's `aws cloudwatch set-alarm-state`: the alarm takes the state until its next evaluation changes it. */
export interface SetAlarmState {
  readonly atSeconds: number;
  readonly alarm: string;
  readonly state: AlarmState;
}

/** Evaluates every alarm at each minute boundary from `fromSeconds` to `toSeconds` (alarms created at `fromSeconds`). */
export function simulate(
  alarms: AlarmSet,
  points: readonly DataPoint[],
  fromSeconds: number,
  toSeconds: number,
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
  operations: readonly SetAlarmState[] = [],
): Simulation {
  const states = new Map<string, AlarmState>();
  for (const a of [...alarms.metricAlarms, ...alarms.compositeAlarms]) states.set(a.name, 'INSUFFICIENT_DATA');
  const notifications: Notification[] = [];
  const transition = (name: string, next: AlarmState, actions: { alarmActions: readonly string[]; okActions: readonly string[] }, at: number) => {
    if (states.get(name) === next) return;
    states.set(name, next);
    const topics = next === 'ALARM' ? actions.alarmActions : next === 'OK' ? actions.okActions : [];
    for (const topic of topics) notifications.push({ atSeconds: at, alarm: name, state: next, topic });
  };
  // Each alarm is given only the points of its metric name: a month of minutes holds a million points.
  const byMetric = new Map<string, DataPoint[]>();
  for (const d of points) {
    const list = byMetric.get(d.metricName);
    if (list) list.push(d);
    else byMetric.set(d.metricName, [d]);
  }
  const shared = new Map<string, MetricSeries>();
  const data = alarms.metricAlarms.map(
    (def) =>
      new AlarmData(
        def,
        AlarmData.metricNames(def).flatMap((name) => byMetric.get(name) ?? []),
        shared,
      ),
  );
  const defs = new Map(alarms.metricAlarms.map((a) => [a.name, a]));
  for (let at = fromSeconds; at <= toSeconds; at += 60) {
    for (const op of operations.filter((o) => o.atSeconds > at - 60 && o.atSeconds <= at)) {
      const def = defs.get(op.alarm);
      if (!def) throw new Error(`set-alarm-state names an unknown alarm ${op.alarm}`);
      transition(op.alarm, op.state, def, op.atSeconds);
    }
    for (const d of data) transition(d.def.name, evaluateMetricAlarm(d.def, d, at, states.get(d.def.name)!, assumptions), d.def, at);
    // Composites may name composites: settle until nothing changes.
    for (let round = 0; round < 5; round++) {
      let changed = false;
      for (const c of alarms.compositeAlarms) {
        const next: AlarmState = evaluateRule(c.rule, states) ? 'ALARM' : 'OK';
        if (states.get(c.name) !== next) changed = true;
        transition(c.name, next, c, at);
      }
      if (!changed) break;
    }
  }
  return { notifications, states };
}
