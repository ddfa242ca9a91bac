/**
 * Props of one probe target, their defaults (resolved here and nowhere else) and the checks that reject
 * bad combinations at synth time with a message naming the prop.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MIN_RUN_TIMEOUT_MS } from '../lambda/config/fields';
import { AUTH_MODES, BROKER_PATTERN, DEFAULT_NAMESPACE, DEFAULT_TOPIC, PROBE_NAME_PATTERN, type AuthMode } from '../lambda/contract';

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

/** How any check is deployed: its schedule and budget, metrics, runbook, Lambda size, logs and network. */
export interface CheckDeploymentProps {
  /** How often the check runs. Default 1 minute. */
  readonly schedule?: Duration;
  /** Budget of one run (measuring and reporting); the Lambda timeout is derived from it. Default 20 s. */
  readonly runTimeout?: Duration;
  /** CloudWatch namespace of its metrics. Default StreamProbe. */
  readonly namespace?: string;
  readonly highResolutionMetrics?: boolean;
  /** Linked from every alarm's description. */
  readonly runbookUrl?: string;
  readonly memorySize?: number;
  readonly logRetention?: RetentionDays;
  /** For private clusters. */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
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

/** Without a runbookUrl, alarms point at the runbook shipped with streamprobe. */
export const DEFAULT_RUNBOOK = 'docs/RUNBOOK.md in the streamprobe repository';
/** Room between the run budget and the Lambda timeout: cold start, module init, flushing logs. */
/**
 * A Duration, also one made by another copy of aws-cdk-lib (an app that resolved its own): `instanceof`
 * alone would reject the user's perfectly good value.
 */
export function isDuration(value: unknown): value is Duration {
  return value instanceof Duration || (typeof value === 'object' && value !== null
    && typeof (value as Duration).toMilliseconds === 'function' && typeof (value as Duration).toHumanString === 'function');
}

export const LAMBDA_TIMEOUT_MARGIN = Duration.seconds(10);

const MSK_CLUSTER_ARN = /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9-]+\/[A-Za-z0-9-]+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

export class TargetConfigError extends Error {
  /** `kind` names what is misconfigured: a canary target, a pipeline, a lag check. */
  constructor(probe: string, field: string, problem: string, kind = 'target') {
    super(`streamprobe ${kind} "${probe}": ${field} ${problem}`);
    this.name = 'TargetConfigError';
  }
}

/** A check's schedule and run budget, checked together: whole minutes, and runs that never overlap. */
export function scheduleAndTimeout(name: string, schedule = Duration.minutes(1), runTimeout = Duration.seconds(20), kind = 'target'): { schedule: Duration; runTimeout: Duration; lambdaTimeout: Duration } {
  if (!isDuration(schedule) || schedule.toSeconds() < 60 || schedule.toSeconds() % 60 !== 0) {
    throw new TargetConfigError(name, 'schedule', 'must be a whole number of minutes, at least 1 (EventBridge rates are in minutes)', kind);
  }
  if (!isDuration(runTimeout) || runTimeout.toMilliseconds() < MIN_RUN_TIMEOUT_MS || runTimeout.toSeconds() > 600) {
    throw new TargetConfigError(name, 'runTimeout', `must be from ${MIN_RUN_TIMEOUT_MS / 1000} seconds (what a cold start needs to join its consumer group) to 10 minutes`, kind);
  }
  if (runTimeout.toSeconds() + LAMBDA_TIMEOUT_MARGIN.toSeconds() > schedule.toSeconds()) {
    throw new TargetConfigError(name, 'runTimeout', `plus ${LAMBDA_TIMEOUT_MARGIN.toSeconds()} s must fit in the schedule interval, or runs would overlap`, kind);
  }
  return { schedule, runTimeout, lambdaTimeout: Duration.seconds(runTimeout.toSeconds() + LAMBDA_TIMEOUT_MARGIN.toSeconds()) };
}

