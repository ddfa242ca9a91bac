/** The deployable stack: a construct per configured canary target, pipeline and lag check, the alarm topics and one dashboard. */
import { Annotations, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { AppConfig, VpcConfig } from './app-config';
import { StreamProbeLagCheck } from './checks/lag/construct';
import { StreamProbeLoadTest } from './checks/load/construct';
import { StreamProbePipeline } from './checks/pipeline/construct';
import { StreamProbeRoundTrip } from './checks/roundtrip/construct';
import { AlarmTopic } from './common/alarm-topic';
import { ProbeDashboard } from './dashboard';

export interface StreamProbeStackProps extends StackProps {
  readonly config: AppConfig;
}

function retention(days: number | undefined): RetentionDays | undefined {
  if (days === undefined) return undefined;
  const allowed = Object.values(RetentionDays)
    .filter((v): v is number => typeof v === 'number' && v > 0)
    .sort((a, b) => a - b);
  // CloudWatch Logs accepts only some periods: take the shortest that keeps logs at least as long as asked.
  return (allowed.find((v) => v >= days) ?? allowed[allowed.length - 1]) as RetentionDays;
}

function timing(scheduleMinutes: number | undefined, runTimeoutSeconds: number | undefined) {
  return {
    schedule: scheduleMinutes === undefined ? undefined : Duration.minutes(scheduleMinutes),
    runTimeout: runTimeoutSeconds === undefined ? undefined : Duration.seconds(runTimeoutSeconds),
  };
}

function vpcPlacement(scope: Construct, name: string, placement: VpcConfig | undefined) {
  if (!placement) return {};
  const { vpcId, subnetIds, securityGroupIds } = placement;
  const vpc = ec2.Vpc.fromVpcAttributes(scope, `${name}Vpc`, { vpcId, availabilityZones: subnetIds.map((_, i) => `az${i}`) });
  const subnets = subnetIds.map((id) => ec2.Subnet.fromSubnetId(scope, `${name}${id}`, id));
  for (const subnet of subnets) {
    Validations.of(subnet).acknowledge({
      id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: 'The probe only places its Lambda network interfaces in these subnets; nothing reads their route tables.',
    });
  }
  return {
    vpc,
    vpcSubnets: { subnets },
    securityGroups: securityGroupIds.map((id) => ec2.SecurityGroup.fromSecurityGroupId(scope, `${name}${id}`, id)),
  };
}

export class StreamProbeStack extends Stack {
  readonly probes: StreamProbeRoundTrip[];
  readonly pipelines: StreamProbePipeline[];
  readonly lagChecks: StreamProbeLagCheck[];
  readonly loadTests: StreamProbeLoadTest[];
  readonly pagingTopic: sns.ITopic;
  readonly notificationTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: StreamProbeStackProps) {
    super(scope, id, { description: 'streamprobe: synthetic canary monitoring of Kafka pipelines', ...props });
    const { config } = props;

    // One KMS key for both topics when the stack makes both.
    let key: kms.Key | undefined;
    if (config.alarmTopicArn) {
      this.pagingTopic = sns.Topic.fromTopicArn(this, 'PagingTopic', config.alarmTopicArn);
    } else {
      const paging = new AlarmTopic(this, 'PagingTopic', { displayName: 'streamprobe: pages on-call' });
      key = paging.key;
      const topic = paging.topic;
      for (const email of config.alarmEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));
      for (const url of config.alarmHttpsUrls) topic.addSubscription(new subscriptions.UrlSubscription(url));
      if (config.alarmEmails.length + config.alarmHttpsUrls.length === 0) {
        Annotations.of(this).addWarningV2(
          'streamprobe:nobodyPaged',
          'nobody is subscribed to the paging topic, so a page reaches no one: set alarmEmails, alarmHttpsUrls or alarmTopicArn in the streamprobe config, or subscribe to the PagingTopicArn output',
        );
      }
      this.pagingTopic = topic;
    }
    this.notificationTopic = new AlarmTopic(this, 'NotificationTopic', { displayName: 'streamprobe: alarm details (does not page)', key }).topic;

    this.probes = config.targets.map((t) => {
      const { endToEndLatencyMs, ...thresholds } = t.thresholds ?? {};
      const { vpc: _placement, ...settings } = t;
      return new StreamProbeRoundTrip(this, `Target-${t.probeName}`, {
        ...settings,
        ...vpcPlacement(this, t.probeName, t.vpc),
        ...timing(t.scheduleMinutes, t.runTimeoutSeconds),
        logRetention: retention(t.logRetentionDays),
        thresholds: { ...thresholds, endToEndLatency: endToEndLatencyMs === undefined ? undefined : Duration.millis(endToEndLatencyMs) },
        pagingTopic: this.pagingTopic,
        notificationTopic: this.notificationTopic,
      });
    });

    const topics = { pagingTopic: this.pagingTopic, notificationTopic: this.notificationTopic };
    this.pipelines = config.pipelines.map((p) => {
      const { vpc: placement, thresholds, scheduleMinutes, runTimeoutSeconds, logRetentionDays, deadlineSeconds, inputBrokers, outputBrokers, ...settings } = p;
      const { pipelineLatencyMs, latencyForSeconds, ...rest } = thresholds ?? {};
      return new StreamProbePipeline(this, `Pipeline-${p.pipelineName}`, {
        ...settings,
        ...vpcPlacement(this, `pipeline${p.pipelineName}`, placement),
        ...timing(scheduleMinutes, runTimeoutSeconds),
        ...topics,
        inputBrokers,
        outputBrokers,
        deadline: deadlineSeconds === undefined ? undefined : Duration.seconds(deadlineSeconds),
        logRetention: retention(logRetentionDays),
        thresholds: {
          ...rest,
          pipelineLatency: pipelineLatencyMs === undefined ? undefined : Duration.millis(pipelineLatencyMs),
          latencyFor: latencyForSeconds === undefined ? undefined : Duration.seconds(latencyForSeconds),
        },
      });
    });
    this.lagChecks = config.lagChecks.map((c) => {
      const {
        vpc: placement,
        scheduleMinutes,
        runTimeoutSeconds,
        logRetentionDays,
        timeLagThresholdSeconds,
        stallAfterSeconds,
        stoppedForSeconds,
        timeLagForSeconds,
        ...settings
      } = c;
      const name = c.checkName ?? 'lag';
      return new StreamProbeLagCheck(this, `LagCheck-${name}`, {
        ...settings,
        ...vpcPlacement(this, `lag${name}`, placement),
        ...timing(scheduleMinutes, runTimeoutSeconds),
        ...topics,
        logRetention: retention(logRetentionDays),
        timeLagThreshold: timeLagThresholdSeconds === undefined ? undefined : Duration.millis(timeLagThresholdSeconds * 1000),
        stallAfter: stallAfterSeconds === undefined ? undefined : Duration.millis(stallAfterSeconds * 1000),
        stoppedFor: stoppedForSeconds === undefined ? undefined : Duration.millis(stoppedForSeconds * 1000),
        timeLagFor: timeLagForSeconds === undefined ? undefined : Duration.millis(timeLagForSeconds * 1000),
      });
    });

    this.loadTests = config.loadTests.map((l) => {
      const { vpc: placement, logRetentionDays, durationSeconds, maxDurationSeconds, ...settings } = l;
      const name = l.loadTestName ?? 'load';
      return new StreamProbeLoadTest(this, `LoadTest-${name}`, {
        ...settings,
        ...vpcPlacement(this, `load${name}`, placement),
        logRetention: retention(logRetentionDays),
        duration: durationSeconds === undefined ? undefined : Duration.seconds(durationSeconds),
        maxDuration: maxDurationSeconds === undefined ? undefined : Duration.seconds(maxDurationSeconds),
      });
    });

    const dashboard = new ProbeDashboard(this, 'Dashboard', {
      dashboardName: `${id}-streamprobe`,
      probes: this.probes,
      pipelines: this.pipelines,
      lagChecks: this.lagChecks,
    });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'PagingTopicArn', { value: this.pagingTopic.topicArn });
    const outputName = (name: string) => name.replace(/[^A-Za-z0-9]/g, '');
    for (const probe of this.probes) new CfnOutput(this, `ProbeFunction${outputName(probe.target.probeName)}`, { value: probe.function.functionName });
    for (const p of this.pipelines) new CfnOutput(this, `PipelineFunction${outputName(p.pipeline.name)}`, { value: p.function.functionName });
    for (const c of this.lagChecks) new CfnOutput(this, `LagCheckFunction${outputName(c.check.name)}`, { value: c.function.functionName });
    for (const l of this.loadTests) new CfnOutput(this, `LoadTestFunction${outputName(l.loadTestName)}`, { value: l.function.functionName });
  }
}
