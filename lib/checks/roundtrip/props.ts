/**
 * Props of one round trip (a canary probe target): the construct's own (timing, auth, alarms) resolved with
 * their defaults here and nowhere else; the Lambda's fields checked by and read back from the Lambda's own
 * schema. Every check names the prop at synth time.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { parseConfig } from '../../../lambda/config/roundtrip';
import { type AuthMode, BROKER_PATTERN, type ConfigField, ENV, PROBE_NAME_PATTERN } from '../../../lambda/contract';
import {
  alarmPeriods,
  type CheckDeploymentProps,
  type ClusterAuthProps,
  checkStatistic,
  DEFAULT_RUNBOOK,
  isDuration,
  resolveAuth,
  scheduleAndTimeout,
  TargetConfigError,
  wholeIn,
} from '../../common/props';
import { checkRuntimeEnvironment, connectionEnvironment, definedOnly, metricsEnvironment } from '../../common/runtime-check';

export interface AlarmThresholds {
  /** End-to-end latency that counts as slow. Default 1 s. */
  readonly endToEndLatency?: Duration;
  /** Statistic for the latency alarm; with a few samples per period p90 or Maximum behave. Default p90. */
  readonly latencyStatistic?: string;
  /** End-to-end availability (percent) below which the pipeline is unavailable. Default 99. */
  readonly availabilityPercent?: number;
  /** Lost events per period above which the loss alarm fires. Default 0: any loss. */
  readonly lostMessages?: number;
  /**
   * M of N: datapoints that must breach among the evaluated ones (latency, slow broker, availability).
   * Default 3 of 3: a rolling restart delays one or two runs per broker, never three in a row.
   */
  readonly datapointsToAlarm?: number;
  readonly evaluationPeriods?: number;
}

/** A round trip's alarm thresholds with every default applied. */
export interface ResolvedThresholds {
  readonly endToEndLatency: Duration;
  readonly latencyStatistic: string;
  readonly availabilityPercent: number;
  readonly lostMessages: number;
  readonly datapointsToAlarm: number;
  readonly evaluationPeriods: number;
}

/** The round trip's own props (the construct adds where its alarms go). */
export interface RoundTripProps extends CheckDeploymentProps, ClusterAuthProps {
  /** Names the probe in events, metrics (dimension Probe), logs and resource names. */
  readonly probeName: string;
  /** Bootstrap brokers, host:port. */
  readonly brokers: string[];
  readonly topic?: string;
  readonly minPartitions?: number;
  readonly replicationFactor?: number;
  /** Brokers the cluster should have; fewer seen in a run are reported as missing. Default: the most seen while warm. */
  readonly expectedBrokers?: number;
  readonly eventsPerPartition?: number;
  readonly messageBytes?: number;
  readonly thresholds?: AlarmThresholds;
}

export interface ResolvedTarget {
  readonly probeName: string;
  readonly brokers: string[];
  readonly auth: AuthMode;
  readonly tls: boolean;
  readonly tlsCaPem?: string;
  readonly scramSecretArn?: string;
  readonly mskClusterArn?: string;
  readonly schedule: Duration;
  readonly runTimeout: Duration;
  readonly lambdaTimeout: Duration;
  readonly topic: string;
  readonly minPartitions: number;
  readonly replicationFactor?: number;
  readonly expectedBrokers?: number;
  readonly eventsPerPartition: number;
  readonly messageBytes: number;
  readonly namespace: string;
  readonly highResolutionMetrics: boolean;
  readonly thresholds: ResolvedThresholds;
  readonly runbookUrl: string;
  readonly memorySize: number;
  readonly logRetention: RetentionDays;
}

/** What only the construct knows, checked: the name, brokers (tokens allowed), auth, timing, Lambda size, alarms. */
function resolveDeployment(props: RoundTripProps) {
  const name = props.probeName;
  if (typeof name !== 'string' || !PROBE_NAME_PATTERN.test(name)) {
    throw new TargetConfigError(String(name), 'probeName', 'must be letters, digits, ".", "_" or "-", at most 64');
  }
  if (!Array.isArray(props.brokers) || props.brokers.length === 0) throw new TargetConfigError(name, 'brokers', 'is required: at least one host:port');
  const badBroker = props.brokers.find((b) => typeof b !== 'string' || (!Token.isUnresolved(b) && !BROKER_PATTERN.test(b)));
  if (badBroker !== undefined) throw new TargetConfigError(name, 'brokers', `must be host:port (got ${JSON.stringify(badBroker)})`);
  wholeIn(name, 'memorySize', props.memorySize, 128, 10_240);
  return {
    name,
    ...resolveAuth(name, 'target', props),
    ...scheduleAndTimeout(name, props.schedule, props.runTimeout),
    thresholds: resolveThresholds(name, props.thresholds ?? {}),
  };
}

