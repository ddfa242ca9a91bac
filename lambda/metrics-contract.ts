/**
 * The metrics contract: names, units and dimensions of every metric streamprobe publishes. The Lambda
 * (what it publishes) and the CDK code (what alarms and dashboards watch) both read this module.
 */
import type { CheckKind } from './contract';

export type MetricUnit = 'Milliseconds' | 'Count' | 'Percent' | 'Count/Second';

export interface MetricSpec {
  readonly unit: MetricUnit;
  /** Also published per leader broker (dimensions Probe, Broker). */
  readonly perBroker?: boolean;
  /**
   * Published only when non-zero. A custom metric is billed for the hours it receives data, so counters
   * that are zero in a healthy pipeline cost nothing until something goes wrong. Alarms on them treat
   * missing data as not breaching.
   */
  readonly onlyWhenNonZero?: boolean;
  /** Written by the metrics publisher itself, not derived from the run report. */
  readonly byPublisher?: boolean;
  /** A pipeline canary's metric: dimension Pipeline instead of Probe. */
  readonly pipeline?: boolean;
  /** A consumer-lag check's metric per group: dimensions LagCheck, ConsumerGroup instead of Probe. */
  readonly consumerGroup?: boolean;
  /** Per group and topic-partition, published only when the check is asked to (a series each). */
  readonly perPartition?: boolean;
  /** A consumer-lag check's own metric (over all its groups): dimension LagCheck. */
  readonly lagCheck?: boolean;
  /** A load test's result, one datum per load: dimension LoadTest, so loads can be compared over time. */
  readonly loadTest?: boolean;
  readonly description: string;
}

