/**
 * Prints what CloudWatch (or the emulator) holds for a probe over the last hour: one row per metric and
 * dimension set with SampleCount, Average, Minimum, Maximum. Reads the names from the metrics contract.
 */
import { parseArgs } from 'node:util';
import { CloudWatchClient, GetMetricStatisticsCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { DEFAULT_NAMESPACE } from '../lambda/contract';
import { METRICS } from '../lambda/metrics-contract';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      endpoint: { type: 'string' },
      namespace: { type: 'string' },
      probe: { type: 'string' },
      region: { type: 'string' },
      minutes: { type: 'string' },
    },
  });
  const namespace = values.namespace ?? DEFAULT_NAMESPACE;
  const region = values.region ?? process.env.AWS_REGION ?? 'us-east-1';
  if (values.endpoint) {
    process.env.AWS_ACCESS_KEY_ID ??= 'emulator';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'emulator';
  }
  const client = new CloudWatchClient({ region, ...(values.endpoint ? { endpoint: values.endpoint } : {}) });
  const listed = await client.send(new ListMetricsCommand({ Namespace: namespace }));
  const start = new Date(Date.now() - Number(values.minutes ?? 60) * 60_000);
  const rows: string[][] = [];
  const seen = new Set<string>();
  for (const metric of listed.Metrics ?? []) {
    const dims = metric.Dimensions ?? [];
    const key = JSON.stringify([metric.MetricName, dims]);
    if (seen.has(key)) continue; // the emulator lists a metric once per datapoint
    seen.add(key);
    if (values.probe && !dims.some((d) => d.Name === 'Probe' && d.Value === values.probe)) continue;
    const out = await client.send(
      new GetMetricStatisticsCommand({
        Namespace: namespace,
        MetricName: metric.MetricName,
        Dimensions: dims,
        StartTime: start,
        EndTime: new Date(Date.now() + 60_000),
        Period: 3600 * 2,
        Statistics: ['SampleCount', 'Average', 'Minimum', 'Maximum'],
      }),
    );
    const d = out.Datapoints?.[0];
    const unit = METRICS[metric.MetricName as keyof typeof METRICS]?.unit ?? '';
    rows.push([
      metric.MetricName ?? '',
      dims.map((x) => `${x.Name}=${x.Value}`).join(','),
      unit,
      String(d?.SampleCount ?? 0),
      d?.Average?.toFixed(3) ?? '-',
      d?.Minimum?.toFixed(3) ?? '-',
      d?.Maximum?.toFixed(3) ?? '-',
    ]);
  }
  rows.sort((a, b) => (a[0]! + a[1]!).localeCompare(b[0]! + b[1]!));
  const head = ['metric', 'dimensions', 'unit', 'samples', 'avg', 'min', 'max'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) console.log(r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  if (rows.length === 0) console.log(`(no metrics in namespace ${namespace}${values.probe ? ` for probe ${values.probe}` : ''})`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
