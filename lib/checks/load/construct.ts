/**
 * The on-demand load test: a Lambda that runs `streamprobe load` inside the cluster's network, invoked by
 * hand or by a pipeline step (never scheduled), publishing its result under the LoadTest dimension so runs
 * can be compared in CloudWatch. No alarms: a load test answers a question, it does not page.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { parseLoadConfig } from '../../../lambda/config/load';
import { LOAD_ENV, PROBE_NAME_PATTERN } from '../../../lambda/contract';
import { grantMsk, grantSecret } from '../../common/cluster-access';
import { type ClusterAuthProps, type FunctionPlacementProps, isDuration, resolveAuth, TargetConfigError } from '../../common/props';
import { checkRuntimeEnvironment, connectionEnvironment, definedOnly, metricsEnvironment } from '../../common/runtime-check';
import { ScheduledCheck } from '../../common/scheduled-check';

const KIND = 'load test';
/** Connecting and making the topic before the load; reporting after it. */
const PREPARE_AND_REPORT = Duration.seconds(60);

/** Deployed like the scheduled checks, without a schedule or alarms; memorySize defaults to 1024 (a load needs the CPU). */
export interface StreamProbeLoadTestProps extends ClusterAuthProps, FunctionPlacementProps {
  /** Names the load: dimension LoadTest of its metrics, log key, client id. Default "load". */
  readonly loadTestName?: string;
  readonly brokers: string[];
  /** Default streamprobe-load; made with `partitions` partitions when missing. */
  readonly topic?: string;
  /** Default rate of an invocation that names none: records (5000/s) or bytes (5MB/s) per second. Default 1000/s. */
  readonly rate?: string;
  /** Default duration of an invocation that names none. Default 60 s; the Lambda timeout allows at most this. */
  readonly duration?: Duration;
  /** The longest load an invocation may ask for (the Lambda's timeout follows it, at most 15 minutes). Default: `duration`. */
  readonly maxDuration?: Duration;
  readonly messageBytes?: number;
  readonly keys?: number;
  readonly partitions?: number;
  readonly acks?: 'all' | '1' | '0';
  readonly compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
}

const PROP_OF_FIELD: Record<string, string> = { loadTest: 'loadTestName', durationMs: 'duration', metricsNamespace: 'namespace' };

export class StreamProbeLoadTest extends Construct {
  readonly function: lambda.Function;
  readonly loadTestName: string;

  constructor(scope: Construct, id: string, props: StreamProbeLoadTestProps) {
    super(scope, id);
    const name = props.loadTestName ?? 'load';
    if (typeof name !== 'string' || !PROBE_NAME_PATTERN.test(name))
      throw new TargetConfigError(String(name), 'loadTestName', 'must be letters, digits, ".", "_" or "-", at most 64', KIND);
    this.loadTestName = name;
    const duration = props.duration ?? Duration.seconds(60);
    const maxDuration = props.maxDuration ?? duration;
    for (const [field, d] of [
      ['duration', duration],
      ['maxDuration', maxDuration],
    ] as const) {
      if (!isDuration(d)) throw new TargetConfigError(name, field, 'must be a Duration', KIND);
    }
    const connection = { ...resolveAuth(name, KIND, props), scramSecretArn: props.scramSecretArn, mskClusterArn: props.mskClusterArn };
    const environment = (resolved: { topic?: string; namespace?: string; drainMs?: number }) =>
      definedOnly({
        [LOAD_ENV.loadTest]: name,
        [LOAD_ENV.brokers]: props.brokers.join(','),
        [LOAD_ENV.topic]: resolved.topic,
        [LOAD_ENV.rate]: props.rate ?? '1000/s',
        [LOAD_ENV.durationMs]: String(duration.toMilliseconds()),
        [LOAD_ENV.drainMs]: resolved.drainMs?.toString(),
        [LOAD_ENV.messageBytes]: props.messageBytes?.toString(),
        [LOAD_ENV.keys]: props.keys?.toString(),
        [LOAD_ENV.partitions]: props.partitions?.toString(),
        [LOAD_ENV.acks]: props.acks,
        [LOAD_ENV.compression]: props.compression,
        ...connectionEnvironment(connection, props.tlsCaPem, connection.auth === 'msk-iam' ? Stack.of(this).region : undefined),
        ...metricsEnvironment(resolved.namespace),
      });
    // The Lambda's own schema checks its fields and gives their defaults (topic, drain, namespace).
    const config = checkRuntimeEnvironment(
      { kind: KIND, name, variables: LOAD_ENV, parse: parseLoadConfig, propOf: PROP_OF_FIELD },
      environment({ topic: props.topic, namespace: props.namespace }),
    );
    const topic = props.topic ?? config.topic;
    const namespace = props.namespace ?? config.metricsNamespace;
    const drain = Duration.millis(config.drainMs);
    const timeout = Duration.seconds(maxDuration.toSeconds() + drain.toSeconds() + PREPARE_AND_REPORT.toSeconds());
    if (timeout.toSeconds() > 900)
      throw new TargetConfigError(
        name,
        'maxDuration',
        `leaves no room in Lambda's 15 minutes (at most ${900 - drain.toSeconds() - PREPARE_AND_REPORT.toSeconds()} s)`,
        KIND,
      );
    if (duration.toSeconds() > maxDuration.toSeconds()) throw new TargetConfigError(name, 'duration', 'is longer than maxDuration', KIND);

    const check = new ScheduledCheck(this, {
      handler: 'load',
      description: `streamprobe load test ${name} (on demand)`,
      environment: environment({ topic, namespace, drainMs: config.drainMs }),
      schedule: undefined,
      timeout,
      memorySize: props.memorySize ?? 1024,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      namespace,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });
    if (connection.auth === 'msk-iam' && connection.mskClusterArn) {
      grantMsk(check, {
        clusterArn: connection.mskClusterArn,
        sid: 'Msk',
        manageTopics: [topic],
      });
    }
    if (connection.scramSecretArn) grantSecret(check, 'ReadScramSecret', connection.scramSecretArn, props.scramSecretKeyArn);
    check.acknowledgeWildcards();
    this.function = check.function;
  }
}
