/** Props of a pipeline canary, resolved once with their defaults, and the environment its Lambda reads. */
import { Duration } from 'aws-cdk-lib';
import { parsePipelineConfig } from '../../../lambda/config/pipeline';
import { type AuthMode, PIPELINE_ENV, PROBE_NAME_PATTERN } from '../../../lambda/contract';
import type { AlarmTopicProps } from '../../common/alarm-kit';
import {
  alarmPeriods,
  type CheckDeploymentProps,
  type ClusterAuthProps,
  checkStatistic,
  DEFAULT_RUNBOOK,
  isDuration,
  type ResolvedAuth,
  resolveAuth,
  scheduleAndTimeout,
  TargetConfigError,
  wholeIn,
} from '../../common/props';
import { checkRuntimeEnvironment, connectionEnvironment, definedOnly, metricsEnvironment } from '../../common/runtime-check';

export const KIND = 'pipeline';

export interface PipelineThresholds {
  /** Pipeline latency (send to last expected output) that pages. Default: half the deadline. */
  readonly pipelineLatency?: Duration;
  /** Statistic of the latency alarm. Default Maximum: a few canaries a period, each one counts. */
  readonly latencyStatistic?: string;
  /** Share of concluded canaries (failed runs count as 0) below which the pipeline is unavailable. Default 99. */
  readonly availabilityPercent?: number;
  /** Lost canaries per period above which the loss alarm fires. Default 0: any confirmed loss. */
  readonly lostCanaries?: number;
  /** How long latency must stay above its threshold to page (twice the threshold pages in 3 runs). Default 20 minutes. */
  readonly latencyFor?: Duration;
  /** M of N for availability. Default 3 of 3: one or two failed runs are ordinary. */
  readonly datapointsToAlarm?: number;
  readonly evaluationPeriods?: number;
}

export interface StreamProbePipelineProps extends CheckDeploymentProps, ClusterAuthProps, AlarmTopicProps {
  /** Names the pipeline in metrics (dimension Pipeline), logs, its output consumer group and alarm names. */
  readonly pipelineName: string;
  readonly inputBrokers: string[];
  readonly inputTopic: string;
  /** Another cluster for the output (a mirror, a replicator). Default: the input's. */
  readonly outputBrokers?: string[];
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
  readonly thresholds: ResolvedPipelineThresholds;
}

