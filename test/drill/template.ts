/** Reads the alarms of a synthesized CloudFormation template into the evaluator's terms. */
import type { AlarmSet, Comparison, CompositeAlarmDef, MetricAlarmDef, TreatMissing } from './evaluator';

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

export function alarmsFromTemplate(template: { Resources: Resources }): AlarmSet {
  const metricAlarms: MetricAlarmDef[] = [];
  const compositeAlarms: CompositeAlarmDef[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const p = r.Properties;
    if (r.Type === 'AWS::CloudWatch::Alarm') {
      if (p.Metrics) throw new Error(`alarm ${id} uses metric math, which the drill does not model yet`);
      metricAlarms.push({
        name: resolve(p.AlarmName),
        namespace: resolve(p.Namespace),
        metricName: resolve(p.MetricName),
        dimensions: Object.fromEntries(((p.Dimensions ?? []) as Array<{ Name: string; Value: unknown }>).map((d) => [d.Name, resolve(d.Value)])),
        statistic: resolve(p.Statistic ?? p.ExtendedStatistic),
        unit: p.Unit === undefined ? undefined : resolve(p.Unit),
        periodSeconds: Number(p.Period),
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

/** The logical id of the topic whose display name contains `text`. */
export function topicId(template: { Resources: Resources }, text: string): string {
  const found = Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::SNS::Topic' && String(r.Properties.DisplayName).includes(text));
  if (!found) throw new Error(`no SNS topic "${text}" in the template`);
  return found[0];
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