export const METRICS = {
  EndToEndLatency: { unit: 'Milliseconds', perBroker: true, description: 'produce request on the wire to the fetch response holding the event, per event' },
  ProduceLatency: { unit: 'Milliseconds', description: 'produce request on the wire to its acks=all acknowledgement, per event' },
  ConnectLatency: { unit: 'Milliseconds', onlyWhenNonZero: true, description: 'connecting the clients (cold runs only)' },
  MessagesLost: { unit: 'Count', onlyWhenNonZero: true, description: 'acknowledged events confirmed lost: still unread at the end of the run after their own' },
  MessagesLate: { unit: 'Count', onlyWhenNonZero: true, description: "events read back after their own run's deadline (slow, not lost)" },
  MessagesDuplicated: { unit: 'Count', onlyWhenNonZero: true, description: 'extra copies of events' },
  MessagesOutOfOrder: { unit: 'Count', onlyWhenNonZero: true, description: 'events read after a later event of the same partition' },
  MessagesCorrupt: { unit: 'Count', onlyWhenNonZero: true, description: 'canary events whose checksum failed' },
  ForeignMessages: { unit: 'Count', onlyWhenNonZero: true, description: 'records on the canary topic that are not canary events' },
  ProduceErrors: { unit: 'Count', onlyWhenNonZero: true, description: 'sends that failed or were not acknowledged' },
  ProduceAvailability: { unit: 'Percent', description: 'acknowledged / attempted sends' },
  EndToEndAvailability: { unit: 'Percent', description: 'events read back / attempted sends' },
  RunSucceeded: { unit: 'Count', description: '1 when the run measured, 0 when it failed before measuring: the heartbeat' },
  RunDuration: { unit: 'Milliseconds', description: 'wall time of the run, reporting excluded' },
  BrokersWithoutCanaryLeader: { unit: 'Count', onlyWhenNonZero: true, description: 'brokers that lead no canary partition' },
  BrokersMissing: {
    unit: 'Count',
    onlyWhenNonZero: true,
    description: 'brokers the cluster should have (configured, or the most seen while warm) that its metadata no longer lists',
  },
  SlowestBrokerLatency: {
    unit: 'Milliseconds',
    description: 'the highest per-leader-broker median end-to-end latency of the run: one slow broker shows whatever the cluster size',
  },
  OffsetCommitLatency: {
    unit: 'Milliseconds',
    description: "the probe's offset commit for its own group (no member): first request to acknowledgement, a moved coordinator included",
  },
  OffsetCommitErrors: {
    unit: 'Count',
    onlyWhenNonZero: true,
    description: "1 when the probe's offset commit failed or took over 3 s: the group coordinator every consumer depends on",
  },
  MetricsFallback: {
    unit: 'Count',
    onlyWhenNonZero: true,
    byPublisher: true,
    description: 'metric datums that reached CloudWatch through EMF log lines because PutMetricData failed',
  },
  PipelineLatency: { unit: 'Milliseconds', pipeline: true, description: 'pipeline canary: send to the last expected output, per completed canary' },
  PipelineCanariesSent: { unit: 'Count', pipeline: true, description: 'pipeline canaries the run tried to send' },
  PipelineCanariesLost: {
    unit: 'Count',
    pipeline: true,
    onlyWhenNonZero: true,
    description: 'pipeline canaries without their expected outputs by their deadline',
  },
  PipelineCanariesLate: {
    unit: 'Count',
    pipeline: true,
    onlyWhenNonZero: true,
    description: 'pipeline canaries completed after their own run, within their deadline',
  },
  PipelineCanariesDuplicated: { unit: 'Count', pipeline: true, onlyWhenNonZero: true, description: 'pipeline outputs beyond the expected count' },
  PipelineUnexpectedOutputs: {
    unit: 'Count',
    pipeline: true,
    onlyWhenNonZero: true,
    description: 'outputs of canaries that should have been filtered out, or that this process never sent',
  },
  PipelineAvailability: { unit: 'Percent', pipeline: true, description: 'pipeline canaries concluded well / concluded in the run; 0 when the run failed' },
  PipelineRunSucceeded: { unit: 'Count', pipeline: true, description: '1 when the pipeline run sent its canaries, 0 when it failed before: the heartbeat' },
  ConsumerGroupMaxTimeLag: {
    unit: 'Milliseconds',
    consumerGroup: true,
    description: "the oldest unread record's age over the group's partitions; 0 when caught up",
  },
  ConsumerGroupTotalOffsetLag: { unit: 'Count', consumerGroup: true, description: 'records not yet read by the group, over its partitions' },
  ConsumerGroupMembers: { unit: 'Count', consumerGroup: true, description: 'members of the group' },
  ConsumerGroupLaggingPartitions: { unit: 'Count', consumerGroup: true, onlyWhenNonZero: true, description: 'partitions with records the group has not read' },
  ConsumerGroupRetentionLost: { unit: 'Count', consumerGroup: true, onlyWhenNonZero: true, description: 'records deleted before the group read them' },
  // Stopped and stalled are dense (0 when not): their alarms are M of N, and sparse, CloudWatch would look back
  // past the window for the last breaching readings and hold the page two minutes after the consumer is back.
  ConsumerGroupStopped: { unit: 'Count', consumerGroup: true, description: '1 when the group has no members while records wait, else 0' },
  ConsumerGroupStalled: { unit: 'Count', consumerGroup: true, description: '1 when members stay but no lagging partition commits, else 0' },
  ConsumerGroupPartitionTimeLag: {
    unit: 'Milliseconds',
    consumerGroup: true,
    perPartition: true,
    description: 'time lag of one topic-partition (only with partitionMetrics)',
  },
  ConsumerGroupPartitionOffsetLag: {
    unit: 'Count',
    consumerGroup: true,
    perPartition: true,
    description: 'offset lag of one topic-partition (only with partitionMetrics)',
  },
  LagCheckSucceeded: { unit: 'Count', lagCheck: true, description: '1 when the check read its groups, 0 when it failed: the heartbeat' },
  LagCheckMaxTimeLag: { unit: 'Milliseconds', lagCheck: true, description: 'the highest time lag over every group the check read (pattern groups included)' },
  LagCheckGroupsStopped: { unit: 'Count', lagCheck: true, description: 'groups that are STOPPED (dense, like ConsumerGroupStopped)' },
  LagCheckGroupsStalled: { unit: 'Count', lagCheck: true, description: 'groups that are STALLED (dense)' },
  LagCheckGroupsRetentionLoss: { unit: 'Count', lagCheck: true, onlyWhenNonZero: true, description: 'groups that lost records to retention' },
  LagCheckUnknownGroups: {
    unit: 'Count',
    lagCheck: true,
    onlyWhenNonZero: true,
    description: 'named groups the cluster does not know (a typo, or a group gone)',
  },
  LoadProduceThroughput: { unit: 'Count/Second', loadTest: true, description: 'load test: records acknowledged per second over the load' },
  LoadConsumeThroughput: { unit: 'Count/Second', loadTest: true, description: 'load test: records read back per second over the load' },
  LoadEndToEndP50: { unit: 'Milliseconds', loadTest: true, description: "load test: median end-to-end latency, from each record's intended send time" },
  LoadEndToEndP99: { unit: 'Milliseconds', loadTest: true, description: 'load test: 99th percentile end-to-end latency (only from 1,000 records)' },
  LoadEndToEndMax: { unit: 'Milliseconds', loadTest: true, description: 'load test: highest end-to-end latency' },
  LoadProduceP99: { unit: 'Milliseconds', loadTest: true, description: 'load test: 99th percentile produce latency, intended send time to acknowledgement' },
  LoadErrorRate: { unit: 'Percent', loadTest: true, description: 'load test: failed sends per record sent' },
  LoadRecordsLost: { unit: 'Count', loadTest: true, description: 'load test: acknowledged records confirmed lost' },
  LoadTargetMet: { unit: 'Count', loadTest: true, description: 'load test: 1 when the load met its target rate with no error or loss, else 0' },
} as const satisfies Record<string, MetricSpec>;

