/**
 * The alarm-delivery rule pack on small CDK apps: each broken link of alarm -> topic -> key -> policies is
 * caught, the working shape passes, and topics imported by ARN are left alone.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { AlarmTopic } from '../../lib/common/alarm-topic';
import { AlarmDeliveryChecks } from '../../lib/nag/alarm-delivery-checks';

function stackWithAlarmOn(makeTopic: (stack: Stack) => sns.ITopic): App {
  const app = new App();
  const stack = new Stack(app, 'Fixture', { env: { account: '123456789012', region: 'eu-west-1' } });
  const alarm = new cloudwatch.Alarm(stack, 'Alarm', {
    alarmName: 'streamprobe-fixture-latency',
    metric: new cloudwatch.Metric({ namespace: 'StreamProbe', metricName: 'EndToEndLatency' }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  alarm.addAlarmAction(new actions.SnsAction(makeTopic(stack)));
  return app;
}

function findings(app: App): string[] {
  const report = new AlarmDeliveryChecks().validateScope(app);
  return report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(',')}`);
}

describe('the alarm delivery rule pack', () => {
  it('catches a topic encrypted with the AWS managed key alias/aws/sns', () => {
    const app = stackWithAlarmOn((s) => new sns.Topic(s, 'Paging', { masterKey: kms.Alias.fromAliasName(s, 'AwsSns', 'alias/aws/sns') }));
    const found = findings(app);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^StreamProbe-AlarmDelivery\[topic Paging\w+ is encrypted with the AWS managed key alias\/aws\/sns.*\] at Fixture\/Alarm\/Resource$/,
    );
  });

  it('catches a customer managed key whose policy does not let CloudWatch use it', () => {
    const app = stackWithAlarmOn((s) => new sns.Topic(s, 'Paging', { masterKey: new kms.Key(s, 'Key', { enableKeyRotation: true }) }));
    expect(findings(app).join('\n')).toMatch(/key policy of Key\w+ \(topic Paging\w+\) does not allow cloudwatch\.amazonaws\.com kms:GenerateDataKey/);
  });

  it('catches a topic policy (enforceSSL) that replaces the default and does not let CloudWatch publish', () => {
    const app = stackWithAlarmOn((s) => new sns.Topic(s, 'Paging', { enforceSSL: true }));
    expect(findings(app).join('\n')).toMatch(/topic policy of Paging\w+ does not allow cloudwatch\.amazonaws\.com sns:Publish/);
  });

  it("passes the topic streamprobe creates: its own key and a topic policy, both scoped to this account's alarms", () => {
    const app = stackWithAlarmOn((s) => new AlarmTopic(s, 'Paging', { displayName: 'pages' }).topic);
    expect(findings(app)).toEqual([]);
    const template = app.synth().getStackByName('Fixture').template as { Resources: Record<string, { Type: string; Properties: any }> };
    const byType = (t: string) =>
      Object.values(template.Resources)
        .filter((r) => r.Type === t)
        .map((r) => r.Properties);
    const keyStatement = byType('AWS::KMS::Key')[0].KeyPolicy.Statement.find((s: any) => s.Sid === 'CloudWatchAlarmsEncryptNotifications');
    expect(keyStatement).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: {
        StringEquals: { 'aws:SourceAccount': '123456789012' },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:123456789012:alarm:streamprobe-*']] } },
      },
    });
    const publish = byType('AWS::SNS::TopicPolicy')[0].PolicyDocument.Statement.find((s: any) => s.Sid === 'CloudWatchAlarmsPublish');
    expect(publish).toMatchObject({
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Condition: keyStatement.Condition,
    });
    expect(byType('AWS::KMS::Key')[0].EnableKeyRotation).toBe(true);
  });

  it('does not judge a topic imported by ARN, which the app cannot inspect', () => {
    const app = stackWithAlarmOn((s) => sns.Topic.fromTopicArn(s, 'Imported', 'arn:aws:sns:eu-west-1:123456789012:oncall'));
    expect(findings(app)).toEqual([]);
  });
});
