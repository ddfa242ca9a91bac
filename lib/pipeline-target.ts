/**
 * StreamProbePipeline: a pipeline canary deployed. Canaries go into the user's application's input topic
 * every schedule interval; the Lambda finds them in its output topic, and the alarms page through the same
 * path as the canary's when the application stops, loses canaries, slows past the threshold, or the check
 * itself stops running.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_NAMESPACE, PIPELINE_ENV, PROBE_NAME_PATTERN, pipelineGroupId, type AuthMode } from '../lambda/contract';
import { DIMENSIONS, type MetricName } from '../lambda/metrics-contract';
import { parsePipelineConfig } from '../lambda/config/pipeline';
import { ABOVE, AlarmKit, BELOW, type AlarmTopicProps, IGNORE, NOT_BREACHING, ONCE, contractMetric } from './alarm-kit';
import { checkRuntimeEnvironment, definedOnly } from './runtime-check';
import { ScheduledCheck } from './scheduled-check';
import { grantMsk, grantSecret } from './cluster-access';
import { DEFAULT_RUNBOOK, TargetConfigError, resolveAuth, type CheckDeploymentProps, isDuration, type ClusterAuthProps, type ResolvedAuth, alarmPeriods, checkStatistic, scheduleAndTimeout, wholeIn } from './target-props';

const KIND = 'pipeline';

export interface PipelineThresholds {
  /** Pipeline latency (send to last expected output) that pages. Default: half the deadline. */
  readonly pipelineLatency?: Duration;
  /** Statistic of the latency alarm. Default Maximum: a few canaries a period, each one counts. */
  readonly latencyStatistic?: string;
  /** Share of concluded canaries (failed runs count as 0) below which the pipeline is unavailable. Default 99. */
  readonly availabilityPercent?: number;
  /** Lost canaries per period above which the loss alarm fires. Default 0: any confirmed loss. */
  readonly lostCanaries?: number;
  /** M of N for latency and availability. Default 3 of 5. */
  readonly datapointsToAlarm?: number;
  readonly evaluationPeriods?: number;
}

export interface StreamProbePipelineProps extends CheckDeploymentProps, ClusterAuthProps, AlarmTopicProps {
  /** Names the pipeline in metrics (dimension Pipeline), logs, its output consumer group and alarm names. */
  readonly pipelineName: string;
  readonly inputBrokers: readonly string[];
  readonly inputTopic: string;
  /** Another cluster for the output (a mirror, a replicator). Default: the input's. */
  readonly outputBrokers?: readonly string[];
  readonly outputTopic: string;
  /** How the output cluster is reached, where not as the input (auth, TLS, its own SCRAM secret or MSK cluster). */
  readonly outputAuth?: AuthMode;
  readonly outputTls?: boolean;
  readonly outputTlsCaPem?: string;
  readonly outputScramSecretArn?: string;
  readonly outputMskClusterArn?: string;
  /** Canary value; placeholders {{id}}, {{sentAtMs}}, {{sentAtIso}}, {{pipeline}}. */
  readonly valueTemplate?: string;
  readonly keyTemplate?: string;
  /** Extra canary headers, name to template (the application may route or filter on them). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Where the id is in the output: header (default), header:NAME, key, jsonpath:$.path, regex:PATTERN. */
  readonly match?: string;
  /** Outputs per canary: 1 (default), N (fan-out), 0 (the application must filter canaries out). */
  readonly expectOutputs?: number;
  /** How long the application may take; may exceed a run (canaries are tracked into later runs). Default 60 s. */
  readonly deadline?: Duration;
  readonly canariesPerRun?: number;
  readonly thresholds?: PipelineThresholds;
}

export interface PipelineAlarms {
  readonly latency: cloudwatch.Alarm;
  readonly loss: cloudwatch.Alarm;
  readonly availability: cloudwatch.Alarm;
  readonly stopped: cloudwatch.Alarm;
  readonly hasRun: cloudwatch.Alarm;
  readonly lambdaErrors: cloudwatch.Alarm;
  readonly lambdaThrottles: cloudwatch.Alarm;
  readonly late: cloudwatch.Alarm;
  readonly duplicated: cloudwatch.Alarm;
  readonly unexpected: cloudwatch.Alarm;
  readonly composite: cloudwatch.CompositeAlarm;
}