/** M of N alarm periods, checked together. */
export function alarmPeriods(name: string, t: { evaluationPeriods?: number; datapointsToAlarm?: number }, kind = 'target'): { evaluationPeriods: number; datapointsToAlarm: number } {
  wholeIn(name, 'thresholds.evaluationPeriods', t.evaluationPeriods, 1, 100, kind);
  wholeIn(name, 'thresholds.datapointsToAlarm', t.datapointsToAlarm, 1, 100, kind);
  const evaluationPeriods = t.evaluationPeriods ?? 5;
  const datapointsToAlarm = t.datapointsToAlarm ?? Math.min(3, evaluationPeriods);
  if (datapointsToAlarm > evaluationPeriods) throw new TargetConfigError(name, 'thresholds.datapointsToAlarm', 'cannot exceed thresholds.evaluationPeriods', kind);
  return { evaluationPeriods, datapointsToAlarm };
}

/** A CloudWatch statistic an alarm can use. */
export function checkStatistic(name: string, field: string, statistic: string, kind = 'target'): string {
  if (!/^(Average|Maximum|Minimum|p\d{1,2}(\.\d+)?|tm\d{1,2}|IQM)$/.test(statistic)) {
    throw new TargetConfigError(name, field, 'must be Average, Maximum, Minimum, pNN, tmNN or IQM', kind);
  }
  return statistic;
}

/** How a check reaches one cluster, as construct props. */
export interface ClusterAuthProps {
  /** none, scram-sha-256, scram-sha-512 or msk-iam. Default none. */
  readonly auth?: AuthMode;
  /** TLS to the brokers. Default: on for msk-iam and SCRAM, off otherwise. */
  readonly tls?: boolean;
  /** PEM CA bundle when the brokers' certificates are not signed by a public authority. */
  readonly tlsCaPem?: string;
  /** Secrets Manager secret ARN holding {"username","password"}, required for SCRAM. */
  readonly scramSecretArn?: string;
  /** The KMS key of the SCRAM secret (MSK requires a customer managed key); decrypt is granted through Secrets Manager only. */
  readonly scramSecretKeyArn?: string;
  /** The MSK cluster ARN, required for msk-iam: IAM permissions are scoped to it. */
  readonly mskClusterArn?: string;
}

export interface ResolvedAuth {
  readonly auth: AuthMode;
  readonly tls: boolean;
  readonly scramSecretArn?: string;
  readonly mskClusterArn?: string;
}

/** Checks one cluster's auth props together; `prefix` names the props of a second cluster (output…). */
export function resolveAuth(name: string, kind: string, props: ClusterAuthProps, prefix = ''): { auth: AuthMode; tls: boolean } {
  const field = (f: string) => (prefix ? `${prefix}${f[0]!.toUpperCase()}${f.slice(1)}` : f);
  const auth = props.auth ?? 'none';
  if (!AUTH_MODES.includes(auth)) throw new TargetConfigError(name, field('auth'), `must be one of ${AUTH_MODES.join(', ')} (got ${JSON.stringify(auth)})`, kind);
  const scram = auth === 'scram-sha-256' || auth === 'scram-sha-512';
  if (scram && !props.scramSecretArn) throw new TargetConfigError(name, field('scramSecretArn'), `is required for auth ${auth}`, kind);
  if (props.scramSecretArn && !scram) throw new TargetConfigError(name, field('scramSecretArn'), 'is set but auth is not scram-sha-256 or scram-sha-512', kind);
  if (props.scramSecretArn && !Token.isUnresolved(props.scramSecretArn) && !SECRET_ARN.test(props.scramSecretArn)) {
    throw new TargetConfigError(name, field('scramSecretArn'), 'must be a Secrets Manager secret ARN', kind);
  }
  if (auth === 'msk-iam' && !props.mskClusterArn) throw new TargetConfigError(name, field('mskClusterArn'), 'is required for auth msk-iam (IAM permissions are scoped to it)', kind);
  if (props.mskClusterArn && !Token.isUnresolved(props.mskClusterArn) && !MSK_CLUSTER_ARN.test(props.mskClusterArn)) {
    throw new TargetConfigError(name, field('mskClusterArn'), 'must be an MSK cluster ARN (arn:aws:kafka:region:account:cluster/name/uuid)', kind);
  }
  if (auth === 'msk-iam' && props.tls === false) throw new TargetConfigError(name, field('tls'), 'cannot be false with auth msk-iam', kind);
  return { auth, tls: props.tls ?? auth !== 'none' };
}

export function wholeIn(probe: string, field: string, value: number | undefined, min: number, max: number, kind = 'target'): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TargetConfigError(probe, field, `must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`, kind);
  }
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
