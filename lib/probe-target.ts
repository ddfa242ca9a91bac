/**
 * StreamProbeTarget: everything that probes one Kafka target. Drop it into any CDK app: the probe Lambda,
 * its schedule, its log group, least-privilege permissions, and the alarms that page.
 */
import * as path from 'node:path';
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ConfigError, parseConfig, rawConfigFromEnv } from '../lambda/config';
import { ENV, consumerGroupPrefix, type ConfigField } from '../lambda/contract';
import { ProbeAlarms, type TargetAlarms } from './alarms';
import { TargetConfigError, resolveTarget, type ResolvedTarget, type StreamProbeTargetProps } from './target-props';

export interface StreamProbeTargetConstructProps extends StreamProbeTargetProps {
  /** Pages on-call: the composite alarm's ALARM and OK actions. */
  readonly pagingTopic?: sns.ITopic;
  /** Receives every child alarm's ALARM and OK (chat, tickets); does not page. */
  readonly notificationTopic?: sns.ITopic;
  /** The KMS key of the SCRAM secret (MSK requires a customer managed key). */
  readonly scramSecretKeyArn?: string;
}

const PROJECT_ROOT = path.join(__dirname, '..');
export const HANDLER_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'handlers', 'probe.ts');

/** The probe's environment: every key comes from the contract the handler reads. */
export function probeEnvironment(t: ResolvedTarget, region: string): Record<string, string> {
  const env: Record<string, string | undefined> = {
    [ENV.probeName]: t.probeName,
    [ENV.brokers]: t.brokers.join(','),
    [ENV.topic]: t.topic,
    [ENV.minPartitions]: String(t.minPartitions),
    [ENV.replicationFactor]: t.replicationFactor?.toString(),
    [ENV.expectedBrokers]: t.expectedBrokers?.toString(),
    [ENV.eventsPerPartition]: String(t.eventsPerPartition),
    [ENV.messageBytes]: String(t.messageBytes),
    [ENV.runTimeoutMs]: String(t.runTimeout.toMilliseconds()),
    // A frozen Lambda sends no heartbeats: outlive three schedule intervals, or every run pays a rejoin.
    [ENV.sessionTimeoutMs]: String(Math.min(1_800_000, Math.max(300_000, t.schedule.toMilliseconds() * 3))),
    [ENV.auth]: t.auth,
    [ENV.tls]: String(t.tls),
    [ENV.tlsCaPem]: t.tlsCaPem,
    [ENV.saslSecretArn]: t.scramSecretArn,
    [ENV.region]: t.auth === 'msk-iam' ? region : undefined,
    [ENV.metricsNamespace]: t.namespace,
    [ENV.metricsSink]: 'api',
    [ENV.metricsHighResolution]: String(t.highResolutionMetrics),
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The construct prop behind each runtime setting, where the two names differ. */
const PROP_OF_FIELD: Partial<Record<ConfigField, string>> = {
  metricsNamespace: 'namespace', saslSecretArn: 'scramSecretArn', runTimeoutMs: 'runTimeout', metricsHighResolution: 'highResolutionMetrics',
};

/**
 * Runs the Lambda's own configuration schema over the environment it will get, so a deploy can never ship
 * a function that rejects its environment at cold start. Values only known at deploy time (tokens) are
 * left to the cold-start check; required ones get a stand-in so everything else is still checked.
 */
export function checkRuntimeEnvironment(probeName: string, env: Readonly<Record<string, string>>): void {
  const known = Object.fromEntries(Object.entries(env).filter(([, v]) => !Token.isUnresolved(v)));
  if (Token.isUnresolved(env[ENV.brokers])) known[ENV.brokers] = 'deploy-time.invalid:9092';
  try {
    parseConfig(rawConfigFromEnv(known), (field) => PROP_OF_FIELD[field as ConfigField] ?? field);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [first, ...rest] = error.issues;
    const [field, ...problem] = first!.split(': ');
    throw new TargetConfigError(probeName, field!, `is not accepted by the probe Lambda, which would reject it at cold start: ${problem.join(': ')}${rest.length ? ` (also: ${rest.join('; ')})` : ''}`);
  }
}

/** MSK resource ARNs for topics and groups, derived from the cluster ARN (…:cluster/name/uuid). */
export function mskResourceArn(clusterArn: string, kind: 'topic' | 'group', name: string): string {
  return `${clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
}

export class StreamProbeTarget extends Construct {
  readonly target: ResolvedTarget;
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly alarms: TargetAlarms;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: StreamProbeTargetConstructProps) {
    super(scope, id);
    const t = resolveTarget(props);
    this.target = t;
    const stack = Stack.of(this);

    const environment = probeEnvironment(t, stack.region);
    checkRuntimeEnvironment(t.probeName, environment);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: t.logRetention });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `streamprobe ${t.probeName} probe`,
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Probe', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: t.memorySize,
      timeout: t.lambdaTimeout,
      // One run at a time: overlapping runs would share a topic and steal each other's events.
      reservedConcurrentExecutions: 1,
      role,
      logGroup: this.logGroup,
      description: `streamprobe canary for ${t.probeName}`,
      environment: { ...environment, POWERTOOLS_LOG_LEVEL: 'INFO' },
      // Lambda retries failed asynchronous invocations twice by default: a retried run reports a stale
      // picture and overlaps the next one. The next scheduled run is the retry.
      retryAttempts: 0,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      bundling: {
        minify: true,
        target: 'node22',
        format: OutputFormat.CJS,
        // The SDK is bundled at the version the tests ran against, not the one the runtime happens to carry.
        externalModules: [],
        forceDockerBundling: false,
      },
    });

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The runtime is pinned to nodejs22.x on purpose: the probe is tested on it, and a runtime change must be a deliberate, tested upgrade rather than a side effect of a CDK release.',
    });

    this.rule = new events.Rule(this, 'Schedule', {
      description: `streamprobe ${t.probeName}: run the canary every ${t.schedule.toMinutes()} min`,
      schedule: events.Schedule.rate(t.schedule),
      // A retried run would report a stale picture; the next scheduled run is the retry.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: t.schedule })],
    });

    this.grantPermissions(role, t, props);
    const alarms = new ProbeAlarms(this, 'Alarms', t, this.function);
    if (props.pagingTopic) {
      alarms.wireActions(new actions.SnsAction(props.notificationTopic ?? props.pagingTopic), new actions.SnsAction(props.pagingTopic));
    }
    this.alarms = alarms.alarms;
  }

  private grantPermissions(role: iam.Role, t: ResolvedTarget, props: StreamProbeTargetConstructProps): void {
    const metrics = new iam.PolicyStatement({
      sid: 'PublishProbeMetrics',
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': t.namespace } },
    });
    role.addToPolicy(metrics);
    const acknowledged = ['AwsSolutions-IAM5[Resource::*]'];
    const reasons = ['cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the probe namespace by a cloudwatch:namespace condition.'];

    if (props.vpc) {
      role.addToPolicy(new iam.PolicyStatement({
        sid: 'LambdaVpcNetworkInterfaces',
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      }));
      reasons.push('Lambda VPC networking: ec2 network-interface actions do not support resource-level permissions.');
    }

    if (t.auth === 'msk-iam' && t.mskClusterArn) {
      const group = mskResourceArn(t.mskClusterArn, 'group', `${consumerGroupPrefix(t.probeName)}-*`);
      role.addToPolicy(new iam.PolicyStatement({
        sid: 'MskConnect',
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
        resources: [t.mskClusterArn],
      }));
      role.addToPolicy(new iam.PolicyStatement({
        sid: 'MskCanaryTopic',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:CreateTopic', 'kafka-cluster:AlterTopic', 'kafka-cluster:WriteData', 'kafka-cluster:ReadData'],
        resources: [mskResourceArn(t.mskClusterArn, 'topic', t.topic)],
      }));
      role.addToPolicy(new iam.PolicyStatement({
        sid: 'MskProbeGroups',
        actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        resources: [group],
      }));
      acknowledged.push(`AwsSolutions-IAM5[Resource::${group}]`);
      reasons.push('Each probe container joins its own consumer group (streamprobe-<probe>-<random>), so a new container never waits on a dead member; the wildcard covers only this probe\'s groups.');
    }

    if (t.scramSecretArn) {
      role.addToPolicy(new iam.PolicyStatement({
        sid: 'ReadScramSecret',
        actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        resources: [t.scramSecretArn],
      }));
      if (props.scramSecretKeyArn) {
        role.addToPolicy(new iam.PolicyStatement({
          sid: 'DecryptScramSecret',
          actions: ['kms:Decrypt'],
          resources: [props.scramSecretKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }));
      }
    }

    for (const id of acknowledged) {
      Validations.of(role).acknowledge({ id, reason: reasons.join(' ') });
    }
  }
}