export interface ResolvedPipeline {
  readonly name: string;
  readonly schedule: Duration;
  readonly runTimeout: Duration;
  readonly lambdaTimeout: Duration;
  readonly deadline: Duration;
  readonly namespace: string;
  readonly runbookUrl: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly input: ResolvedAuth;
  readonly output: ResolvedAuth;
  readonly thresholds: { latencyMs: number; latencyStatistic: string; availabilityPercent: number; lostCanaries: number; evaluationPeriods: number; datapointsToAlarm: number };
}

export function resolvePipeline(props: StreamProbePipelineProps): ResolvedPipeline {
  const name = props.pipelineName;
  if (typeof name !== 'string' || !PROBE_NAME_PATTERN.test(name)) {
    throw new TargetConfigError(String(name), 'pipelineName', 'must be letters, digits, ".", "_" or "-", at most 64', KIND);
  }
  const timing = scheduleAndTimeout(name, props.schedule, props.runTimeout, KIND);
  const deadline = props.deadline ?? Duration.seconds(60);
  if (!isDuration(deadline) || deadline.toMilliseconds() < 1000) throw new TargetConfigError(name, 'deadline', 'must be a Duration of at least 1 second', KIND);
  const t = props.thresholds ?? {};
  const latency = t.pipelineLatency ?? Duration.millis(Math.round(deadline.toMilliseconds() / 2));
  if (!isDuration(latency)) throw new TargetConfigError(name, 'thresholds.pipelineLatency', 'must be a Duration', KIND);
  if (latency.toMilliseconds() > deadline.toMilliseconds()) {
    throw new TargetConfigError(name, 'thresholds.pipelineLatency', `cannot exceed the deadline (${deadline.toSeconds()} s): a canary that late is reported lost, not slow`, KIND);
  }
  const availability = t.availabilityPercent ?? 99;
  if (typeof availability !== 'number' || availability <= 0 || availability > 100) {
    throw new TargetConfigError(name, 'thresholds.availabilityPercent', `must be a number in (0, 100] (got ${JSON.stringify(availability)})`, KIND);
  }
  wholeIn(name, 'thresholds.lostCanaries', t.lostCanaries, 0, 1_000_000, KIND);
  wholeIn(name, 'memorySize', props.memorySize, 128, 10_240, KIND);
  const input = { ...resolveAuth(name, KIND, props), scramSecretArn: props.scramSecretArn, mskClusterArn: props.mskClusterArn };
  // The output cluster is reached like the input unless its own settings say otherwise.
  const outputProps: ClusterAuthProps = {
    auth: props.outputAuth ?? props.auth, tls: props.outputTls ?? (props.outputAuth === undefined ? props.tls : undefined),
    tlsCaPem: props.outputTlsCaPem ?? props.tlsCaPem,
    scramSecretArn: props.outputScramSecretArn ?? ((props.outputAuth ?? props.auth ?? 'none').startsWith('scram') ? props.scramSecretArn : undefined),
    mskClusterArn: props.outputMskClusterArn ?? ((props.outputAuth ?? props.auth) === 'msk-iam' ? props.mskClusterArn : undefined),
  };
  const output = { ...resolveAuth(name, KIND, outputProps, 'output'), scramSecretArn: outputProps.scramSecretArn, mskClusterArn: outputProps.mskClusterArn };
  return {
    name, ...timing, deadline, input, output,
    namespace: props.namespace ?? DEFAULT_NAMESPACE,
    runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
    inputTopic: props.inputTopic,
    outputTopic: props.outputTopic,
    thresholds: {
      latencyMs: latency.toMilliseconds(),
      latencyStatistic: checkStatistic(name, 'thresholds.latencyStatistic', t.latencyStatistic ?? 'Maximum', KIND),
      availabilityPercent: availability,
      lostCanaries: t.lostCanaries ?? 0,
      ...alarmPeriods(name, t, KIND),
    },
  };
}

