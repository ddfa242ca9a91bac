/**
 * Every measurement reaches CloudWatch (moto's server): read back with GetMetricStatistics it equals the
 * run report. With the API down or failing, the EMF lines hold every datapoint instead.
 */
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { CloudWatchPublisher } from '../../lambda/adapters/cloudwatch';
import type { MetricSink } from '../../lambda/contract';
import { createRuntime } from '../../lambda/runtime';
import { freePort } from '../../local-kafka/broker';
import { type CapturedOutput, probeConfig, uniqueName, withRuntime } from '../helpers/kafka';
import { expectedPoints, FaultyFront, pointsFromEmf, readBack, sortPoints, statsOf } from '../helpers/metrics';

const kafka = inject('kafka');
const moto = inject('moto');

beforeAll(() => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
});

function runtimeWith(endpoint: string, sink: MetricSink, emf: string[]) {
  return (config: Parameters<typeof withRuntime>[0], logger: ConstructorParameters<typeof CloudWatchPublisher>[0]['logger']) =>
    createRuntime('roundtrip', {
      config,
      logger,
      sinks: [new CloudWatchPublisher({ sink, namespace: config.metricsNamespace, endpoint, logger, writeLine: (l) => emf.push(l) })],
    });
}

const emfLinesIn = (output: CapturedOutput) => output.lines.filter((l) => l.includes('"_aws"'));

describe('metrics to the CloudWatch API', () => {
  it('lands every measurement of a real run exactly: SampleCount, Sum, Minimum, Maximum per metric and dimension', async () => {
    const namespace = uniqueName('StreamProbeTest');
    const config = probeConfig(kafka.plaintext, { minPartitions: 3, eventsPerPartition: 4, metricsNamespace: namespace });
    const emf: string[] = [];
    const client = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1' });
    await withRuntime(
      config,
      async (runtime, output) => {
        const report = (await runtime.runOnce()).details;
        expect(report.counts).toMatchObject({ sent: 12, received: 12 });
        expect(emf).toEqual([]);
        expect(output.events('metrics_error')).toEqual([]);

        const expected = expectedPoints(report);
        expect(expected.map((p) => p.metric)).toContain('EndToEndLatency');
        for (const point of expected) {
          const got = await readBack(client, namespace, point, new Date(report.startedAt));
          // moto matches a dimension filter as a subset (real CloudWatch matches it exactly), so the
          // [Probe] query of a per-broker metric also returns the [Probe, Broker] samples.
          const alsoMatched = expected.filter((p) => p !== point && p.metric === point.metric && Object.entries(point.dims).every(([k, v]) => p.dims[k] === v));
          const want = statsOf([...point.values, ...alsoMatched.flatMap((p) => p.values)]);
          expect(got, `${point.metric} ${JSON.stringify(point.dims)}`).toBeDefined();
          expect(got!.sampleCount, `${point.metric} SampleCount`).toBe(want.sampleCount);
          expect(got!.sum, `${point.metric} Sum`).toBeCloseTo(want.sum, 6);
          expect(got!.min, `${point.metric} Minimum`).toBeCloseTo(want.min, 6);
          expect(got!.max, `${point.metric} Maximum`).toBeCloseTo(want.max, 6);
        }
        // Nothing published beyond what the report promises.
        const listed = await client.send(new ListMetricsCommand({ Namespace: namespace }));
        const key = (name: string, dims: Record<string, string>) => JSON.stringify([name, Object.entries(dims).sort()]);
        const listedKeys = new Set(
          (listed.Metrics ?? []).map((m) => key(m.MetricName!, Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name!, d.Value!])))),
        );
        expect(listedKeys).toEqual(new Set(expected.map((p) => key(p.metric, p.dims))));
      },
      runtimeWith(moto.endpoint, 'api', emf),
    );
  });

  it('retries a throttled request and then succeeds, with nothing left for EMF', async () => {
    const namespace = uniqueName('StreamProbeTest');
    const front = await FaultyFront.start(moto.port, 2, { status: 400, type: 'Throttling', message: 'Rate exceeded' });
    const emf: string[] = [];
    try {
      const config = probeConfig(kafka.plaintext, { metricsNamespace: namespace });
      await withRuntime(
        config,
        async (runtime, output) => {
          const report = (await runtime.runOnce()).details;
          expect(front.requests).toBe(3);
          expect(emf).toEqual([]);
          expect(output.events('metrics_error')).toEqual([]);
          const client = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1' });
          const availability = await readBack(
            client,
            namespace,
            { metric: 'EndToEndAvailability', dims: { Probe: config.probeName }, values: [] },
            new Date(report.startedAt),
          );
          expect(availability).toMatchObject({ sampleCount: 1, sum: report.availability.endToEnd });
        },
        runtimeWith(front.endpoint, 'api', emf),
      );
    } finally {
      await front.stop();
    }
  });
});

