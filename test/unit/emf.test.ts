import { describe, expect, it } from 'vitest';
import { datumsToEmf, type EmfLine } from '../../lambda/core/emf';
import type { Datum } from '../../lambda/core/metric-datums';

const t = new Date('2026-11-21T10:00:00.000Z');
const probe = [{ Name: 'Probe', Value: 'orders' }];

/** The checks the EMF specification makes of a line. */
function assertValidEmf(line: EmfLine): void {
  const directive = line._aws.CloudWatchMetrics[0]!;
  expect(typeof line._aws.Timestamp).toBe('number');
  expect(directive.Metrics.length).toBeGreaterThan(0);
  expect(directive.Metrics.length).toBeLessThanOrEqual(100);
  for (const set of directive.Dimensions) for (const name of set) expect(typeof line[name], `dimension ${name}`).toBe('string');
  for (const m of directive.Metrics) {
    const value = line[m.Name];
    const values = Array.isArray(value) ? value : [value];
    expect(values.length, m.Name).toBeGreaterThan(0);
    expect(values.length, m.Name).toBeLessThanOrEqual(100);
    for (const v of values) expect(typeof v).toBe('number');
  }
}

describe('Embedded Metric Format', () => {
  it('declares every metric with its unit and carries every dimension value', () => {
    const datums: Datum[] = [
      { MetricName: 'RunSucceeded', Unit: 'Count', Dimensions: probe, Timestamp: t, Value: 3 },
      { MetricName: 'EndToEndLatency', Unit: 'Milliseconds', Dimensions: probe, Timestamp: t, Values: [1.5, 2], Counts: [2, 1] },
      {
        MetricName: 'EndToEndLatency',
        Unit: 'Milliseconds',
        Dimensions: [...probe, { Name: 'Broker', Value: '2' }],
        Timestamp: t,
        Values: [4],
        Counts: [1],
        StorageResolution: 1,
      },
    ];
    const lines = datumsToEmf('StreamProbe', datums);
    expect(lines).toEqual([
      {
        _aws: {
          Timestamp: t.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'StreamProbe',
              Dimensions: [['Probe']],
              Metrics: [
                { Name: 'RunSucceeded', Unit: 'Count' },
                { Name: 'EndToEndLatency', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        Probe: 'orders',
        RunSucceeded: 3,
        EndToEndLatency: [1.5, 1.5, 2],
      },
      {
        _aws: {
          Timestamp: t.getTime(),
          CloudWatchMetrics: [
            { Namespace: 'StreamProbe', Dimensions: [['Probe', 'Broker']], Metrics: [{ Name: 'EndToEndLatency', Unit: 'Milliseconds', StorageResolution: 1 }] },
          ],
        },
        Probe: 'orders',
        Broker: '2',
        EndToEndLatency: 4,
      },
    ]);
    lines.forEach(assertValidEmf);
  });

  it('splits a metric with more than 100 values over several lines, losing none', () => {
    const datum: Datum = { MetricName: 'EndToEndLatency', Unit: 'Milliseconds', Dimensions: probe, Timestamp: t, Values: [1, 2, 3], Counts: [100, 100, 50] };
    const lines = datumsToEmf('StreamProbe', [datum, { MetricName: 'RunSucceeded', Unit: 'Count', Dimensions: probe, Timestamp: t, Value: 250 }]);
    expect(lines).toHaveLength(3);
    lines.forEach(assertValidEmf);
    const all = lines.flatMap((l) => (l.EndToEndLatency === undefined ? [] : [l.EndToEndLatency].flat())) as number[];
    expect(all).toHaveLength(250);
    expect(all.filter((v) => v === 3)).toHaveLength(50);
    expect(lines.filter((l) => l.RunSucceeded === 250)).toHaveLength(1);
  });

  it('keeps to 100 metrics per line', () => {
    const many: Datum[] = Array.from({ length: 130 }, (_, i) => ({
      MetricName: `M${i}` as never,
      Unit: 'Count',
      Dimensions: probe,
      Timestamp: t,
      Value: i,
    }));
    const lines = datumsToEmf('NS', many);
    expect(lines.map((l) => l._aws.CloudWatchMetrics[0]!.Metrics.length)).toEqual([100, 30]);
    lines.forEach(assertValidEmf);
  });
});
