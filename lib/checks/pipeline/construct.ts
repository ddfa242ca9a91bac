/**
 * StreamProbePipeline: a pipeline canary deployed. Canaries go into the user's application's input topic
 * every schedule interval; the Lambda finds them in its output topic, and the alarms page through the same
 * path as the canary's when the application stops, loses canaries, slows past the threshold, or the check
 * itself stops running.
 */
import { Stack } from 'aws-cdk-lib';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { pipelineGroupId } from '../../../lambda/contract';
import { grantMsk, grantSecret } from '../../common/cluster-access';
import { ScheduledCheck } from '../../common/scheduled-check';
import { PipelineAlarmSet, type PipelineAlarms } from './alarms';
import { type ResolvedPipeline, resolvePipeline, type StreamProbePipelineProps } from './props';

export { PipelineAlarmSet, type PipelineAlarms } from './alarms';
export { type PipelineThresholds, pipelineEnvironment, type ResolvedPipeline, resolvePipeline, type StreamProbePipelineProps } from './props';

export class StreamProbePipeline extends Construct {
  readonly pipeline: ResolvedPipeline;
  readonly function: NodejsFunction;
  readonly alarms: PipelineAlarms;

  constructor(scope: Construct, id: string, props: StreamProbePipelineProps) {
    super(scope, id);
    const { pipeline: p, environment } = resolvePipeline(props, Stack.of(this).region);
    this.pipeline = p;
    const check = new ScheduledCheck(this, {
      handler: 'pipeline',
      description: `streamprobe pipeline canary ${p.name}`,
      environment,
      schedule: p.schedule,
      timeout: p.lambdaTimeout,
      memorySize: props.memorySize ?? 256,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      namespace: p.namespace,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
    });
    this.grantClusterAccess(check, p, props);
    this.function = check.function;
    const alarms = new PipelineAlarmSet(this, 'Alarms', p, check);
    alarms.routeTo(props);
    this.alarms = alarms.alarms;
  }

  private grantClusterAccess(check: ScheduledCheck, p: ResolvedPipeline, props: StreamProbePipelineProps): void {
    const group = pipelineGroupId(p.name);
    if (p.input.auth === 'msk-iam' && p.input.mskClusterArn) {
      grantMsk(check, {
        clusterArn: p.input.mskClusterArn,
        sid: 'MskInput',
        writeTopics: [p.inputTopic],
        readTopics: [p.inputTopic],
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