/** The pipeline Lambda's environment: every key from the contract its handler reads. */
export function pipelineEnvironment(props: StreamProbePipelineProps, p: ResolvedPipeline, region: string): Record<string, string> {
  return definedOnly({
    [PIPELINE_ENV.pipelineName]: p.name,
    [PIPELINE_ENV.inputBrokers]: props.inputBrokers.join(','),
    [PIPELINE_ENV.inputTopic]: props.inputTopic,
    [PIPELINE_ENV.outputBrokers]: props.outputBrokers?.join(','),
    [PIPELINE_ENV.outputTopic]: props.outputTopic,
    [PIPELINE_ENV.valueTemplate]: props.valueTemplate,
    [PIPELINE_ENV.keyTemplate]: props.keyTemplate,
    [PIPELINE_ENV.headers]: props.headers === undefined ? undefined : JSON.stringify(props.headers),
    [PIPELINE_ENV.match]: props.match,
    [PIPELINE_ENV.expectOutputs]: props.expectOutputs?.toString(),
    [PIPELINE_ENV.deadlineMs]: String(p.deadline.toMilliseconds()),
    [PIPELINE_ENV.canariesPerRun]: props.canariesPerRun?.toString(),
    [PIPELINE_ENV.runTimeoutMs]: String(p.runTimeout.toMilliseconds()),
    [PIPELINE_ENV.auth]: p.input.auth,
    [PIPELINE_ENV.tls]: String(p.input.tls),
    [PIPELINE_ENV.tlsCaPem]: props.tlsCaPem,
    [PIPELINE_ENV.saslSecretArn]: p.input.scramSecretArn,
    [PIPELINE_ENV.region]: p.input.auth === 'msk-iam' || p.output.auth === 'msk-iam' ? region : undefined,
    [PIPELINE_ENV.outputAuth]: props.outputAuth,
    [PIPELINE_ENV.outputTls]: props.outputTls?.toString(),
    [PIPELINE_ENV.outputTlsCaPem]: props.outputTlsCaPem,
    [PIPELINE_ENV.outputSaslSecretArn]: props.outputScramSecretArn,
    [PIPELINE_ENV.metricsNamespace]: p.namespace,
    [PIPELINE_ENV.metricsSink]: 'api',
    [PIPELINE_ENV.metricsHighResolution]: String(props.highResolutionMetrics ?? false),
  });
}

const PROP_OF_FIELD: Record<string, string> = {
  deadlineMs: 'deadline', runTimeoutMs: 'runTimeout', metricsNamespace: 'namespace', saslSecretArn: 'scramSecretArn', outputSaslSecretArn: 'outputScramSecretArn',
};