/** A pipeline's alarm thresholds with every default applied. */
export interface ResolvedPipelineThresholds {
  readonly latencyMs: number;
  readonly latencyStatistic: string;
  readonly latencyFor: Duration;
  readonly availabilityPercent: number;
  readonly lostCanaries: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

/** The output cluster is reached like the input unless its own settings say otherwise. */
function outputAuthProps(props: StreamProbePipelineProps): ClusterAuthProps {
  return {
    auth: props.outputAuth ?? props.auth,
    tls: props.outputTls ?? (props.outputAuth === undefined ? props.tls : undefined),
    tlsCaPem: props.outputTlsCaPem ?? props.tlsCaPem,
    scramSecretArn: props.outputScramSecretArn ?? ((props.outputAuth ?? props.auth ?? 'none').startsWith('scram') ? props.scramSecretArn : undefined),
    mskClusterArn: props.outputMskClusterArn ?? ((props.outputAuth ?? props.auth) === 'msk-iam' ? props.mskClusterArn : undefined),
  };
}

/** The alarms' thresholds, checked against the deadline (a canary later than that is lost, not slow). */
function resolveThresholds(name: string, t: PipelineThresholds, deadline: Duration): ResolvedPipeline['thresholds'] {
  const latency = t.pipelineLatency ?? Duration.millis(Math.round(deadline.toMilliseconds() / 2));
  if (!isDuration(latency)) throw new TargetConfigError(name, 'thresholds.pipelineLatency', 'must be a Duration', KIND);
  if (latency.toMilliseconds() > deadline.toMilliseconds()) {
    throw new TargetConfigError(
      name,
      'thresholds.pipelineLatency',
      `cannot exceed the deadline (${deadline.toSeconds()} s): a canary that late is reported lost, not slow`,
      KIND,
    );
  }
  const availability = t.availabilityPercent ?? 99;
  if (typeof availability !== 'number' || availability <= 0 || availability > 100) {
    throw new TargetConfigError(name, 'thresholds.availabilityPercent', `must be a number in (0, 100] (got ${JSON.stringify(availability)})`, KIND);
  }
  wholeIn(name, 'thresholds.lostCanaries', t.lostCanaries, 0, 1_000_000, KIND);
  const latencyFor = t.latencyFor ?? Duration.minutes(20);
  if (!isDuration(latencyFor) || latencyFor.toSeconds() < 60 || latencyFor.toSeconds() > 12 * 3600) {
    throw new TargetConfigError(name, 'thresholds.latencyFor', 'must be a Duration from 1 minute to 12 hours', KIND);
  }
  return {
    latencyMs: latency.toMilliseconds(),
    latencyStatistic: checkStatistic(name, 'thresholds.latencyStatistic', t.latencyStatistic ?? 'Maximum', KIND),
    latencyFor,
    availabilityPercent: availability,
    lostCanaries: t.lostCanaries ?? 0,
    ...alarmPeriods(name, t, KIND, { evaluationPeriods: 3, datapointsToAlarm: 3 }),
  };
}

/**
 * The pipeline resolved, and its Lambda's environment. Fields the Lambda reads (the deadline among them)
 * are checked by its own schema and read back from it with the schema's defaults.
 */
export function resolvePipeline(props: StreamProbePipelineProps, region: string): { pipeline: ResolvedPipeline; environment: Record<string, string> } {
  const name = props.pipelineName;
  if (typeof name !== 'string' || !PROBE_NAME_PATTERN.test(name)) {
    throw new TargetConfigError(String(name), 'pipelineName', 'must be letters, digits, ".", "_" or "-", at most 64', KIND);
  }
  if (props.deadline !== undefined && !isDuration(props.deadline)) throw new TargetConfigError(name, 'deadline', 'must be a Duration', KIND);
  wholeIn(name, 'memorySize', props.memorySize, 128, 10_240, KIND);
  const outputProps = outputAuthProps(props);
  const given = {
    name,
    ...scheduleAndTimeout(name, props.schedule, props.runTimeout, KIND),
    deadline: props.deadline,
    namespace: props.namespace,
    input: { ...resolveAuth(name, KIND, props), scramSecretArn: props.scramSecretArn, mskClusterArn: props.mskClusterArn },
    output: { ...resolveAuth(name, KIND, outputProps, 'output'), scramSecretArn: outputProps.scramSecretArn, mskClusterArn: outputProps.mskClusterArn },
  };
  const config = checkRuntimeEnvironment(
    { kind: KIND, name, variables: PIPELINE_ENV, parse: parsePipelineConfig, propOf: PROP_OF_FIELD },
    pipelineEnvironment(props, given, region),
  );
  const deadline = props.deadline ?? Duration.millis(config.deadlineMs);
  const pipeline: ResolvedPipeline = {
    ...given,
    deadline,
    namespace: props.namespace ?? config.metricsNamespace,
    runbookUrl: props.runbookUrl ?? DEFAULT_RUNBOOK,
    inputTopic: props.inputTopic,
    outputTopic: props.outputTopic,
    thresholds: resolveThresholds(name, props.thresholds ?? {}, deadline),
  };
  return { pipeline, environment: pipelineEnvironment(props, pipeline, region) };
}

/** The pipeline Lambda's environment: every key from the contract its handler reads. */
export function pipelineEnvironment(
  props: StreamProbePipelineProps,
  p: Pick<ResolvedPipeline, 'name' | 'runTimeout' | 'input' | 'output'> & { deadline?: Duration; namespace?: string },
  region: string,
): Record<string, string> {
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
    [PIPELINE_ENV.deadlineMs]: p.deadline?.toMilliseconds().toString(),
    [PIPELINE_ENV.canariesPerRun]: props.canariesPerRun?.toString(),
    [PIPELINE_ENV.runTimeoutMs]: String(p.runTimeout.toMilliseconds()),
    ...connectionEnvironment(p.input, props.tlsCaPem, p.input.auth === 'msk-iam' || p.output.auth === 'msk-iam' ? region : undefined),
    [PIPELINE_ENV.outputAuth]: props.outputAuth,
    [PIPELINE_ENV.outputTls]: props.outputTls?.toString(),
    [PIPELINE_ENV.outputTlsCaPem]: props.outputTlsCaPem,
    [PIPELINE_ENV.outputScramSecretArn]: props.outputScramSecretArn,
    ...metricsEnvironment(p.namespace, props.highResolutionMetrics ?? false),
  });
}

export const PROP_OF_FIELD: Record<string, string> = {
  deadlineMs: 'deadline',
  runTimeoutMs: 'runTimeout',
  metricsNamespace: 'namespace',
};
