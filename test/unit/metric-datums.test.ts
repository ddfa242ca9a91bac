import { describe, expect, it } from 'vitest';
import { batchDatums, type Datum, lagCheckToDatums, reportToDatums, toValuesAndCounts } from '../../lambda/core/metric-datums';
import { encodeEvent } from '../../lambda/core/roundtrip/event';
import { failedReport, reconcile } from '../../lambda/core/roundtrip/reconcile';
import { METRICS } from '../../lambda/metrics-contract';

const ctx = {
  probe: 'orders',
  runId: 'r1',
  topic: 't',
  startedAt: '2026-11-21T10:00:00.000Z',
  warm: false,
  timings: { connectMs: 12.5, prepareMs: 40, runMs: 80.25 },
  leaders: { 0: 1, 1: 2 },
  brokers: [1, 2, 3],
};

function healthyReport() {
  const sent = [0, 1].map((p) => ({ partition: p, seq: 0, sentAt: 100, ackedAt: 103 + p, offset: '0' }));
  const received = [0, 1].map((p) => ({
    partition: p,
    offset: '0',
    arrivedAt: 105 + p * 10,
    value: encodeEvent({ probe: 'orders', run: 'r1', partition: p, seq: 0, sentAt: 100, wallAt: 1 }, 100),
  }));
  return reconcile({ ...ctx, sent, received, errors: [] });
}

const find = (datums: Datum[], name: string, broker?: string) =>
  datums.filter((d) => d.MetricName === name && d.Dimensions.find((x) => x.Name === 'Broker')?.Value === broker);

describe('metric datums of a run report', () => {
  it('publishes latencies as value/count arrays and counters as values, with the Probe dimension', () => {
    const datums = reportToDatums(healthyReport());
    const e2e = find(datums, 'EndToEndLatency');
    expect(e2e).toEqual([
      {
        MetricName: 'EndToEndLatency',
        Unit: 'Milliseconds',
        Dimensions: [{ Name: 'Probe', Value: 'orders' }],
        Timestamp: new Date('2026-11-21T10:00:00.000Z'),
        Values: [5, 15],
        Counts: [1, 1],
      },
    ]);
    expect(find(datums, 'ProduceLatency')[0]).toMatchObject({ Values: [3, 4], Counts: [1, 1] });
    // Sent and received are in the run summary; availability is their ratio, and each metric is billed.
    expect(find(datums, 'MessagesSent' as never)).toEqual([]);
    expect(find(datums, 'EndToEndAvailability')[0]).toMatchObject({ Value: 100, Unit: 'Percent' });
    expect(find(datums, 'RunSucceeded')[0]).toMatchObject({ Value: 1 });
    expect(find(datums, 'ConnectLatency')[0]).toMatchObject({ Value: 12.5 });
    expect(find(datums, 'RunDuration')[0]).toMatchObject({ Value: 80.25, Unit: 'Milliseconds' });
    expect(find(datums, 'BrokersWithoutCanaryLeader')[0]).toMatchObject({ Value: 1 });
  });

  it('publishes end-to-end latency per leader broker as well', () => {
    const datums = reportToDatums(healthyReport());
    expect(find(datums, 'EndToEndLatency', '1')[0]).toMatchObject({
      Dimensions: [
        { Name: 'Probe', Value: 'orders' },
        { Name: 'Broker', Value: '1' },
      ],
      Values: [5],
      Counts: [1],
    });
    expect(find(datums, 'EndToEndLatency', '2')[0]).toMatchObject({ Values: [15] });
  });

  it('leaves out zero counters that are billed only when published, never the alarmed ones', () => {
    const names = new Set(reportToDatums(healthyReport()).map((d) => d.MetricName));
    for (const name of ['MessagesLost', 'MessagesDuplicated', 'MessagesOutOfOrder', 'MessagesCorrupt', 'ForeignMessages', 'ProduceErrors']) {
      expect(names.has(name as never), name).toBe(false);
    }
    for (const name of ['EndToEndAvailability', 'ProduceAvailability', 'RunSucceeded', 'EndToEndLatency']) {
      expect(names.has(name as never), name).toBe(true);
    }
    for (const d of reportToDatums(healthyReport())) expect(METRICS[d.MetricName].unit).toBe(d.Unit);
  });

  it('a failed run still sends the heartbeat 0 and availability 0, and no latency', () => {
    const report = failedReport({ ...ctx, leaders: {}, brokers: [] }, [{ phase: 'connect', type: 'E', message: 'down' }]);
    const datums = reportToDatums(report);
    expect(find(datums, 'RunSucceeded')[0]).toMatchObject({ Value: 0 });
    expect(find(datums, 'ProduceAvailability')[0]).toMatchObject({ Value: 0 });
    expect(find(datums, 'EndToEndAvailability')[0]).toMatchObject({ Value: 0 });
    expect(find(datums, 'EndToEndLatency')).toEqual([]);
  });

  it('marks every datum high resolution on request', () => {
    expect(reportToDatums(healthyReport(), { highResolution: true }).every((d) => d.StorageResolution === 1)).toBe(true);
    expect(reportToDatums(healthyReport()).some((d) => 'StorageResolution' in d)).toBe(false);
  });
});

