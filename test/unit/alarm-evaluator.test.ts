/**
 * The drill's alarm evaluator against the worked examples of CloudWatch's User Guide ("Configuring how
 * CloudWatch alarms treat missing data": evaluation range 5; 0 = not breaching, X = breaching, - = missing,
 * most recent on the right), and against the composite-rule and statistic semantics the drill relies on.
 */
import { describe, expect, it } from 'vitest';
import {
  type AlarmState,
  type Assumptions,
  type DataPoint,
  DEFAULT_ASSUMPTIONS,
  decide,
  EVALUATION_ASSUMPTIONS,
  evaluateMetricAlarm,
  evaluateRule,
  type MetricAlarmDef,
  simulate,
  statistic,
  type TreatMissing,
} from '../drill/evaluator';
import { evaluateExpression, parseExpression } from '../drill/metric-math';

const parse = (row: string) => row.split(' ').map((c) => (c === '-' ? undefined : c === 'X'));
const TREATS: TreatMissing[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
const RETAIN = 'retain';

/** Runs one documented row for every treatment; "retain" is checked from both starting states. */
function row(points: string, m: number, n: number, expected: Array<AlarmState | typeof RETAIN>) {
  TREATS.forEach((treat, i) => {
    const want = expected[i]!;
    if (want === RETAIN) {
      expect(decide(parse(points), m, n, treat, 'OK'), `${points} ${treat}`).toBe('OK');
      expect(decide(parse(points), m, n, treat, 'ALARM'), `${points} ${treat}`).toBe('ALARM');
    } else {
      expect(decide(parse(points), m, n, treat, 'OK'), `${points} ${treat}`).toBe(want);
    }
  });
}

describe('M of N with missing data, as the User Guide tabulates it', () => {
  it('datapoints to alarm 3, evaluation periods 3', () => {
    row('0 - X - X', 3, 3, ['OK', 'OK', 'OK', 'OK']);
    row('0 - - - -', 3, 3, ['OK', 'OK', 'OK', 'OK']);
    row('- - - - -', 3, 3, ['INSUFFICIENT_DATA', RETAIN, 'ALARM', 'OK']);
    row('0 X X - X', 3, 3, ['ALARM', 'ALARM', 'ALARM', 'ALARM']);
    row('- - X - -', 3, 3, ['ALARM', RETAIN, 'ALARM', 'OK']);
  });

  it('datapoints to alarm 2, evaluation periods 3', () => {
    row('0 - X - X', 2, 3, ['ALARM', 'ALARM', 'ALARM', 'ALARM']);
    row('0 - X - -', 2, 3, ['OK', 'OK', 'ALARM', 'OK']);
    row('- - - X -', 2, 3, ['ALARM', RETAIN, 'ALARM', 'OK']);
  });
});

const alarm = (over: Partial<MetricAlarmDef> = {}): MetricAlarmDef => ({
  name: 'a',
  namespace: 'NS',
  metricName: 'M',
  dimensions: { Probe: 'p' },
  statistic: 'Maximum',
  periodSeconds: 60,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
  threshold: 10,
  comparison: 'GreaterThanThreshold',
  treatMissingData: 'missing',
  alarmActions: ['page'],
  okActions: ['page'],
  ...over,
});
const point = (minute: number, values: number[], counts?: number[], dims: Record<string, string> = { Probe: 'p' }): DataPoint => ({
  namespace: 'NS',
  metricName: 'M',
  dimensions: dims,
  timestampSeconds: minute * 60 + 5,
  values,
  counts,
});

describe('period statistics', () => {
  it('computes percentiles from Values and Counts, and matches dimensions exactly', () => {
    expect(statistic('p90', [1, 2, 3, 4, 5, 6, 7, 8, 9, 100])).toBe(9);
    expect(statistic('SampleCount', [5, 5])).toBe(2);
    const def = alarm({ statistic: 'p50', evaluationPeriods: 1, datapointsToAlarm: 1 });
    // 3 x 20 and 1 x 1: p50 is 20 -> breaching. A [Probe, Broker] point must not count for [Probe].
    const points = [point(0, [20, 1], [3, 1]), point(0, [1000], undefined, { Probe: 'p', Broker: '1' })];
    expect(evaluateMetricAlarm(def, points, 60, 'OK')).toBe('ALARM');
    expect(evaluateMetricAlarm(def, [point(0, [1, 20], [3, 1])], 60, 'ALARM')).toBe('OK');
  });

  it('evaluates only periods that have ended', () => {
    const def = alarm({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    expect(evaluateMetricAlarm(def, [point(5, [99])], 5 * 60 + 30, 'INSUFFICIENT_DATA')).toBe('INSUFFICIENT_DATA');
    expect(evaluateMetricAlarm(def, [point(5, [99])], 6 * 60, 'INSUFFICIENT_DATA')).toBe('ALARM');
  });
});

describe('what AWS leaves open, each way the drill tries it', () => {
  const byName = (name: string) => EVALUATION_ASSUMPTIONS.find((a) => a.name === name)!;
  /** The first minute at which a heartbeat (2 of 2, silence breaching) fires after runs stop at minute 2. */
  const heartbeatFiresAt = (assumptions: Assumptions) => {
    const def = alarm({
      statistic: 'SampleCount',
      threshold: 1,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: 'breaching',
    });
    const points = [0, 1, 2].map((m) => point(m, [1]));
    for (let minute = 3; minute < 20; minute++) if (evaluateMetricAlarm(def, points, minute * 60, 'OK', assumptions) === 'ALARM') return minute;
    return undefined;
  };

  it("the evaluation range: N, N+2 (the guide's example) and N+5 move when silence is seen", () => {
    expect(heartbeatFiresAt(byName('range N'))).toBe(5);
    expect(heartbeatFiresAt(DEFAULT_ASSUMPTIONS)).toBe(7);
    expect(heartbeatFiresAt(byName('range N+5'))).toBe(10);
  });

  it('data seen 60 s late: a period is judged a minute after it ended', () => {
    const def = alarm({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    const late = byName('data 60 s late');
    expect(evaluateMetricAlarm(def, [point(5, [99])], 6 * 60, 'INSUFFICIENT_DATA', late)).toBe('INSUFFICIENT_DATA');
    expect(evaluateMetricAlarm(def, [point(5, [99])], 7 * 60, 'INSUFFICIENT_DATA', late)).toBe('ALARM');
  });

  it('the period in progress evaluated with what it holds so far', () => {
    const def = alarm({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    const partial = byName('partial period');
    expect(evaluateMetricAlarm(def, [point(5, [99])], 5 * 60 + 30, 'INSUFFICIENT_DATA', partial)).toBe('ALARM');
    // At the boundary the new period holds nothing yet: its datapoint is missing, and the range looks back.
    expect(evaluateMetricAlarm(def, [point(5, [99])], 6 * 60, 'OK', partial)).toBe('ALARM');
    expect(evaluateMetricAlarm(def, [point(5, [99])], 6 * 60, 'OK', { ...partial, extraRange: 0 })).toBe('INSUFFICIENT_DATA');
  });
});

describe('composite rules and actions', () => {
  it('evaluates AND, OR, NOT and parentheses over child states', () => {
    const states = new Map<string, AlarmState>([
      ['a', 'ALARM'],
      ['b', 'OK'],
      ['c', 'INSUFFICIENT_DATA'],
    ]);
    expect(evaluateRule('ALARM("arn:aws:cloudwatch:r:1:alarm:a") AND OK(b)', states)).toBe(true);
    expect(evaluateRule('ALARM(b) OR (ALARM(a) AND OK(c))', states)).toBe(false);
    expect(evaluateRule('ALARM(b) OR ALARM(a) AND NOT INSUFFICIENT_DATA(c)', states)).toBe(false);
    expect(evaluateRule('(ALARM(b) OR ALARM(a)) AND INSUFFICIENT_DATA(c)', states)).toBe(true);
    expect(() => evaluateRule('ALARM(nope)', states)).toThrow(/unknown alarm nope/);
  });

  it('sends one notification per state change, on the actions of the new state', () => {
    const def = alarm({ evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'ignore' });
    const points = [point(0, [1]), point(1, [50]), point(2, [60]), point(4, [1])];
    const sim = simulate(
      { metricAlarms: [def], compositeAlarms: [{ name: 'c', rule: 'ALARM(a)', alarmActions: ['pager'], okActions: ['pager'] }] },
      points,
      60,
      6 * 60,
    );
    expect(sim.notifications.filter((n) => n.topic === 'pager').map((n) => [n.atSeconds / 60, n.state])).toEqual([
      [1, 'OK'],
      [2, 'ALARM'],
      [5, 'OK'],
    ]);
  });
});

describe('metric math, as the alarms use it', () => {
  const series = (text: string, m: Array<number | undefined>) => evaluateExpression(parseExpression(text), { m }, m.length);

  it('FILL gives every period a datapoint; an operation on a missing datapoint gives none', () => {
    expect(series('FILL(m, 0)', [undefined, 3, undefined])).toEqual([0, 3, 0]);
    expect(series('m * 2 + 1', [undefined, 3])).toEqual([undefined, 7]);
    expect(series('-m', [2])).toEqual([-2]);
  });

  it('IF and comparisons give 1 or 0; IF without a false value gives no datapoint', () => {
    expect(series('IF(m < 50, 1, 0)', [0, 100, undefined])).toEqual([1, 0, undefined]);
    expect(series('IF(m < 50, 1)', [0, 100])).toEqual([1, undefined]);
    expect(series('m >= 2 AND m <= 3', [1, 2, 3, 4])).toEqual([0, 1, 1, 0]);
  });

  it('DIFF subtracts the previous datapoint of the range, over gaps; the first has none', () => {
    expect(series('ABS(DIFF(IF(m < 50, 1, 0)))', [100, 0, undefined, 0, 100])).toEqual([undefined, 1, undefined, 0, 1]);
  });

  it('rejects what it does not model, and unknown ids', () => {
    expect(() => series('RATE(m)', [1])).toThrow(/does not model RATE/);
    expect(() => series('n + 1', [1])).toThrow(/unknown id n/);
    expect(() => parseExpression('m +')).toThrow(/ends early/);
  });

  it('a FILL(m, 0) alarm clears a sparse counter as soon as it stops, where the plain metric looks back', () => {
    const plain = alarm({ statistic: 'Sum', threshold: 0, evaluationPeriods: 1, datapointsToAlarm: 1, treatMissingData: 'notBreaching' });
    const filled = alarm({ ...plain, math: { expression: 'FILL(m, 0)', metrics: { m: plain } } });
    const points = [point(5, [1])];
    const wide = { ...DEFAULT_ASSUMPTIONS, extraRange: 5 };
    expect(evaluateMetricAlarm(plain, points, 8 * 60, 'ALARM', wide)).toBe('ALARM');
    expect(evaluateMetricAlarm(filled, points, 8 * 60, 'ALARM', wide)).toBe('OK');
    expect(evaluateMetricAlarm(filled, points, 6 * 60, 'OK', wide)).toBe('ALARM');
  });
});