export type MetricName = keyof typeof METRICS;

export const DIMENSIONS = {
  probe: 'Probe',
  broker: 'Broker',
  pipeline: 'Pipeline',
  lagCheck: 'LagCheck',
  consumerGroup: 'ConsumerGroup',
  topic: 'Topic',
  partition: 'Partition',
  loadTest: 'LoadTest',
} as const;

/** The dimension that names the check on every metric it publishes. */
export const CHECK_DIMENSION: Readonly<Record<CheckKind, string>> = {
  roundtrip: DIMENSIONS.probe,
  pipeline: DIMENSIONS.pipeline,
  lag: DIMENSIONS.lagCheck,
  load: DIMENSIONS.loadTest,
};

/** The dimension names a metric is published with, by the kind of check that publishes it. */
export function dimensionSets(name: MetricName): ReadonlyArray<readonly string[]> {
  const spec: MetricSpec = METRICS[name];
  if (spec.pipeline) return [[DIMENSIONS.pipeline]];
  if (spec.perPartition) return [[DIMENSIONS.lagCheck, DIMENSIONS.consumerGroup, DIMENSIONS.topic, DIMENSIONS.partition]];
  if (spec.consumerGroup) return [[DIMENSIONS.lagCheck, DIMENSIONS.consumerGroup]];
  if (spec.lagCheck) return [[DIMENSIONS.lagCheck]];
  if (spec.loadTest) return [[DIMENSIONS.loadTest]];
  return spec.perBroker ? [[DIMENSIONS.probe], [DIMENSIONS.probe, DIMENSIONS.broker]] : [[DIMENSIONS.probe]];
}

/** CloudWatch limits the publisher respects. */
export const CLOUDWATCH_LIMITS = {
  datumsPerRequest: 1000,
  bytesPerRequest: 1_000_000,
  valuesPerDatum: 150,
  emfMetricsPerLine: 100,
  emfValuesPerMetric: 100,
} as const;