export class PipelineAlarmSet extends AlarmKit {
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, p: ResolvedPipeline, fn: lambda.IFunction) {
    super(scope, id, { kind: 'pipeline', name: p.name, runbookUrl: p.runbookUrl });
    const t = p.thresholds;
    const period = Duration.seconds(Math.max(60, p.schedule.toSeconds()));
    const m = (name: MetricName, statistic: string) => contractMetric(p.namespace, name, { [DIMENSIONS.pipeline]: p.name }, statistic, period);
    const mOfN = { evaluationPeriods: t.evaluationPeriods, datapointsToAlarm: t.datapointsToAlarm };
    const direct = {
      latency: this.alarm('Latency', 'latency', `pipeline latency ${t.latencyStatistic} above ${t.latencyMs} ms in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods`,
        m('PipelineLatency', t.latencyStatistic), t.latencyMs, ABOVE, mOfN, IGNORE),
      // Lost means the deadline passed without the expected outputs: the application stopped or dropped it.
      loss: this.alarm('Loss', 'loss', `more than ${t.lostCanaries} canaries without their outputs by their ${p.deadline.toSeconds()} s deadline (${p.inputTopic} to ${p.outputTopic})`,
        m('PipelineCanariesLost', 'Sum'), t.lostCanaries, ABOVE, ONCE, NOT_BREACHING),
      availability: this.alarm('Availability', 'availability', `pipeline availability below ${t.availabilityPercent}% in ${t.datapointsToAlarm} of ${t.evaluationPeriods} periods (runs that could not send count as 0)`,
        m('PipelineAvailability', 'Average'), t.availabilityPercent, BELOW, mOfN, IGNORE),
      ...this.lambdaAlarms(fn, period),
    };
    const heartbeat = this.heartbeat(m('PipelineRunSucceeded', 'SampleCount'), 'the pipeline canary');
    const notifying = {
      late: this.alarm('Late', 'late', 'canaries came out after their own run, within their deadline (slow, not lost)', m('PipelineCanariesLate', 'Sum'), 0, ABOVE, ONCE, NOT_BREACHING),
      duplicated: this.alarm('Duplicated', 'duplicated', 'canaries came out more often than expected', m('PipelineCanariesDuplicated', 'Sum'), 0, ABOVE, ONCE, NOT_BREACHING),
      unexpected: this.alarm('Unexpected', 'unexpected', 'outputs of canaries that should have been filtered out, or that no run sent', m('PipelineUnexpectedOutputs', 'Sum'), 0, ABOVE, ONCE, NOT_BREACHING),
    };
    const composite = this.pagingComposite('pages', `the pipeline ${p.inputTopic} to ${p.outputTopic} or its canary is unhealthy; the child alarm in ALARM says which`, Object.values(direct), heartbeat);
    this.alarms = { ...direct, ...heartbeat, ...notifying, composite };
  }
}

export class StreamProbePipeline extends Construct {
  readonly pipeline: ResolvedPipeline;
  readonly function: NodejsFunction;
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: StreamProbePipelineProps) {
    super(scope, id);
    const p = resolvePipeline(props);
    this.pipeline = p;
    const environment = pipelineEnvironment(props, p, Stack.of(this).region);
    checkRuntimeEnvironment({
      kind: KIND, name: p.name, variables: PIPELINE_ENV, parse: parsePipelineConfig, propOf: PROP_OF_FIELD,
    }, environment);
    const check = new ScheduledCheck(this, {
      handler: 'pipeline', description: `streamprobe pipeline canary ${p.name}`, environment, schedule: p.schedule, timeout: p.lambdaTimeout,
      memorySize: props.memorySize ?? 256, logRetention: props.logRetention ?? RetentionDays.ONE_MONTH, namespace: p.namespace,
      vpc: props.vpc, vpcSubnets: props.vpcSubnets, securityGroups: props.securityGroups,
    });
    this.grantClusterAccess(check, p, props);
    this.function = check.function;
    const alarms = new PipelineAlarmSet(this, 'Alarms', p, this.function);
    alarms.routeTo(props);
    this.alarms = alarms.alarms;
  }

  private grantClusterAccess(check: ScheduledCheck, p: ResolvedPipeline, props: StreamProbePipelineProps): void {
    const group = pipelineGroupId(p.name);
    if (p.input.auth === 'msk-iam' && p.input.mskClusterArn) {
      grantMsk(check, {
        clusterArn: p.input.mskClusterArn, sid: 'MskInput', writeTopics: [p.inputTopic], readTopics: [p.inputTopic],
        groups: [{ name: `${group}-recover-*`, deletes: true, why: 'After a cold start the pipeline reads its predecessor\'s canaries back from the input topic through a throwaway group (streamprobe-pipeline-<name>-recover-<time>), deleted after; the wildcard covers only those.' }],
      });
    }
    if (p.output.auth === 'msk-iam' && p.output.mskClusterArn) {
      grantMsk(check, { clusterArn: p.output.mskClusterArn, sid: 'MskOutput', readTopics: [p.outputTopic], groups: [{ name: group }] });
    }
    const secrets = [...new Set([p.input.scramSecretArn, p.output.scramSecretArn].filter((a): a is string => a !== undefined))];
    for (const [i, arn] of secrets.entries()) grantSecret(check, `ReadScramSecret${i || ''}`, arn, i === 0 ? props.scramSecretKeyArn : undefined);
    check.acknowledgeWildcards();
  }
}
