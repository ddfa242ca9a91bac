/** Helpers for metric tests: what a run report promises, what EMF lines hold, what CloudWatch returns. */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { type CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import type { RunReport } from '../../lambda/core/roundtrip/report';
import { freePort } from '../../local-kafka/broker';

export interface Point {
  readonly metric: string;
  readonly dims: Readonly<Record<string, string>>;
  readonly values: readonly number[];
}

const micros = (v: number) => Math.round(v * 1000) / 1000;

/** The datapoints a report promises, read straight from the report (not from the code that builds datums). */
export function expectedPoints(r: RunReport): Point[] {
  const probe = { Probe: r.probe };
  const points: Point[] = [];
  const add = (metric: string, values: readonly number[], dims: Record<string, string> = probe) => {
    if (values.length) points.push({ metric, dims, values: values.map(micros) });
  };
  const nonZero = (metric: string, v: number) => v !== 0 && add(metric, [v]);
  add('EndToEndLatency', r.samples.endToEnd);
  for (const [broker, samples] of Object.entries(r.samples.endToEndByBroker)) add('EndToEndLatency', samples, { ...probe, Broker: broker });
  add('ProduceLatency', r.samples.produce);
  if (!r.warm) nonZero('ConnectLatency', r.timings.connectMs);
  nonZero('MessagesLost', r.counts.lost);
  nonZero('MessagesLate', r.counts.late);
  nonZero('MessagesDuplicated', r.counts.duplicated);
  nonZero('MessagesOutOfOrder', r.counts.outOfOrder);
  nonZero('MessagesCorrupt', r.counts.corrupt);
  nonZero('ForeignMessages', r.counts.foreign);
  nonZero('ProduceErrors', r.counts.produceErrors);
  add('ProduceAvailability', [r.availability.produce]);
  add('EndToEndAvailability', [r.availability.endToEnd]);
  add('RunSucceeded', [r.measured ? 1 : 0]);
  add('RunDuration', [r.timings.runMs]);
  nonZero('BrokersWithoutCanaryLeader', r.brokersWithoutCanaryLeader.length);
  nonZero('BrokersMissing', r.brokersMissing);
  if (r.slowestBrokerMs !== undefined) add('SlowestBrokerLatency', [r.slowestBrokerMs]);
  if (r.offsetCommit?.latencyMs !== undefined) add('OffsetCommitLatency', [r.offsetCommit.latencyMs]);
  if (r.offsetCommit?.error) add('OffsetCommitErrors', [1]);
  return points;
}

/** Datapoints held by EMF log lines, one entry per metric and dimension set, values merged. */
export function pointsFromEmf(lines: readonly string[]): Point[] {
  const merged = new Map<string, { metric: string; dims: Record<string, string>; values: number[] }>();
  for (const text of lines) {
    const line = JSON.parse(text);
    for (const directive of line._aws.CloudWatchMetrics) {
      for (const dimSet of directive.Dimensions as string[][]) {
        const dims = Object.fromEntries(dimSet.map((d) => [d, line[d]]));
        for (const m of directive.Metrics as Array<{ Name: string }>) {
          const key = JSON.stringify([m.Name, dims]);
          const entry = merged.get(key) ?? { metric: m.Name, dims, values: [] as number[] };
          entry.values.push(...([line[m.Name]].flat() as number[]));
          merged.set(key, entry);
        }
      }
    }
  }
  return [...merged.values()];
}

export function sortPoints(points: readonly Point[]): Point[] {
  return points
    .map((p) => ({ ...p, values: [...p.values].sort((a, b) => a - b) }))
    .sort((a, b) => JSON.stringify([a.metric, a.dims]).localeCompare(JSON.stringify([b.metric, b.dims])));
}

export interface Stats {
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
}

export function statsOf(values: readonly number[]): Stats {
  return { sampleCount: values.length, sum: values.reduce((a, b) => a + b, 0), min: Math.min(...values), max: Math.max(...values) };
}

/** Reads one metric back with GetMetricStatistics, summed over every period of the window. */
export async function readBack(client: CloudWatchClient, namespace: string, point: Point, around: Date): Promise<Stats | undefined> {
  const out = await client.send(
    new GetMetricStatisticsCommand({
      Namespace: namespace,
      MetricName: point.metric,
      Dimensions: Object.entries(point.dims).map(([Name, Value]) => ({ Name, Value })),
      StartTime: new Date(around.getTime() - 10 * 60_000),
      EndTime: new Date(Date.now() + 10 * 60_000),
      Period: 60,
      Statistics: ['SampleCount', 'Sum', 'Minimum', 'Maximum'],
    }),
  );
  const dps = out.Datapoints ?? [];
  if (dps.length === 0) return undefined;
  return {
    sampleCount: dps.reduce((a, d) => a + (d.SampleCount ?? 0), 0),
    sum: dps.reduce((a, d) => a + (d.Sum ?? 0), 0),
    min: Math.min(...dps.map((d) => d.Minimum ?? Infinity)),
    max: Math.max(...dps.map((d) => d.Maximum ?? -Infinity)),
  };
}

/**
 * An HTTP front for the emulator that answers the first `failures` requests itself (a throttling error,
 * a server error) and forwards the rest, counting what it saw.
 */
export class FaultyFront {
  requests = 0;
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(targetPort: number, failures: number, fault: { status: number; type: string; message: string }): Promise<FaultyFront> {
    const port = await freePort();
    let front: FaultyFront;
    const server = createServer((req: IncomingMessage, res) => {
      const n = ++front.requests;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (n <= failures) {
          res.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${fault.type};Sender` });
          res.end(JSON.stringify({ __type: fault.type, message: fault.message }));
          return;
        }
        const upstream = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    front = new FaultyFront(server, `http://localhost:${port}`);
    return front;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
