/**
 * The constructs take the values CDK users pass as tokens (a parameter, another construct's ARN, the
 * stack's own region): synth checks what it can and leaves the rest to the deploy, and the IAM scoped to
 * an MSK cluster is built by CloudFormation from the token, not by string replacement on a placeholder.
 */
import { App, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { StreamProbeLagCheck, StreamProbePipeline, StreamProbeRoundTrip } from '../../lib';

function userStack() {
  // No bundling: these tests are about props, not code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'User');
  const clusterArn = new CfnParameter(stack, 'ClusterArn').valueAsString;
  const topic = new CfnParameter(stack, 'InputTopic').valueAsString;
  const secretArn = new secretsmanager.Secret(stack, 'Scram').secretArn;
  return { stack, clusterArn, topic, secretArn };
}

describe('construct props given as tokens', () => {
  it('an MSK cluster ARN, a secret ARN and a topic from parameters, in an environment-agnostic stack', () => {
    const { stack, clusterArn, topic, secretArn } = userStack();
    new StreamProbeRoundTrip(stack, 'Probe', { probeName: 'orders', brokers: ['b-1.example:9098'], auth: 'msk-iam', mskClusterArn: clusterArn, topic });
    new StreamProbePipeline(stack, 'Flow', {
      pipelineName: 'enrich',
      inputBrokers: ['b-1.example:9096'],
      inputTopic: topic,
      outputTopic: 'out',
      auth: 'scram-sha-512',
      scramSecretArn: secretArn,
      deadline: Duration.seconds(30),
    });
    new StreamProbeLagCheck(stack, 'Lag', { brokers: ['b-1.example:9098'], auth: 'msk-iam', mskClusterArn: clusterArn, groups: ['billing'] });
    const policies = JSON.stringify(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
    expect(policies).toContain('{"Fn::Split":[":cluster/",{"Ref":"ClusterArn"}]}');
    expect(policies).toContain('":group/"');
    expect(policies).not.toContain('${Token');
    // The group wildcards built from the token are acknowledged under the names cdk-nag gives them.
    const iam5 = new AwsSolutionsChecks(stack).validateScope(stack).violations.filter((v) => v.ruleName.startsWith('AwsSolutions-IAM5'));
    expect(iam5.map((v) => v.description)).toEqual([]);
  });

  it('still refuses what a token cannot excuse: SCRAM with neither a user name nor a secret', () => {
    const { stack, topic } = userStack();
    expect(
      () =>
        new StreamProbePipeline(stack, 'Flow', {
          pipelineName: 'enrich',
          inputBrokers: ['b-1.example:9096'],
          inputTopic: topic,
          outputTopic: 'out',
          auth: 'scram-sha-512',
        }),
    ).toThrow(/scramSecretArn|saslUsername/);
  });
});

describe('alarm routing', () => {
  const alarmActions = (stack: Stack) =>
    Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' || r.Type === 'AWS::CloudWatch::CompositeAlarm')
      .map((r) => ({
        name: String(r.Properties.AlarmName),
        composite: r.Type === 'AWS::CloudWatch::CompositeAlarm',
        actions: JSON.stringify(r.Properties.AlarmActions ?? []),
      }));
  const warnings = (stack: Stack) =>
    Annotations.fromStack(stack)
      .findWarning('*', Match.anyValue())
      .map((w) => String(w.entry.data));

  it('with only a paging topic, only the composite pages: no other alarm is sent to it, and synth says they notify nobody', () => {
    const { stack } = userStack();
    const paging = new sns.Topic(stack, 'Paging');
    new StreamProbeRoundTrip(stack, 'Probe', { probeName: 'orders', brokers: ['b-1.example:9092'], pagingTopic: paging });
    const alarms = alarmActions(stack);
    const paged = alarms.filter((a) => a.actions.includes('Paging'));
    expect(paged.map((a) => a.name)).toEqual(['streamprobe-roundtrip-orders-pages']);
    expect(alarms.filter((a) => !a.composite).every((a) => a.actions === '[]')).toBe(true);
    expect(warnings(stack)).toEqual([expect.stringMatching(/orders: no notificationTopic, so its \d+ other alarms .* notify nobody/)]);
  });

  it('with both topics, the composite pages and every other alarm notifies; without any, synth warns that nothing pages', () => {
    const { stack } = userStack();
    new StreamProbeRoundTrip(stack, 'Probe', {
      probeName: 'orders',
      brokers: ['b-1.example:9092'],
      pagingTopic: new sns.Topic(stack, 'Paging'),
      notificationTopic: new sns.Topic(stack, 'Notify'),
    });
    new StreamProbeLagCheck(stack, 'Lag', { brokers: ['b-1.example:9092'], groups: ['billing'] });
    const alarms = alarmActions(stack).filter((a) => a.name.startsWith('streamprobe-roundtrip-orders-'));
    const notifying = alarms.filter((a) => a.actions.includes('Notify'));
    expect(notifying.length).toBeGreaterThan(10);
    expect(alarms.filter((a) => a.actions.includes('Paging')).map((a) => a.name)).toEqual(['streamprobe-roundtrip-orders-pages']);
    expect(warnings(stack)).toEqual([
      expect.stringMatching(/lag check .*no pagingTopic, so its alarms page nobody/),
      expect.stringMatching(/lag check .*no notificationTopic/),
    ]);
  });
});
