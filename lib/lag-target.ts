/**
 * StreamProbeLagCheck: the consumer-lag check deployed. Every schedule interval the Lambda reads its groups'
 * committed offsets, the log ends and starts, and the timestamp at each lagging position. Alarms per named
 * group (time lag M of N, stopped, stalled, retention loss), the same over every group a pattern finds, and
 * the check's own heartbeat, page through one composite per check.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_NAMESPACE, LAG_ENV, PROBE_NAME_PATTERN } from '../lambda/contract';
import { parseLagConfig } from '../lambda/config/lag';
import { DIMENSIONS, type MetricName } from '../lambda/metrics-contract';
import { ABOVE, AT_LEAST, AlarmKit, BELOW, type AlarmTopicProps, IGNORE, NOT_BREACHING, ONCE, contractMetric, type Periods } from './alarm-kit';
import { checkRuntimeEnvironment, definedOnly } from './runtime-check';
import { ScheduledCheck } from './scheduled-check';
import { grantMsk, grantSecret } from './cluster-access';
import { DEFAULT_RUNBOOK, TargetConfigError, resolveAuth, type CheckDeploymentProps, isDuration, type ClusterAuthProps, type ResolvedAuth, alarmPeriods, scheduleAndTimeout, wholeIn } from './target-props';

const KIND = 'lag check';

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

const PROP_OF_FIELD: Record<string, string> = {
  timeLagThresholdMs: 'timeLagThreshold', stallAfterMs: 'stallAfter', runTimeoutMs: 'runTimeout', metricsNamespace: 'namespace', saslSecretArn: 'scramSecretArn',
};

export interface GroupAlarms {
  readonly timeLag: cloudwatch.Alarm;
  readonly stopped: cloudwatch.Alarm;
  readonly stalled: cloudwatch.Alarm;
  readonly retentionLoss: cloudwatch.Alarm;
}

export interface LagCheckAlarms {
  readonly groups: Readonly<Record<string, GroupAlarms>>;
  /** Over every group the check read: present when a pattern finds groups no alarm names. */
  readonly anyGroup?: GroupAlarms;
  readonly failing: cloudwatch.Alarm;
  readonly stopped: cloudwatch.Alarm;
  readonly hasRun: cloudwatch.Alarm;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly lambdaThrottles: cloudwatch.Alarm;
  readonly unknownGroups: cloudwatch.Alarm;
  readonly composite: cloudwatch.CompositeAlarm;
}

export class LagAlarmSet extends AlarmKit {
  readonly alarms: LagCheckAlarms;

