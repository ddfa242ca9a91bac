/**
 * Turns a run report into CloudWatch metric datums (the PutMetricData shape, as plain data), and splits
 * them into requests within the API limits. Latencies go out as Values + Counts so CloudWatch can compute
 * percentiles across runs.
 */

import type { CheckKind } from '../contract';
import { CHECK_DIMENSION, CLOUDWATCH_LIMITS, DIMENSIONS, METRICS, type MetricName, type MetricSpec, type MetricUnit } from '../metrics-contract';
import type { PipelineReport } from './pipeline/report';
import type { RunReport } from './roundtrip/report';
import { roundMs } from './stats';

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

export interface Datum {
  readonly MetricName: MetricName;
  readonly Dimensions: readonly Dimension[];
  readonly Unit: MetricUnit;
  readonly Timestamp: Date;
  readonly StorageResolution?: 1;
  readonly Value?: number;
  readonly Values?: readonly number[];
  readonly Counts?: readonly number[];
}

export interface DatumOptions {
  readonly highResolution?: boolean;
  readonly maxValuesPerDatum?: number;
}

/**
 * Distinct values with their counts, at most `max` pairs. When there are more, the smallest and largest
 * values stay exact and the rest merge into groups of about equal weight, each at its weighted mean:
 * SampleCount, Sum, Minimum and Maximum stay exact; percentiles move by less than one group.
 */
export function toValuesAndCounts(samples: readonly number[], max: number = CLOUDWATCH_LIMITS.valuesPerDatum): { values: number[]; counts: number[] } {
  const tally = new Map<number, number>();
  for (const s of samples) {
    const v = roundMs(s);
    tally.set(v, (tally.get(v) ?? 0) + 1);
  }
  const pairs = [...tally.entries()].sort((a, b) => a[0] - b[0]);
  if (pairs.length <= max) return { values: pairs.map((p) => p[0]), counts: pairs.map((p) => p[1]) };

  const first = pairs[0]!;
  const last = pairs[pairs.length - 1]!;
  const middle = pairs.slice(1, -1);
  const groups = max - 2;
  const total = middle.reduce((n, [, c]) => n + c, 0);
  const values = [first[0]];
  const counts = [first[1]];
  let sum = 0,
    count = 0,
    seen = 0,
    group = 1;
  for (const [value, c] of middle) {
    sum += value * c;
    count += c;
    seen += c;
    if (seen >= (group * total) / groups) {
      values.push(sum / count);
      counts.push(count);
      sum = 0;
      count = 0;
      group++;
    }
  }
  if (count > 0) {
    values.push(sum / count);
    counts.push(count);
  }
  values.push(last[0]);
  counts.push(last[1]);
  return { values, counts };
}

function distribution(name: MetricName, samples: readonly number[], base: Omit<Datum, 'MetricName' | 'Unit'>, max: number): Datum[] {
  if (samples.length === 0) return [];
  const { values, counts } = toValuesAndCounts(samples, max);
  return [{ ...base, MetricName: name, Unit: METRICS[name].unit, Values: values, Counts: counts }];
}

function single(name: MetricName, value: number, base: Omit<Datum, 'MetricName' | 'Unit'>): Datum[] {
  const spec: MetricSpec = METRICS[name];
  if (spec.onlyWhenNonZero && value === 0) return [];
  return [{ ...base, MetricName: name, Unit: spec.unit, Value: roundMs(value) }];
}

export function reportToDatums(report: RunReport, options: DatumOptions = {}): Datum[] {
  const max = options.maxValuesPerDatum ?? CLOUDWATCH_LIMITS.valuesPerDatum;
  const base = {
    Dimensions: [{ Name: DIMENSIONS.probe, Value: report.probe }],
    Timestamp: new Date(report.startedAt),
    ...(options.highResolution ? { StorageResolution: 1 as const } : {}),
  };
  const c = report.counts;
  const datums: Datum[] = [
    ...distribution('EndToEndLatency', report.samples.endToEnd, base, max),
    ...distribution('ProduceLatency', report.samples.produce, base, max),
    ...single('ConnectLatency', report.warm ? 0 : report.timings.connectMs, base),
    ...single('MessagesLost', c.lost, base),
    ...single('MessagesLate', c.late, base),
    ...single('MessagesDuplicated', c.duplicated, base),
    ...single('MessagesOutOfOrder', c.outOfOrder, base),
    ...single('MessagesCorrupt', c.corrupt, base),
    ...single('ForeignMessages', c.foreign, base),
    ...single('ProduceErrors', c.produceErrors, base),
    ...single('ProduceAvailability', report.availability.produce, base),
    ...single('EndToEndAvailability', report.availability.endToEnd, base),
    ...single('RunSucceeded', report.measured ? 1 : 0, base),
    ...single('RunDuration', report.timings.runMs, base),
    ...single('BrokersWithoutCanaryLeader', report.brokersWithoutCanaryLeader.length, base),
    ...single('BrokersMissing', report.brokersMissing, base),
    ...(report.slowestBrokerMs === undefined ? [] : single('SlowestBrokerLatency', report.slowestBrokerMs, base)),
    ...(report.offsetCommit?.latencyMs === undefined ? [] : single('OffsetCommitLatency', report.offsetCommit.latencyMs, base)),
    ...single('OffsetCommitErrors', report.offsetCommit?.error ? 1 : 0, base),
  ];
  for (const [broker, samples] of Object.entries(report.samples.endToEndByBroker)) {
    const perBroker = { ...base, Dimensions: [...base.Dimensions, { Name: DIMENSIONS.broker, Value: broker }] };
    datums.push(...distribution('EndToEndLatency', samples, perBroker, max));
  }
  return datums;
}

