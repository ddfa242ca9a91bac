/** Props of a consumer-lag check, resolved once with their defaults, and the environment its Lambda reads. */
import { Duration } from 'aws-cdk-lib';
import { DEFAULT_NAMESPACE, LAG_ENV, PROBE_NAME_PATTERN } from '../../../lambda/contract';
import type { AlarmTopicProps, Periods } from '../../common/alarm-kit';
import { definedOnly } from '../../common/runtime-check';
import { DEFAULT_RUNBOOK, TargetConfigError, resolveAuth, type CheckDeploymentProps, isDuration, type ClusterAuthProps, type ResolvedAuth, alarmPeriods, scheduleAndTimeout, wholeIn } from '../../common/props';

export const KIND = 'lag check';

export interface LagThresholds {
  /** M of N for time lag, stopped and stalled, and for failed checks. Default 3 of 5. */
  readonly datapointsToAlarm?: number;
  readonly evaluationPeriods?: number;
}

export interface StreamProbeLagCheckProps extends CheckDeploymentProps, ClusterAuthProps, AlarmTopicProps {
  /** Names the check: dimension LagCheck, log key, alarm names. Default "lag". */
  readonly checkName?: string;
  readonly brokers: readonly string[];
  /** Consumer groups to check, each with alarms of its own. */
  readonly groups?: readonly string[];
  /** Every group the cluster lists whose id matches: paged on through the check's aggregate alarms. */
  readonly groupPattern?: string;
  /** Time lag above which a group is LAGGING and pages (M of N). Default 60 s. */
  readonly timeLagThreshold?: Duration;
  /** Members present, lag, and no commit for this long: STALLED. Default 2 minutes. */
  readonly stallAfter?: Duration;
  /** Time and offset lag series per topic-partition too (each is a billed metric). Default false. */
  readonly partitionMetrics?: boolean;
  readonly thresholds?: LagThresholds;
}

export interface ResolvedLagCheck {
  readonly name: string;
  readonly schedule: Duration;
  readonly runTimeout: Duration;
  readonly lambdaTimeout: Duration;
  readonly namespace: string;
  readonly runbookUrl: string;
  readonly groups: readonly string[];
  readonly groupPattern?: string;
  readonly timeLagThresholdMs: number;
  readonly stallAfterMs: number;
  readonly periods: Periods;
  readonly connection: ResolvedAuth;
}

export function resolveLagCheck(props: StreamProbeLagCheckProps): ResolvedLagCheck {
  const name = props.checkName ?? 'lag';
  if (typeof name !== 'string' || !PROBE_NAME_PATTERN.test(name)) {
    throw new TargetConfigError(String(name), 'checkName', 'must be letters, digits, ".", "_" or "-", at most 64', KIND);
  }
  const groups = props.groups ?? [];
  if (groups.length === 0 && props.groupPattern === undefined) throw new TargetConfigError(name, 'groups', 'name at least one consumer group, or set groupPattern', KIND);
  const duplicate = groups.find((g, i) => groups.indexOf(g) !== i);
  if (duplicate !== undefined) throw new TargetConfigError(name, 'groups', `lists "${duplicate}" twice`, KIND);
  const timeLag = props.timeLagThreshold ?? Duration.seconds(60);
  const stallAfter = props.stallAfter ?? Duration.minutes(2);
  for (const [field, d] of [['timeLagThreshold', timeLag], ['stallAfter', stallAfter]] as const) {
    if (!isDuration(d)) throw new TargetConfigError(name, field, 'must be a Duration', KIND);
  }
  wholeIn(name, 'memorySize', props.memorySize, 128, 10_240, KIND);
  return {
    name, ...scheduleAndTimeout(name, props.schedule, props.runTimeout, KIND),
    namespace: props.namespace ?? DEFAULT_NAMESPACE,
    runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
    groups, groupPattern: props.groupPattern,
    timeLagThresholdMs: timeLag.toMilliseconds(), stallAfterMs: stallAfter.toMilliseconds(),
    periods: alarmPeriods(name, props.thresholds ?? {}, KIND),
    connection: { ...resolveAuth(name, KIND, props), scramSecretArn: props.scramSecretArn, mskClusterArn: props.mskClusterArn },
  };
}

export function lagEnvironment(props: StreamProbeLagCheckProps, c: ResolvedLagCheck, region: string): Record<string, string> {
  return definedOnly({
    [LAG_ENV.checkName]: c.name,
    [LAG_ENV.brokers]: props.brokers.join(','),
    [LAG_ENV.groups]: c.groups.length ? c.groups.join(',') : undefined,
    [LAG_ENV.groupPattern]: c.groupPattern,
    [LAG_ENV.timeLagThresholdMs]: String(c.timeLagThresholdMs),
    [LAG_ENV.stallAfterMs]: String(c.stallAfterMs),
    [LAG_ENV.partitionMetrics]: String(props.partitionMetrics ?? false),
    [LAG_ENV.runTimeoutMs]: String(c.runTimeout.toMilliseconds()),
    [LAG_ENV.auth]: c.connection.auth,
    [LAG_ENV.tls]: String(c.connection.tls),
    [LAG_ENV.tlsCaPem]: props.tlsCaPem,
    [LAG_ENV.saslSecretArn]: c.connection.scramSecretArn,
    [LAG_ENV.region]: c.connection.auth === 'msk-iam' ? region : undefined,
    [LAG_ENV.metricsNamespace]: c.namespace,
    [LAG_ENV.metricsSink]: 'api',
    [LAG_ENV.metricsHighResolution]: String(props.highResolutionMetrics ?? false),
  });
}

export const PROP_OF_FIELD: Record<string, string> = {
  timeLagThresholdMs: 'timeLagThreshold', stallAfterMs: 'stallAfter', runTimeoutMs: 'runTimeout', metricsNamespace: 'namespace', saslSecretArn: 'scramSecretArn',
};