describe('metrics when the CloudWatch API is not there', () => {
  const cases: Array<[string, () => Promise<{ endpoint: string; stop: () => Promise<void> }>]> = [
    ['stopped (connection refused)', async () => ({ endpoint: `http://localhost:${await freePort()}`, stop: async () => {} })],
    [
      'answering server errors',
      async () => {
        const front = await FaultyFront.start(moto.port, 1_000_000, { status: 500, type: 'InternalFailure', message: 'broken' });
        return { endpoint: front.endpoint, stop: () => front.stop() };
      },
    ],
  ];
  for (const [label, makeEndpoint] of cases) {
    it(`${label}: the run ends in time and its EMF lines hold every datapoint, one for one`, async () => {
      const { endpoint, stop } = await makeEndpoint();
      const emf: string[] = [];
      try {
        const config = probeConfig(kafka.plaintext, { minPartitions: 2, eventsPerPartition: 3, runTimeoutMs: 6000, metricsNamespace: uniqueName('NS') });
        await withRuntime(
          config,
          async (runtime, output) => {
            const started = performance.now();
            const report = (await runtime.runOnce()).details;
            expect(performance.now() - started).toBeLessThan(config.runTimeoutMs + 500);
            expect(report.outcome).toBe('healthy');
            const promised = expectedPoints(report);
            // Every datapoint of the run, plus one that says how many went this way (the metrics-fallback alarm).
            const fallback = { metric: 'MetricsFallback', dims: { Probe: config.probeName }, values: [promised.length] };
            expect(sortPoints(pointsFromEmf(emf))).toEqual(sortPoints([...promised, fallback]));
            expect(emf.every((l) => JSON.parse(l)._aws.CloudWatchMetrics[0].Namespace === config.metricsNamespace)).toBe(true);
            expect(output.events('metrics_error').length).toBeGreaterThan(0);
            expect(output.events('metrics_fallback')[0]).toMatchObject({ level: 'WARN', runId: report.runId });
            expect(emfLinesIn(output)).toEqual([]);
          },
          runtimeWith(endpoint, 'api', emf),
        );
      } finally {
        await stop();
      }
    });
  }

  it('a run that cannot reach Kafka still publishes the heartbeat 0 and availability 0', async () => {
    const namespace = uniqueName('StreamProbeTest');
    const config = probeConfig(`127.0.0.1:${await freePort()}`, { runTimeoutMs: 6000, metricsNamespace: namespace });
    const client = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1' });
    await withRuntime(
      config,
      async (runtime) => {
        const report = (await runtime.runOnce()).details;
        expect(report.outcome).toBe('failed');
        for (const metric of ['RunSucceeded', 'ProduceAvailability', 'EndToEndAvailability']) {
          const got = await readBack(client, namespace, { metric, dims: { Probe: config.probeName }, values: [] }, new Date(report.startedAt));
          expect(got, metric).toMatchObject({ sampleCount: 1, sum: 0, max: 0 });
        }
      },
      runtimeWith(moto.endpoint, 'api', []),
    );
  });
});
