/**
 * Props of one round trip (a canary probe target), their defaults (resolved here and nowhere else) and the
 * checks that reject bad combinations at synth time with a message naming the prop.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BROKER_PATTERN, DEFAULT_NAMESPACE, DEFAULT_TOPIC, PROBE_NAME_PATTERN, type AuthMode } from '../../../lambda/contract';
import {
  type CheckDeploymentProps, type ClusterAuthProps, DEFAULT_RUNBOOK, TargetConfigError, alarmPeriods, checkStatistic, isDuration, resolveAuth, scheduleAndTimeout, wholeIn,
} from '../../common/props';

export interface AlarmThresholds {
  /** End-to-end latency that counts as slow. Default 1 s. */
  readonly endToEndLatency?: Duration;
  /** Statistic for the latency alarm; with a few samples per period p90 or Maximum behave. Default p90. */
  readonly latencyStatistic?: string;
  /** End-to-end availability (percent) below which the pipeline is unavailable. Default 99. */
  readonly availabilityPercent?: number;
  /** Lost events per period above which the loss alarm fires. Default 0: any loss. */
  readonly lostMessages?: number;
  /** M of N: datapoints that must breach among the evaluated ones (latency, availability). Default 3 of 5. */
  readonly datapointsToAlarm?: number;
  readonly evaluationPeriods?: number;
  /**
   * Outcome changes (healthy to unhealthy or back) within the last 15 runs at which the page is held while
   * failures come and go. Default 4: two separate failure episodes. A single failed run changes it by 2.
   */
  readonly unstableOutcomeChanges?: number;
}

export interface StreamProbeTargetProps extends CheckDeploymentProps, ClusterAuthProps {
  /** Names the probe in events, metrics (dimension Probe), logs and resource names. */
  readonly probeName: string;
  /** Bootstrap brokers, host:port. */
  readonly brokers: readonly string[];
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
  readonly brokers: readonly string[];
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
  readonly thresholds: Required<AlarmThresholds>;
  readonly runbookUrl: string;
  readonly memorySize: number;
  readonly logRetention: RetentionDays;
}

export function resolveTarget(props: StreamProbeTargetProps): ResolvedTarget {
  const name = props.probeName;
  if (typeof name !== 'string' || !PROBE_NAME_PATTERN.test(name)) {
    throw new TargetConfigError(String(name), 'probeName', 'must be letters, digits, ".", "_" or "-", at most 64');
  }
  if (!Array.isArray(props.brokers) || props.brokers.length === 0) throw new TargetConfigError(name, 'brokers', 'is required: at least one host:port');
  const badBroker = props.brokers.find((b) => typeof b !== 'string' || (!Token.isUnresolved(b) && !BROKER_PATTERN.test(b)));
  if (badBroker !== undefined) throw new TargetConfigError(name, 'brokers', `must be host:port (got ${JSON.stringify(badBroker)})`);
  const { auth, tls } = resolveAuth(name, 'target', props);

  const { schedule, runTimeout, lambdaTimeout } = scheduleAndTimeout(name, props.schedule, props.runTimeout);
  wholeIn(name, 'minPartitions', props.minPartitions, 1, 10_000);
  wholeIn(name, 'replicationFactor', props.replicationFactor, 1, 16);
  wholeIn(name, 'expectedBrokers', props.expectedBrokers, 1, 1000);
  wholeIn(name, 'eventsPerPartition', props.eventsPerPartition, 1, 1000);
  wholeIn(name, 'messageBytes', props.messageBytes, 0, 900_000);
  wholeIn(name, 'memorySize', props.memorySize, 128, 10_240);

  const t = props.thresholds ?? {};
  const latency = t.endToEndLatency ?? Duration.seconds(1);
  if (!isDuration(latency)) throw new TargetConfigError(name, 'thresholds.endToEndLatency', 'must be a Duration');
  const availability = t.availabilityPercent ?? 99;
  if (typeof availability !== 'number' || availability <= 0 || availability > 100) {
    throw new TargetConfigError(name, 'thresholds.availabilityPercent', `must be a number in (0, 100] (got ${JSON.stringify(availability)})`);
  }
  wholeIn(name, 'thresholds.lostMessages', t.lostMessages, 0, 1_000_000);
  wholeIn(name, 'thresholds.unstableOutcomeChanges', t.unstableOutcomeChanges, 3, 14);
  const { evaluationPeriods, datapointsToAlarm } = alarmPeriods(name, t);
  const latencyStatistic = checkStatistic(name, 'thresholds.latencyStatistic', t.latencyStatistic ?? 'p90');

  return {
    probeName: name,
    brokers: props.brokers,
    auth,
    tls,
    tlsCaPem: props.tlsCaPem,
    scramSecretArn: props.scramSecretArn,
    mskClusterArn: props.mskClusterArn,
    schedule,
    runTimeout,
    lambdaTimeout,
    topic: props.topic ?? DEFAULT_TOPIC,
    minPartitions: props.minPartitions ?? 1,
    replicationFactor: props.replicationFactor,
    expectedBrokers: props.expectedBrokers,
    eventsPerPartition: props.eventsPerPartition ?? 1,
    messageBytes: props.messageBytes ?? 256,
    namespace: props.namespace ?? DEFAULT_NAMESPACE,
    highResolutionMetrics: props.highResolutionMetrics ?? false,
    thresholds: {
      endToEndLatency: latency,
      latencyStatistic,
      availabilityPercent: availability,
      lostMessages: t.lostMessages ?? 0,
      evaluationPeriods,
      datapointsToAlarm,
      unstableOutcomeChanges: t.unstableOutcomeChanges ?? 4,
    },
    runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
    memorySize: props.memorySize ?? 256,
    logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
  };
}
