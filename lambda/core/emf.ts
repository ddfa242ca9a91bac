/**
 * CloudWatch Embedded Metric Format: the same datums as JSON log lines that CloudWatch Logs turns into
 * metrics, with no API call. EMF has no Counts, so a value/count pair becomes `count` copies of the value;
 * lines keep to 100 metrics and 100 values per metric.
 */
import { CLOUDWATCH_LIMITS } from '../metrics-contract';
import type { Datum } from './metric-datums';

export interface EmfLine {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<readonly string[]>;
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: string; readonly StorageResolution?: number }>;
    }>;
  };
  readonly [key: string]: unknown;
}

function expandValues(d: Datum): number[] {
  if (d.Values) return d.Values.flatMap((v, i) => Array<number>(d.Counts?.[i] ?? 1).fill(v));
  return d.Value === undefined ? [] : [d.Value];
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface Slice {
  readonly datum: Datum;
  readonly values: number[];
}

export function datumsToEmf(namespace: string, datums: readonly Datum[]): EmfLine[] {
  // One line holds one dimension set and timestamp, and a metric name at most once.
  const groups = new Map<string, Slice[][]>();
  for (const datum of datums) {
    const key = JSON.stringify([datum.Timestamp.getTime(), datum.Dimensions]);
    const lines = groups.get(key) ?? [];
    for (const values of chunk(expandValues(datum), CLOUDWATCH_LIMITS.emfValuesPerMetric)) {
      let line = lines.find((l) => l.length < CLOUDWATCH_LIMITS.emfMetricsPerLine && !l.some((s) => s.datum.MetricName === datum.MetricName));
      if (!line) {
        line = [];
        lines.push(line);
      }
      line.push({ datum, values });
    }
    groups.set(key, lines);
  }
  const out: EmfLine[] = [];
  for (const lines of groups.values()) {
    for (const slices of lines) {
      const first = slices[0]!.datum;
      const dimensionValues = Object.fromEntries(first.Dimensions.map((d) => [d.Name, d.Value]));
      const metricValues = Object.fromEntries(slices.map((s) => [s.datum.MetricName, s.values.length === 1 ? s.values[0] : s.values]));
      out.push({
        _aws: {
          Timestamp: first.Timestamp.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [first.Dimensions.map((d) => d.Name)],
              Metrics: slices.map((s) => ({
                Name: s.datum.MetricName,
                Unit: s.datum.Unit,
                ...(s.datum.StorageResolution ? { StorageResolution: s.datum.StorageResolution } : {}),
              })),
            },
          ],
        },
        ...dimensionValues,
        ...metricValues,
      });
    }
  }
  return out;
}