describe('value/count arrays', () => {
  it('counts repeated values once each', () => {
    expect(toValuesAndCounts([3, 1, 3, 2, 3])).toEqual({ values: [1, 2, 3], counts: [1, 1, 3] });
  });

  it('buckets more than 150 distinct values keeping count, sum, minimum and maximum exact', () => {
    const samples = Array.from({ length: 5000 }, (_, i) => 1 + ((i * 7919) % 4999) * 0.013);
    const { values, counts } = toValuesAndCounts(samples);
    expect(values.length).toBeLessThanOrEqual(150);
    expect(new Set(values).size).toBe(values.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5000);
    const sum = values.reduce((acc, v, i) => acc + v * counts[i]!, 0);
    expect(sum).toBeCloseTo(
      samples.reduce((a, b) => a + Math.round(b * 1000) / 1000, 0),
      6,
    );
    expect(values[0]).toBe(Math.min(...samples));
    expect(values[values.length - 1]).toBeCloseTo(Math.max(...samples), 9);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
  });

  it('keeps a percentile within one bucket of the truth', () => {
    const samples = Array.from({ length: 2000 }, (_, i) => i / 10);
    const { values, counts } = toValuesAndCounts(samples);
    let seen = 0;
    const p90 = values.find((_, i) => (seen += counts[i]!) >= 1800)!;
    expect(Math.abs(p90 - 179.9)).toBeLessThan(200 / 148 + 0.1);
  });
});

describe('batching', () => {
  it('never puts more than 1000 datums in a request', () => {
    const batches = batchDatums(Array.from({ length: 2501 }, (_, i) => ({ n: i })));
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 501]);
  });

  it('splits by payload size under 1 MB', () => {
    const big = { pad: 'x'.repeat(300_000) };
    const batches = batchDatums([big, big, big, big]);
    expect(batches.map((b) => b.length)).toEqual([3, 1]);
    for (const b of batches) expect(JSON.stringify(b).length).toBeLessThan(1_000_000);
  });

  it('makes no request for no datums', () => {
    expect(batchDatums([])).toEqual([]);
  });
});

describe('lag check datums', () => {
  const group = (over: Record<string, unknown> = {}) => ({
    group: 'billing',
    exists: true,
    status: 'OK',
    members: 2,
    maxTimeLagMs: 1200 as number | undefined,
    totalOffsetLag: 5n,
    laggingPartitions: 1,
    retentionLost: 0n,
    partitions: [
      { topic: 'orders', partition: 0, offsetLag: 5n, timeLagMs: 1200 },
      { topic: 'orders', partition: 1, offsetLag: 0n, timeLagMs: 0 },
    ],
    ...over,
  });
  const check = (groups: ReturnType<typeof group>[], succeeded = true) => ({ check: 'lag', checkedAt: new Date(0).toISOString(), succeeded, groups });
  const names = (d: ReturnType<typeof lagCheckToDatums>) => d.map((x) => `${x.MetricName}${x.Dimensions.length > 2 ? `/${x.Dimensions[3]!.Value}` : ''}`);

  it('a failed check publishes its heartbeat at 0 and nothing it did not measure', () => {
    expect(lagCheckToDatums(check([group()], false)).map((d) => [d.MetricName, d.Value])).toEqual([['LagCheckSucceeded', 0]]);
  });

  it('an unknown group publishes no series of its own but is counted; an unknown time lag publishes no time lag', () => {
    const d = lagCheckToDatums(check([group({ maxTimeLagMs: undefined }), group({ group: 'typo', exists: false })]));
    expect(d.find((x) => x.MetricName === 'LagCheckUnknownGroups')?.Value).toBe(1);
    expect(d.some((x) => x.Dimensions.some((dim) => dim.Value === 'typo'))).toBe(false);
    expect(d.some((x) => x.MetricName === 'ConsumerGroupMaxTimeLag' || x.MetricName === 'LagCheckMaxTimeLag')).toBe(false);
    expect(d.find((x) => x.MetricName === 'ConsumerGroupStopped')?.Value).toBe(0);
  });

  it('per-partition series only when asked for, one per partition with a committed offset', () => {
    expect(names(lagCheckToDatums(check([group()]))).filter((n) => n.startsWith('ConsumerGroupPartition'))).toEqual([]);
    expect(names(lagCheckToDatums(check([group()]), { partitionMetrics: true })).filter((n) => n.startsWith('ConsumerGroupPartition'))).toEqual([
      'ConsumerGroupPartitionOffsetLag/0',
      'ConsumerGroupPartitionTimeLag/0',
      'ConsumerGroupPartitionOffsetLag/1',
      'ConsumerGroupPartitionTimeLag/1',
    ]);
  });
});
