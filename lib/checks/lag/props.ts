/** Props of a consumer-lag check, resolved once with their defaults, and the environment its Lambda reads. */
import { Duration } from 'aws-cdk-lib';
import { parseLagConfig } from '../../../lambda/config/lag';
import { LAG_ENV, PROBE_NAME_PATTERN } from '../../../lambda/contract';
import type { AlarmTopicProps, Periods } from '../../common/alarm-kit';
import {
  alarmPeriods,
  type CheckDeploymentProps,
  type ClusterAuthProps,
  DEFAULT_RUNBOOK,
  isDuration,
  type ResolvedAuth,
  resolveAuth,
  scheduleAndTimeout,
  TargetConfigError,
  wholeIn,
} from '../../common/props';
import { checkRuntimeEnvironment, connectionEnvironment, definedOnly, metricsEnvironment } from '../../common/runtime-check';

export const KIND = 'lag check';

export interface LagThresholds {
  /** M of N for stalled, and for failed checks. Default 3 of 3. */
  readonly datapointsToAlarm?: number;
  readonly evaluationPeriods?: number;
}

export interface StreamProbeLagCheckProps extends CheckDeploymentProps, ClusterAuthProps, AlarmTopicProps {
  /** Names the check: dimension LagCheck, log key, alarm names. Default "lag". */
  readonly checkName?: string;
  readonly brokers: string[];
  /** Consumer groups to check, each with alarms of its own. */
  readonly groups?: string[];
  /** Every group the cluster lists whose id matches: paged on through the check's aggregate alarms. */
  readonly groupPattern?: string;
  /**
   * Time lag above which a group is LAGGING. It pages when above it for `timeLagFor`, or above twice it in 3
   * checks in a row (not while a deploy's backlog drains). Default 60 s.
   */
  readonly timeLagThreshold?: Duration;
  /** How long time lag must stay above the threshold to page: lag wandering around it is ordinary. Default 20 minutes. */
  readonly timeLagFor?: Duration;
  /** How long a group may stay empty with records waiting without paging: a consumer's deploy. Default 5 minutes. */
  readonly stoppedFor?: Duration;
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
  readonly groups: string[];
  readonly groupPattern?: string;
  readonly timeLagThresholdMs: number;
  readonly stallAfterMs: number;
  readonly stoppedFor: Duration;
  readonly timeLagFor: Duration;
  readonly periods: Periods;
  readonly connection: ResolvedAuth;
}

/**
 * The lag check resolved, and its Lambda's environment. Fields the Lambda reads (thresholds of a group's
 * status among them) are checked by its own schema and read back from it with the schema's defaults.
 */
export function resolveLagCheck(props: StreamProbeLagCheckProps, region: string): { check: ResolvedLagCheck; environment: Record<string, string> } {
  const name = props.checkName ?? 'lag';
  if (typeof name !== 'string' || !PROBE_NAME_PATTERN.test(name)) {
    throw new TargetConfigError(String(name), 'checkName', 'must be letters, digits, ".", "_" or "-", at most 64', KIND);
  }
  const groups = props.groups ?? [];
  if (groups.length === 0 && props.groupPattern === undefined)
    throw new TargetConfigError(name, 'groups', 'name at least one consumer group, or set groupPattern', KIND);
  const duplicate = groups.find((g, i) => groups.indexOf(g) !== i);
  if (duplicate !== undefined) throw new TargetConfigError(name, 'groups', `lists "${duplicate}" twice`, KIND);
  for (const [field, d] of [
    ['timeLagThreshold', props.timeLagThreshold],
    ['stallAfter', props.stallAfter],
    ['stoppedFor', props.stoppedFor],
    ['timeLagFor', props.timeLagFor],
  ] as const) {
    if (d !== undefined && !isDuration(d)) throw new TargetConfigError(name, field, 'must be a Duration', KIND);
  }
  // Alarms look back at most a day of one-minute periods.
  for (const [field, d] of [
    ['stoppedFor', props.stoppedFor],
    ['timeLagFor', props.timeLagFor],
  ] as const) {
    if (d !== undefined && (d.toSeconds() < 60 || d.toSeconds() > 12 * 3600))
      throw new TargetConfigError(name, field, 'must be from 1 minute to 12 hours', KIND);
  }
  wholeIn(name, 'memorySize', props.memorySize, 128, 10_240, KIND);
  const given = {
    name,
    ...scheduleAndTimeout(name, props.schedule, props.runTimeout, KIND),
    groups,
    groupPattern: props.groupPattern,
    namespace: props.namespace,
    timeLagThresholdMs: props.timeLagThreshold?.toMilliseconds(),
    stallAfterMs: props.stallAfter?.toMilliseconds(),
    connection: { ...resolveAuth(name, KIND, props), scramSecretArn: props.scramSecretArn, mskClusterArn: props.mskClusterArn },
  };
  const config = checkRuntimeEnvironment(
    { kind: KIND, name, variables: LAG_ENV, parse: parseLagConfig, propOf: PROP_OF_FIELD },
    lagEnvironment(props, given, region),
  );
  const check: ResolvedLagCheck = {
    ...given,
    namespace: props.namespace ?? config.metricsNamespace,
    runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
    timeLagThresholdMs: config.timeLagThresholdMs,
    stallAfterMs: config.stallAfterMs,
    stoppedFor: props.stoppedFor ?? Duration.minutes(5),
    timeLagFor: props.timeLagFor ?? Duration.minutes(20),
    periods: alarmPeriods(name, props.thresholds ?? {}, KIND, { evaluationPeriods: 3, datapointsToAlarm: 3 }),
  };
  return { check, environment: lagEnvironment(props, check, region) };
}

/** The lag Lambda's environment: every key from the contract its handler reads; an unset value stays unset. */
export function lagEnvironment(
  props: StreamProbeLagCheckProps,
  c: Pick<ResolvedLagCheck, 'name' | 'groups' | 'groupPattern' | 'runTimeout' | 'connection'> & {
    namespace?: string;
    timeLagThresholdMs?: number;
    stallAfterMs?: number;
  },
  region: string,
): Record<string, string> {
  return definedOnly({
    [LAG_ENV.checkName]: c.name,
    [LAG_ENV.brokers]: props.brokers.join(','),
    [LAG_ENV.groups]: c.groups.length ? c.groups.join(',') : undefined,
    [LAG_ENV.groupPattern]: c.groupPattern,
    [LAG_ENV.timeLagThresholdMs]: c.timeLagThresholdMs?.toString(),
    [LAG_ENV.stallAfterMs]: c.stallAfterMs?.toString(),
    [LAG_ENV.partitionMetrics]: String(props.partitionMetrics ?? false),
    [LAG_ENV.runTimeoutMs]: String(c.runTimeout.toMilliseconds()),
    ...connectionEnvironment(c.connection, props.tlsCaPem, c.connection.auth === 'msk-iam' ? region : undefined),
    ...metricsEnvironment(c.namespace, props.highResolutionMetrics ?? false),
  });
}

export const PROP_OF_FIELD: Record<string, string> = {
  timeLagThresholdMs: 'timeLagThreshold',
  stallAfterMs: 'stallAfter',
  runTimeoutMs: 'runTimeout',
  metricsNamespace: 'namespace',
};
