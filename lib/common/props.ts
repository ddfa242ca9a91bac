/**
 * What every check's construct shares: how it is deployed (schedule, budget, Lambda, logs, network), how it
 * reaches a cluster, and the synth-time checks of props only a construct knows (durations, schedule against
 * budget, alarm periods, ARNs), each naming the prop. Fields the Lambda reads are checked by the Lambda's
 * own schema at synth (runtime-check.ts): their bounds and defaults live there alone.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MIN_RUN_TIMEOUT_MS } from '../../lambda/config/fields';
import { AUTH_MODES, type AuthMode } from '../../lambda/contract';

/** Where any streamprobe Lambda runs and what it writes: its metrics' namespace, size, logs and network. */
export interface FunctionPlacementProps {
  /** CloudWatch namespace of its metrics. Default StreamProbe. */
  readonly namespace?: string;
  readonly memorySize?: number;
  readonly logRetention?: RetentionDays;
  /** For private clusters. */
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/** How any scheduled check is deployed: its schedule and budget, metrics, runbook, and where it runs. */
export interface CheckDeploymentProps extends FunctionPlacementProps {
  /** How often the check runs. Default 1 minute. */
  readonly schedule?: Duration;
  /** Budget of one run (measuring and reporting); the Lambda timeout is derived from it. Default 20 s. */
  readonly runTimeout?: Duration;
  readonly highResolutionMetrics?: boolean;
  /** Linked from every alarm's description. */
  readonly runbookUrl?: string;
}

/** Without a runbookUrl, alarms point at the runbook shipped with streamprobe. */
export const DEFAULT_RUNBOOK = 'docs/RUNBOOK.md in the streamprobe repository';

/**
 * A Duration, also one made by another copy of aws-cdk-lib (an app that resolved its own): `instanceof`
 * alone would reject the user's perfectly good value.
 */
export function isDuration(value: unknown): value is Duration {
  return (
    value instanceof Duration ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Duration).toMilliseconds === 'function' &&
      typeof (value as Duration).toHumanString === 'function')
  );
}

/** Room between the run budget and the Lambda timeout: cold start, module init, flushing logs. */
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
export function scheduleAndTimeout(
  name: string,
  schedule = Duration.minutes(1),
  runTimeout = Duration.seconds(20),
  kind = 'target',
): { schedule: Duration; runTimeout: Duration; lambdaTimeout: Duration } {
  if (!isDuration(schedule) || schedule.toSeconds() < 60 || schedule.toSeconds() % 60 !== 0) {
    throw new TargetConfigError(name, 'schedule', 'must be a whole number of minutes, at least 1 (EventBridge rates are in minutes)', kind);
  }
  if (!isDuration(runTimeout) || runTimeout.toMilliseconds() < MIN_RUN_TIMEOUT_MS || runTimeout.toSeconds() > 600) {
    throw new TargetConfigError(
      name,
      'runTimeout',
      `must be from ${MIN_RUN_TIMEOUT_MS / 1000} seconds (what a cold start needs to connect to every broker and read where each partition ends) to 10 minutes`,
      kind,
    );
  }
  if (runTimeout.toSeconds() + LAMBDA_TIMEOUT_MARGIN.toSeconds() > schedule.toSeconds()) {
    throw new TargetConfigError(
      name,
      'runTimeout',
      `plus ${LAMBDA_TIMEOUT_MARGIN.toSeconds()} s must fit in the schedule interval, or runs would overlap`,
      kind,
    );
  }
  return { schedule, runTimeout, lambdaTimeout: Duration.seconds(runTimeout.toSeconds() + LAMBDA_TIMEOUT_MARGIN.toSeconds()) };
}

/** M of N alarm periods, checked together. */
export function alarmPeriods(
  name: string,
  t: { evaluationPeriods?: number; datapointsToAlarm?: number },
  kind = 'target',
  defaults: { evaluationPeriods: number; datapointsToAlarm: number } = { evaluationPeriods: 5, datapointsToAlarm: 3 },
): { evaluationPeriods: number; datapointsToAlarm: number } {
  wholeIn(name, 'thresholds.evaluationPeriods', t.evaluationPeriods, 1, 100, kind);
  wholeIn(name, 'thresholds.datapointsToAlarm', t.datapointsToAlarm, 1, 100, kind);
  const evaluationPeriods = t.evaluationPeriods ?? defaults.evaluationPeriods;
  const datapointsToAlarm = t.datapointsToAlarm ?? Math.min(defaults.datapointsToAlarm, evaluationPeriods);
  if (datapointsToAlarm > evaluationPeriods)
    throw new TargetConfigError(name, 'thresholds.datapointsToAlarm', 'cannot exceed thresholds.evaluationPeriods', kind);
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
  if (!AUTH_MODES.includes(auth))
    throw new TargetConfigError(name, field('auth'), `must be one of ${AUTH_MODES.join(', ')} (got ${JSON.stringify(auth)})`, kind);
  const scram = auth === 'scram-sha-256' || auth === 'scram-sha-512';
  if (scram && !props.scramSecretArn) throw new TargetConfigError(name, field('scramSecretArn'), `is required for auth ${auth}`, kind);
  if (props.scramSecretArn && !scram) throw new TargetConfigError(name, field('scramSecretArn'), 'is set but auth is not scram-sha-256 or scram-sha-512', kind);
  if (props.scramSecretArn && !Token.isUnresolved(props.scramSecretArn) && !SECRET_ARN.test(props.scramSecretArn)) {
    throw new TargetConfigError(name, field('scramSecretArn'), 'must be a Secrets Manager secret ARN', kind);
  }
  if (auth === 'msk-iam' && !props.mskClusterArn)
    throw new TargetConfigError(name, field('mskClusterArn'), 'is required for auth msk-iam (IAM permissions are scoped to it)', kind);
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
