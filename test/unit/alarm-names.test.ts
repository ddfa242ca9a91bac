/**
 * Alarm names are streamprobe-<kind>-<name>-<what>: checks of different kinds never share one (CloudWatch
 * would silently keep one of two alarms of the same name), a clash that remains within a kind fails synth
 * naming both checks, and the config file refuses a name used by two checks.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { StreamProbeLagCheck, StreamProbePipeline, StreamProbeRoundTrip } from '../../lib';
import { parseAppConfig } from '../../lib/app';

const brokers = ['b-1.example:9092'];

function userStack() {
  // No bundling: these tests are about names, not code.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return { app, stack: new Stack(app, 'User') };
}

function alarmNames(stack: Stack): string[] {
  const t = Template.fromStack(stack);
  const names = (type: string) => Object.values(t.findResources(type)).map((r) => String(r.Properties.AlarmName));
  return [...names('AWS::CloudWatch::Alarm'), ...names('AWS::CloudWatch::CompositeAlarm')];
}

describe('alarm names', () => {
  it('a round trip named pipeline-x beside a pipeline and a lag check named x: every alarm name is unique', () => {
    const { stack } = userStack();
    new StreamProbeRoundTrip(stack, 'Probe', { probeName: 'pipeline-x', brokers });
    new StreamProbePipeline(stack, 'Flow', { pipelineName: 'x', inputBrokers: brokers, inputTopic: 'in', outputTopic: 'out' });
    new StreamProbeLagCheck(stack, 'Lag', { checkName: 'x', brokers, groups: ['orders'] });
    const names = alarmNames(stack);
    expect(names.length).toBeGreaterThan(30);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const [kind, name] of [
      ['roundtrip', 'pipeline-x'],
      ['pipeline', 'x'],
      ['lag', 'x'],
    ]) {
      expect(names, kind).toContain(`streamprobe-${kind}-${name}-pages`);
      expect(
        names.some((n) => n.startsWith(`streamprobe-${kind}-${name}-stopped`)),
        kind,
      ).toBe(true);
    }
    expect(names.every((n) => /^streamprobe-(roundtrip|pipeline|lag)-/.test(n))).toBe(true);
  });

  it('a clash left within a kind fails synth, naming both checks', () => {
    const { app, stack } = userStack();
    // Group "b" of lag check "a" and lag check "a-b" itself would both make streamprobe-lag-a-b-stopped.
    new StreamProbeLagCheck(stack, 'LagA', { checkName: 'a', brokers, groups: ['b'] });
    new StreamProbeLagCheck(stack, 'LagAB', { checkName: 'a-b', brokers, groups: ['orders'] });
    expect(() => app.synth()).toThrow(
      /alarm name "streamprobe-lag-a-b-stopped" is made by both User\/LagA\/Alarms\/Group0Stopped and User\/LagAB\/Alarms\/Stopped/,
    );
  });

  it('the config file refuses one name for two checks, naming both entries', () => {
    const config = {
      targets: [{ probeName: 'x', brokers }],
      pipelines: [{ pipelineName: 'x', inputBrokers: brokers, inputTopic: 'in', outputTopic: 'out' }],
      lagChecks: [
        { checkName: 'x', brokers, groups: ['orders'] },
        { checkName: 'x', brokers, groups: ['billing'] },
      ],
    };
    let message = '';
    try {
      parseAppConfig(config, 'test.json');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('pipelines[0].pipelineName: "x" is already the name of targets[0].probeName');
    expect(message).toContain('lagChecks[0].checkName: "x" is already the name of targets[0].probeName');
    expect(message).toContain('lagChecks[1].checkName: "x" is already the name of targets[0].probeName');
    expect(message).not.toMatch(/\n\s+at /);
  });

  it('the config file takes names that only look alike: a round trip pipeline-wc beside a pipeline wc', () => {
    const config = parseAppConfig(
      {
        targets: [{ probeName: 'pipeline-wc', brokers }],
        pipelines: [{ pipelineName: 'wc', inputBrokers: brokers, inputTopic: 'in', outputTopic: 'out' }],
      },
      'test.json',
    );
    expect(config.targets[0]!.probeName).toBe('pipeline-wc');
  });
});