export function pipelineReportToDatums(report: PipelineReport, options: DatumOptions = {}): Datum[] {
  const max = options.maxValuesPerDatum ?? CLOUDWATCH_LIMITS.valuesPerDatum;
  const base = {
    Dimensions: [{ Name: DIMENSIONS.pipeline, Value: report.pipeline }],
    Timestamp: new Date(report.startedAt),
    ...(options.highResolution ? { StorageResolution: 1 as const } : {}),
  };
  const c = report.counts;
  return [
    ...distribution('PipelineLatency', report.latencySamples, base, max),
    ...single('PipelineCanariesSent', c.sent, base),
    ...single('PipelineCanariesLost', c.lost, base),
    ...single('PipelineCanariesLate', c.late, base),
    ...single('PipelineCanariesDuplicated', c.duplicated, base),
    ...single('PipelineUnexpectedOutputs', c.unexpected, base),
    // Nothing concluded this run (every canary still in flight): no availability datapoint, not a 100.
    ...(report.availability === undefined ? [] : single('PipelineAvailability', report.availability, base)),
    ...single('PipelineRunSucceeded', report.outcome === 'failed' ? 0 : 1, base),
  ];
}

/** What a lag check of one group publishes; fields as the lag runtime reports them. */
export interface GroupLagFigures {
  readonly group: string;
  readonly exists: boolean;
  readonly status: string;
  readonly members: number;
  /** Undefined when unknown: then no datapoint, and the alarm keeps its state. */
  readonly maxTimeLagMs?: number;
  readonly totalOffsetLag: bigint;
  readonly laggingPartitions: number;
  readonly retentionLost: bigint;
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly offsetLag?: bigint; readonly timeLagMs?: number }>;
}

/** Stopped as a fact (no members, records to read), whatever headline status outranks it: a reset while stopped, retention loss. */
const isStopped = (g: GroupLagFigures) => g.members === 0 && g.laggingPartitions > 0;

/** What one lag check publishes: its heartbeat, aggregates over its groups, and each group's figures. */
export interface LagCheckFigures {
  readonly check: string;
  readonly checkedAt: string;
  readonly succeeded: boolean;
  readonly patternMatched?: number;
  readonly groups: readonly GroupLagFigures[];
}

/**
 * A lag check's datums. A group the cluster does not know publishes nothing of its own (no series for a
 * typo) but is counted in LagCheckUnknownGroups; per-partition series only when asked for.
 */