  constructor(scope: Construct, id: string, c: ResolvedLagCheck, fn: lambda.IFunction) {
    super(scope, id, { kind: 'lag', name: c.name, runbookUrl: c.runbookUrl });
    const period = Duration.seconds(Math.max(60, c.schedule.toSeconds()));
    const metric = (dims: Record<string, string>) => (name: MetricName, statistic: string) => contractMetric(c.namespace, name, dims, statistic, period);
    const check = metric({ [DIMENSIONS.lagCheck]: c.name });
    // Silence keeps the state for time lag (a failed check says nothing about it); counters published only
    // when non-zero read silence as zero. A consumer restarting for a deploy is STOPPED for a check or two:
    // M of N lets that pass and pages on a consumer that stays down.
    const groups: Record<string, GroupAlarms> = {};
    c.groups.forEach((group, i) => {
      const m = metric({ [DIMENSIONS.lagCheck]: c.name, [DIMENSIONS.consumerGroup]: group });
      groups[group] = {
        timeLag: this.alarm(`Group${i}TimeLag`, `${group}-time-lag`, `consumer group ${group}: time lag above ${c.timeLagThresholdMs} ms in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
          m('ConsumerGroupMaxTimeLag', 'Maximum'), c.timeLagThresholdMs, ABOVE, c.periods, IGNORE),
        stopped: this.alarm(`Group${i}Stopped`, `${group}-stopped`, `consumer group ${group}: no members while records wait, in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
          m('ConsumerGroupStopped', 'Maximum'), 1, AT_LEAST, c.periods, NOT_BREACHING),
        stalled: this.alarm(`Group${i}Stalled`, `${group}-stalled`, `consumer group ${group}: members present, records waiting, no commit for ${c.stallAfterMs / 1000} s, in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
          m('ConsumerGroupStalled', 'Maximum'), 1, AT_LEAST, c.periods, NOT_BREACHING),
        retentionLoss: this.alarm(`Group${i}RetentionLoss`, `${group}-retention-loss`, `consumer group ${group}: records deleted by retention before the group read them`,
          m('ConsumerGroupRetentionLost', 'Maximum'), 0, ABOVE, ONCE, NOT_BREACHING),
      };
    });
    const anyGroup: GroupAlarms | undefined = c.groupPattern === undefined ? undefined : {
      timeLag: this.alarm('AnyTimeLag', 'any-time-lag', `a group matching /${c.groupPattern}/: time lag above ${c.timeLagThresholdMs} ms in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
        check('LagCheckMaxTimeLag', 'Maximum'), c.timeLagThresholdMs, ABOVE, c.periods, IGNORE),
      stopped: this.alarm('AnyStopped', 'any-stopped', `a group matching /${c.groupPattern}/ has no members while records wait`, check('LagCheckGroupsStopped', 'Maximum'), 1, AT_LEAST, c.periods, NOT_BREACHING),
      stalled: this.alarm('AnyStalled', 'any-stalled', `a group matching /${c.groupPattern}/ has stopped committing`, check('LagCheckGroupsStalled', 'Maximum'), 1, AT_LEAST, c.periods, NOT_BREACHING),
      retentionLoss: this.alarm('AnyRetentionLoss', 'any-retention-loss', `a group matching /${c.groupPattern}/ lost records to retention`, check('LagCheckGroupsRetentionLoss', 'Maximum'), 0, ABOVE, ONCE, NOT_BREACHING),
    };
    const failing = this.alarm('Failing', 'failing', `the check could not read the cluster in ${c.periods.datapointsToAlarm} of ${c.periods.evaluationPeriods} checks`,
      check('LagCheckSucceeded', 'Average'), 1, BELOW, c.periods, IGNORE);
    const lambdaAlarms = this.lambdaAlarms(fn, period);
    const heartbeat = this.heartbeat(check('LagCheckSucceeded', 'SampleCount'), 'the lag check');
    const unknownGroups = this.alarm('UnknownGroups', 'unknown-groups', 'a named consumer group is unknown to the cluster (a typo, or a group gone): nothing watches it',
      check('LagCheckUnknownGroups', 'Maximum'), 0, ABOVE, ONCE, NOT_BREACHING);
    const direct = [...Object.values(groups), ...(anyGroup ? [anyGroup] : [])].flatMap((g) => Object.values(g)).concat(failing, ...Object.values(lambdaAlarms));
    const composite = this.pagingComposite('pages', 'a consumer group is lagging, stopped, stalled or losing records, or the check cannot run; the child alarm in ALARM says which', direct, heartbeat);
    this.alarms = { groups, anyGroup, failing, ...heartbeat, ...lambdaAlarms, unknownGroups, composite };
  }
}

export class StreamProbeLagCheck extends Construct {
  readonly check: ResolvedLagCheck;
  readonly function: NodejsFunction;
  readonly alarms: LagCheckAlarms;

  constructor(scope: Construct, id: string, props: StreamProbeLagCheckProps) {
    super(scope, id);
    const c = resolveLagCheck(props);
    this.check = c;
    const environment = lagEnvironment(props, c, Stack.of(this).region);
    checkRuntimeEnvironment({
      kind: KIND, name: c.name, variables: LAG_ENV, parse: parseLagConfig, propOf: PROP_OF_FIELD,
    }, environment);
    const scheduled = new ScheduledCheck(this, {
      handler: 'lag', description: `streamprobe consumer-lag check ${c.name}`, environment, schedule: c.schedule, timeout: c.lambdaTimeout,
      memorySize: props.memorySize ?? 256, logRetention: props.logRetention ?? RetentionDays.ONE_MONTH, namespace: c.namespace,
      vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups,
    });
    if (c.connection.auth === 'msk-iam' && c.connection.mskClusterArn) {
      grantMsk(scheduled, {
        clusterArn: c.connection.mskClusterArn, sid: 'Msk',
        groups: [{ name: 'streamprobe-lag-read-*', deletes: true, why: 'The lag check reads the timestamp at each lagging position through a throwaway group (streamprobe-lag-read-<random>), deleted after; the wildcard covers only those.' }],
        everything: 'A lag check describes the groups it watches (a pattern matches any) and reads one record of whatever topic they consume, which the deployment does not know: describe and read on every topic and group of this one cluster, and no write.',
      });
    }
    if (c.connection.scramSecretArn) grantSecret(scheduled, 'ReadScramSecret', c.connection.scramSecretArn, props.scramSecretKeyArn);
    scheduled.acknowledgeWildcards();
    this.function = scheduled.function;
    const alarms = new LagAlarmSet(this, 'Alarms', c, this.function);
    alarms.routeTo(props);
    this.alarms = alarms.alarms;
  }
}