function resolveThresholds(name: string, t: AlarmThresholds): Required<AlarmThresholds> {
  const latency = t.endToEndLatency ?? Duration.seconds(1);
  if (!isDuration(latency)) throw new TargetConfigError(name, 'thresholds.endToEndLatency', 'must be a Duration');
  const availability = t.availabilityPercent ?? 99;
  if (typeof availability !== 'number' || availability <= 0 || availability > 100) {
    throw new TargetConfigError(name, 'thresholds.availabilityPercent', `must be a number in (0, 100] (got ${JSON.stringify(availability)})`);
  }
  wholeIn(name, 'thresholds.lostMessages', t.lostMessages, 0, 1_000_000);
  return {
    endToEndLatency: latency,
    latencyStatistic: checkStatistic(name, 'thresholds.latencyStatistic', t.latencyStatistic ?? 'p90'),
    availabilityPercent: availability,
    lostMessages: t.lostMessages ?? 0,
    ...alarmPeriods(name, t, 'target', { evaluationPeriods: 3, datapointsToAlarm: 3 }),
  };
}

/** The settings the probe's Lambda reads, as props give them or as resolved. */
type EnvValues = Pick<
  RoundTripProps,
  | 'brokers'
  | 'topic'
  | 'minPartitions'
  | 'replicationFactor'
  | 'expectedBrokers'
  | 'eventsPerPartition'
  | 'messageBytes'
  | 'tlsCaPem'
  | 'scramSecretArn'
  | 'namespace'
  | 'highResolutionMetrics'
>;

/** The probe's environment: every key from the contract the handler reads; an unset value stays unset. */
function probeEnvironment(props: EnvValues, d: ReturnType<typeof resolveDeployment>, region: string): Record<string, string> {
  return definedOnly({
    [ENV.probeName]: d.name,
    [ENV.brokers]: props.brokers.join(','),
    [ENV.topic]: props.topic,
    [ENV.minPartitions]: props.minPartitions?.toString(),
    [ENV.replicationFactor]: props.replicationFactor?.toString(),
    [ENV.expectedBrokers]: props.expectedBrokers?.toString(),
    [ENV.eventsPerPartition]: props.eventsPerPartition?.toString(),
    [ENV.messageBytes]: props.messageBytes?.toString(),
    [ENV.runTimeoutMs]: String(d.runTimeout.toMilliseconds()),
    ...connectionEnvironment({ ...d, scramSecretArn: props.scramSecretArn }, props.tlsCaPem, d.auth === 'msk-iam' ? region : undefined),
    ...metricsEnvironment(props.namespace, props.highResolutionMetrics),
  });
}

/** The construct prop behind each runtime setting, where the two names differ. */
const PROP_OF_FIELD: Partial<Record<ConfigField, string>> = {
  metricsNamespace: 'namespace',
  runTimeoutMs: 'runTimeout',
  metricsHighResolution: 'highResolutionMetrics',
};

/**
 * The target resolved, and its Lambda's environment. Fields the Lambda reads are checked by its own schema
 * (a bad one fails synth naming the prop) and read back from it with the schema's defaults; a value given
 * as a token is kept as the token (the schema saw a stand-in).
 */
export function resolveTarget(props: RoundTripProps, region: string): { target: ResolvedTarget; environment: Record<string, string> } {
  const d = resolveDeployment(props);
  const config = checkRuntimeEnvironment(
    { kind: 'target', name: d.name, variables: ENV, parse: parseConfig, propOf: PROP_OF_FIELD },
    probeEnvironment(props, d, region),
  );
  const target: ResolvedTarget = {
    probeName: d.name,
    brokers: props.brokers,
    auth: d.auth,
    tls: d.tls,
    tlsCaPem: props.tlsCaPem,
    scramSecretArn: props.scramSecretArn,
    mskClusterArn: props.mskClusterArn,
    schedule: d.schedule,
    runTimeout: d.runTimeout,
    lambdaTimeout: d.lambdaTimeout,
    topic: props.topic ?? config.topic,
    minPartitions: props.minPartitions ?? config.minPartitions,
    replicationFactor: props.replicationFactor ?? config.replicationFactor,
    expectedBrokers: props.expectedBrokers ?? config.expectedBrokers,
    eventsPerPartition: props.eventsPerPartition ?? config.eventsPerPartition,
    messageBytes: props.messageBytes ?? config.messageBytes,
    namespace: props.namespace ?? config.metricsNamespace,
    highResolutionMetrics: config.metricsHighResolution,
    thresholds: d.thresholds,
    runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
    memorySize: props.memorySize ?? 256,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
  };
  // Every setting spelled out, defaults included: what a deployed function runs with is plain in its configuration.
  return { target, environment: probeEnvironment(target, d, region) };
}

/** @deprecated Renamed RoundTripProps; this name goes in the next release. */
export type StreamProbeTargetProps = RoundTripProps;
