/** The deployable stack: one StreamProbeTarget per configured target, the alarm topics and one dashboard. */
import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { AlarmTopic } from './alarm-topic';
import type { AppConfig, TargetConfig } from './app-config';
import { ProbeDashboard } from './dashboard';
import { StreamProbeTarget } from './probe-target';

export interface StreamProbeStackProps extends StackProps {
  readonly config: AppConfig;
}

function encryptedTopic(scope: Construct, id: string, displayName: string): sns.Topic {
  return new AlarmTopic(scope, id, { displayName }).topic;
}

function retention(days: number | undefined): RetentionDays | undefined {
  if (days === undefined) return undefined;
  const allowed = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0).sort((a, b) => a - b);
  // CloudWatch Logs accepts only some periods: take the shortest that keeps logs at least as long as asked.
  return (allowed.find((v) => v >= days) ?? allowed[allowed.length - 1]) as RetentionDays;
}

function vpcPlacement(scope: Construct, t: TargetConfig) {
  if (!t.vpc) return {};
  const { vpcId, subnetIds, securityGroupIds } = t.vpc;
  const vpc = ec2.Vpc.fromVpcAttributes(scope, `${t.probeName}Vpc`, { vpcId, availabilityZones: subnetIds.map((_, i) => `az${i}`) });
  const subnets = subnetIds.map((id) => ec2.Subnet.fromSubnetId(scope, `${t.probeName}${id}`, id));
  for (const subnet of subnets) {
    Validations.of(subnet).acknowledge({
      id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: 'The probe only places its Lambda network interfaces in these subnets; nothing reads their route tables.',
    });
  }
  return {
    vpc,
    vpcSubnets: { subnets },
    securityGroups: securityGroupIds.map((id) => ec2.SecurityGroup.fromSecurityGroupId(scope, `${t.probeName}${id}`, id)),
  };
}

export class StreamProbeStack extends Stack {
  readonly probes: StreamProbeTarget[];
  readonly pagingTopic: sns.ITopic;
  readonly notificationTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: StreamProbeStackProps) {
    super(scope, id, { description: 'streamprobe: synthetic canary monitoring of Kafka pipelines', ...props });
    const { config } = props;

    if (config.alarmTopicArn) {
      this.pagingTopic = sns.Topic.fromTopicArn(this, 'PagingTopic', config.alarmTopicArn);
    } else {
      const topic = encryptedTopic(this, 'PagingTopic', 'streamprobe: pages on-call');
      for (const email of config.alarmEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));
      for (const url of config.alarmHttpsUrls) topic.addSubscription(new subscriptions.UrlSubscription(url));
      this.pagingTopic = topic;
    }
    this.notificationTopic = encryptedTopic(this, 'NotificationTopic', 'streamprobe: alarm details (does not page)');

    this.probes = config.targets.map((t) => {
      const { endToEndLatencyMs, ...thresholds } = t.thresholds ?? {};
      const { vpc: _placement, ...settings } = t;
      return new StreamProbeTarget(this, `Target-${t.probeName}`, {
        ...settings,
        ...vpcPlacement(this, t),
        schedule: t.scheduleMinutes === undefined ? undefined : Duration.minutes(t.scheduleMinutes),
        runTimeout: t.runTimeoutSeconds === undefined ? undefined : Duration.seconds(t.runTimeoutSeconds),
        logRetention: retention(t.logRetentionDays),
        thresholds: { ...thresholds, endToEndLatency: endToEndLatencyMs === undefined ? undefined : Duration.millis(endToEndLatencyMs) },
        pagingTopic: this.pagingTopic,
        notificationTopic: this.notificationTopic,
      });
    });

    const dashboard = new ProbeDashboard(this, 'Dashboard', { dashboardName: `${id}-streamprobe`, probes: this.probes });
    new CfnOutput(this, 'DashboardName', { value: dashboard.dashboard.dashboardName });
    new CfnOutput(this, 'PagingTopicArn', { value: this.pagingTopic.topicArn });
    for (const probe of this.probes) {
      new CfnOutput(this, `ProbeFunction${probe.target.probeName.replace(/[^A-Za-z0-9]/g, '')}`, { value: probe.function.functionName });
    }
  }
}