export function lagCheckToDatums(r: LagCheckFigures, options: DatumOptions & { partitionMetrics?: boolean } = {}): Datum[] {
  const base = {
    Dimensions: [{ Name: DIMENSIONS.lagCheck, Value: r.check }],
    Timestamp: new Date(r.checkedAt),
    ...(options.highResolution ? { StorageResolution: 1 as const } : {}),
  };
  const known = r.groups.filter((g) => g.exists);
  const count = (status: string) => known.filter((g) => g.status === status).length;
  const datums: Datum[] = [...single('LagCheckSucceeded', r.succeeded ? 1 : 0, base)];
  if (!r.succeeded) return datums;
  datums.push(
    ...(known.some((g) => g.maxTimeLagMs === undefined) ? [] : single('LagCheckMaxTimeLag', Math.max(0, ...known.map((g) => g.maxTimeLagMs!)), base)),
    ...single('LagCheckGroupsStopped', known.filter(isStopped).length, base),
    ...single('LagCheckGroupsStalled', count('STALLED'), base),
    ...single('LagCheckGroupsRetentionLoss', known.filter((g) => g.retentionLost > 0n).length, base),
    // A pattern that finds no group watches nothing, as a named group the cluster does not know.
    ...single('LagCheckUnknownGroups', r.groups.length - known.length + (r.patternMatched === 0 ? 1 : 0), base),
  );
  for (const g of known) {
    const group = { ...base, Dimensions: [...base.Dimensions, { Name: DIMENSIONS.consumerGroup, Value: g.group }] };
    datums.push(
      ...(g.maxTimeLagMs === undefined ? [] : single('ConsumerGroupMaxTimeLag', g.maxTimeLagMs, group)),
      ...single('ConsumerGroupTotalOffsetLag', Number(g.totalOffsetLag), group),
      ...single('ConsumerGroupMembers', g.members, group),
      ...single('ConsumerGroupLaggingPartitions', g.laggingPartitions, group),
      ...single('ConsumerGroupRetentionLost', Number(g.retentionLost), group),
      ...single('ConsumerGroupStopped', isStopped(g) ? 1 : 0, group),
      ...single('ConsumerGroupStalled', g.status === 'STALLED' ? 1 : 0, group),
    );
    if (!options.partitionMetrics) continue;
    for (const p of g.partitions) {
      if (p.offsetLag === undefined) continue;
      const partition = {
        ...group,
        Dimensions: [...group.Dimensions, { Name: DIMENSIONS.topic, Value: p.topic }, { Name: DIMENSIONS.partition, Value: String(p.partition) }],
      };
      datums.push(...single('ConsumerGroupPartitionOffsetLag', Number(p.offsetLag), partition));
      if (p.timeLagMs !== undefined) datums.push(...single('ConsumerGroupPartitionTimeLag', p.timeLagMs, partition));
    }
  }
  return datums;
}

/** A load's figures, as its report holds them. */
export interface LoadFigures {
  readonly loadTest: string;
  readonly startedAt: string;
  readonly outcome: string;
  readonly throughput: { readonly produceRecordsPerSecond: number; readonly consumeRecordsPerSecond: number };
  readonly latency: {
    readonly endToEnd: { readonly p50: number | null; readonly p99: number | null; readonly max: number | null };
    readonly produce: { readonly p99: number | null };
  };
  readonly errorRate: number;
  readonly counts: { readonly lost: number };
}

/** One load's datums under LoadTest: a percentile the load had too few records for is not published. */
export function loadReportToDatums(r: LoadFigures, options: DatumOptions = {}): Datum[] {
  const base = {
    Dimensions: [{ Name: DIMENSIONS.loadTest, Value: r.loadTest }],
    Timestamp: new Date(r.startedAt),
    ...(options.highResolution ? { StorageResolution: 1 as const } : {}),
  };
  const optional = (name: MetricName, value: number | null) => (value === null ? [] : single(name, value, base));
  return [
    ...single('LoadTargetMet', r.outcome === 'met' ? 1 : 0, base),
    ...single('LoadProduceThroughput', r.throughput.produceRecordsPerSecond, base),
    ...single('LoadConsumeThroughput', r.throughput.consumeRecordsPerSecond, base),
    ...optional('LoadEndToEndP50', r.latency.endToEnd.p50),
    ...optional('LoadEndToEndP99', r.latency.endToEnd.p99),
    ...optional('LoadEndToEndMax', r.latency.endToEnd.max),
    ...optional('LoadProduceP99', r.latency.produce.p99),
    ...single('LoadErrorRate', r.errorRate * 100, base),
    ...single('LoadRecordsLost', r.counts.lost, base),
  ];
}

/** The datum that says how many datums of a run reached CloudWatch through EMF instead of the API. */
export function fallbackDatum(
  report: { readonly kind: CheckKind; readonly name: string; readonly startedAt: string },
  datums: number,
  options: DatumOptions = {},
): Datum {
  const { kind, name } = report;
  return {
    MetricName: 'MetricsFallback',
    Dimensions: [{ Name: CHECK_DIMENSION[kind], Value: name }],
    Unit: METRICS.MetricsFallback.unit,
    Timestamp: new Date(report.startedAt),
    ...(options.highResolution ? { StorageResolution: 1 as const } : {}),
    Value: datums,
  };
}

/** Splits datums into PutMetricData requests within the datum-count and payload-size limits. */
export function batchDatums<T>(datums: readonly T[], limits: { maxDatums?: number; maxBytes?: number } = {}): T[][] {
  const maxDatums = limits.maxDatums ?? CLOUDWATCH_LIMITS.datumsPerRequest;
  // Keep room for the namespace and the request envelope.
  const maxBytes = (limits.maxBytes ?? CLOUDWATCH_LIMITS.bytesPerRequest) - 1024;
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const datum of datums) {
    const size = JSON.stringify(datum).length + 1;
    if (current.length > 0 && (current.length >= maxDatums || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
