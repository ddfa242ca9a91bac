/** Reads the alarms of a synthesized CloudFormation template into the evaluator's terms. */
import type { AlarmSet, Comparison, CompositeAlarmDef, MetricAlarmDef, MetricQuery, TreatMissing } from './evaluator';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

export const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Intrinsics to strings: pseudo parameters to fixed values, references to logical ids. */
export function resolve(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const v = value as Record<string, unknown>;
  if (typeof v?.Ref === 'string') return PSEUDO[v.Ref] ?? v.Ref;
  if (Array.isArray(v?.['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(sep);
  }
  if (Array.isArray(v?.['Fn::GetAtt'])) return String((v['Fn::GetAtt'] as string[])[0]);
  throw new Error(`the drill cannot resolve ${JSON.stringify(value)}`);
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(resolve) : []);

interface MetricDataQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly ReturnData?: boolean;
  readonly MetricStat?: { Metric: Record<string, unknown>; Period: number; Stat: string; Unit?: string };
}

/** The metric of a plain alarm, or of one MetricStat of a math alarm (same field names, one level down). */
function metricQuery(p: Record<string, unknown>, stat?: { Stat: string; Unit?: string }): MetricQuery {
  return {
    namespace: resolve(p.Namespace),
    metricName: resolve(p.MetricName),
    dimensions: Object.fromEntries(((p.Dimensions ?? []) as Array<{ Name: string; Value: unknown }>).map((d) => [d.Name, resolve(d.Value)])),
    statistic: resolve(stat ? stat.Stat : (p.Statistic ?? p.ExtendedStatistic)),
    unit: (stat ? stat.Unit : p.Unit) === undefined ? undefined : resolve(stat ? stat.Unit : p.Unit),
  };
}

/** A metric-math alarm: the expression that returns data, and every metric it reads by id. */
function mathOf(id: string, queries: readonly MetricDataQuery[]) {
  const returned = queries.filter((q) => q.ReturnData !== false);
  if (returned.length !== 1 || !returned[0]!.Expression) throw new Error(`alarm ${id}: a math alarm must return exactly one expression`);
  const stats = queries.filter((q) => q.MetricStat);
  if (queries.some((q) => q !== returned[0] && q.Expression)) throw new Error(`alarm ${id}: nested expressions are not modelled by the drill`);
  const periods = new Set(stats.map((q) => Number(q.MetricStat!.Period)));
  if (periods.size !== 1) throw new Error(`alarm ${id}: its metrics must share one period`);
  return {
    expression: returned[0]!.Expression!,
    metrics: Object.fromEntries(stats.map((q) => [q.Id, metricQuery(q.MetricStat!.Metric, q.MetricStat!)])),
    periodSeconds: [...periods][0]!,
  };
}

export function alarmsFromTemplate(template: { Resources: Resources }): AlarmSet {
  const metricAlarms: MetricAlarmDef[] = [];
  const compositeAlarms: CompositeAlarmDef[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties;
    if (r.Type === 'AWS::CloudWatch::Alarm') {
      const math = p.Metrics ? mathOf(id, p.Metrics as MetricDataQuery[]) : undefined;
      const query: MetricQuery = math ? Object.values(math.metrics)[0]! : metricQuery(p);
      metricAlarms.push({
        name: resolve(p.AlarmName),
        ...query,
        math,
        periodSeconds: math ? math.periodSeconds : Number(p.Period),
        evaluationPeriods: Number(p.EvaluationPeriods),
        datapointsToAlarm: Number(p.DatapointsToAlarm ?? p.EvaluationPeriods),
        threshold: Number(p.Threshold),
        comparison: resolve(p.ComparisonOperator) as Comparison,
        treatMissingData: (p.TreatMissingData === undefined ? 'missing' : resolve(p.TreatMissingData)) as TreatMissing,
        alarmActions: list(p.AlarmActions),
        okActions: list(p.OKActions),
      });
    } else if (r.Type === 'AWS::CloudWatch::CompositeAlarm') {
      if (p.ActionsSuppressor) throw new Error(`composite ${id} uses an actions suppressor, which the drill does not model yet`);
      compositeAlarms.push({ name: resolve(p.AlarmName), rule: resolve(p.AlarmRule), alarmActions: list(p.AlarmActions), okActions: list(p.OKActions) });
    }
  }
  return { metricAlarms, compositeAlarms };
}

/** Only the alarms of one check (their names start streamprobe-<kind>-<name>-): a month of minutes is evaluated faster without the others. */
export function alarmsOfCheck(alarms: AlarmSet, prefix: string): AlarmSet {
  return {
    metricAlarms: alarms.metricAlarms.filter((a) => a.name.startsWith(prefix)),
    compositeAlarms: alarms.compositeAlarms.filter((a) => a.name.startsWith(prefix)),
  };
}

/** Only the alarms a composite names, and the composites: what decides a page, when notifications do not matter. */
export function pagingAlarmsOnly(alarms: AlarmSet): AlarmSet {
  const named = alarms.compositeAlarms.map((c) => c.rule).join(' ');
  return {
    metricAlarms: alarms.metricAlarms.filter((a) => named.includes(`:alarm:${a.name}"`) || named.includes(`(${a.name})`)),
    compositeAlarms: alarms.compositeAlarms,
  };
}

/** The logical id of the topic whose display name contains `text`. */
export function topicId(template: { Resources: Resources }, text: string): string {
  const found = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SNS::Topic' && String(r.Properties.DisplayName).includes(text));
  if (!found) throw new Error(`no SNS topic "${text}" in the template`);
  return found[0];
}

/** A check's function and the rule that schedules it, as the metrics of AWS/Lambda and AWS/Events name them. */
export interface CheckIds {
  readonly functionName: string;
  readonly ruleName: string;
}

/** The function whose `variable` is `name`, and the schedule rule that targets it. */
export function checkIds(template: { Resources: Resources }, name: string, variable = 'STREAMPROBE_PROBE_NAME'): CheckIds {
  const functionName = functionId(template, name, variable);
  const rule = Object.entries(template.Resources).find(
    ([, r]) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties.Targets ?? []).includes(`"${functionName}"`),
  );
  if (!rule) throw new Error(`no schedule rule targets ${functionName}`);
  return { functionName, ruleName: rule[0] };
}

/** The logical id of the Lambda whose `variable` (the probe's, pipeline's or lag check's name) is `name`. */
export function functionId(template: { Resources: Resources }, name: string, variable = 'STREAMPROBE_PROBE_NAME'): string {
  const found = Object.entries(template.Resources).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' && (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.[variable] === name,
  );
  if (!found) throw new Error(`no function with ${variable}=${name} in the template`);
  return found[0];
}
