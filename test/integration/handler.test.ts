/** The Lambda handler as Lambda runs it: env configuration at cold start, middy, warm reuse, JSON logs. */
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { CapturedOutput, rawKafka, uniqueName } from '../helpers/kafka';

const kafka = inject('kafka');

function lambdaContext(remainingMs: number): Context {
  const end = Date.now() + remainingMs;
  return {
    functionName: 'streamprobe-probe', functionVersion: '$LATEST', awsRequestId: uniqueName('req'),
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:streamprobe-probe', memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/streamprobe-probe', logStreamName: 's', callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => end - Date.now(), done: () => {}, fail: () => {}, succeed: () => {},
  };
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  vi.resetModules();
});

describe('probe Lambda handler', () => {
  it('runs the probe per invocation, reusing clients while warm, with Lambda context in every log line', async () => {
    Object.assign(process.env, {
      STREAMPROBE_PROBE_NAME: uniqueName('lambda'), STREAMPROBE_BROKERS: kafka.plaintext,
      STREAMPROBE_TOPIC: uniqueName('canary'), STREAMPROBE_MIN_PARTITIONS: '3',
    });
    const output = new CapturedOutput().start();
    try {
      const { handler } = await import('../../lambda/handlers/probe');
      const first = await handler({}, lambdaContext(30_000));
      const second = await handler({}, lambdaContext(30_000));
      expect(first).toMatchObject({ outcome: 'healthy', sent: 3, received: 3, lost: 0 });
      expect(second).toMatchObject({ outcome: 'healthy', sent: 3, received: 3, lost: 0 });
      const summaries = output.events('run_summary');
      expect(summaries.map((s) => s.warm)).toEqual([false, true]);
      expect(summaries[0]).toMatchObject({ function_name: 'streamprobe-probe', probe: process.env.STREAMPROBE_PROBE_NAME });
      expect(summaries[0]!.function_request_id).not.toBe(summaries[1]!.function_request_id);
    } finally {
      output.stop();
      const { runtimeForTests } = await import('../../lambda/handlers/probe');
      await runtimeForTests.close();
    }
  });

  it('ends within the Lambda remaining time when the broker is unreachable', async () => {
    Object.assign(process.env, { STREAMPROBE_PROBE_NAME: 'unreachable', STREAMPROBE_BROKERS: '127.0.0.1:9', STREAMPROBE_RUN_TIMEOUT_MS: '60000' });
    const output = new CapturedOutput().start();
    try {
      const { handler } = await import('../../lambda/handlers/probe');
      const started = Date.now();
      const result = await handler({}, lambdaContext(4000));
      expect(Date.now() - started).toBeLessThan(4000);
      expect(result).toMatchObject({ outcome: 'failed', sent: 0 });
      expect(output.events('run_error')[0]).toMatchObject({ phase: 'connect' });
    } finally {
      output.stop();
    }
  });

  it('fails the cold start with a message naming each bad setting', async () => {
    Object.assign(process.env, { STREAMPROBE_PROBE_NAME: 'x', STREAMPROBE_BROKERS: 'localhost', STREAMPROBE_AUTH: 'plain' });
    await expect(import('../../lambda/handlers/probe')).rejects.toThrow(
      /STREAMPROBE_BROKERS \(brokers\): each broker must be host:port[\s\S]*STREAMPROBE_AUTH \(auth\): must be one of/,
    );
  });
});

describe('pipeline and lag Lambda handlers', () => {
  it('pipeline: a canary through an identity pipeline (input topic = output topic) completes, metrics off, logs keyed by pipeline', async () => {
    const topic = uniqueName('identity');
    Object.assign(process.env, {
      STREAMPROBE_PIPELINE_NAME: uniqueName('pl'), STREAMPROBE_INPUT_BROKERS: kafka.plaintext, STREAMPROBE_INPUT_TOPIC: topic,
      STREAMPROBE_OUTPUT_TOPIC: topic, STREAMPROBE_METRICS_SINK: 'none', STREAMPROBE_DEADLINE_MS: '10000',
    });
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    const output = new CapturedOutput().start();
    try {
      const { handler } = await import('../../lambda/handlers/pipeline');
      const result = await handler({}, lambdaContext(30_000));
      expect(result, output.text).toMatchObject({ outcome: 'healthy', sent: 1, onTime: 1, lost: 0 });
      expect(output.events('pipeline_summary')[0]).toMatchObject({ function_name: 'streamprobe-probe', pipeline: process.env.STREAMPROBE_PIPELINE_NAME, outcome: 'healthy' });
    } finally {
      output.stop();
      const { runtimeForTests } = await import('../../lambda/handlers/pipeline');
      await runtimeForTests.close();
    }
  });

  it('lag: an unreachable cluster ends the check in time as failed, with its error logged', async () => {
    Object.assign(process.env, { STREAMPROBE_BROKERS: '127.0.0.1:9', STREAMPROBE_GROUPS: 'billing', STREAMPROBE_METRICS_SINK: 'none' });
    const output = new CapturedOutput().start();
    try {
      const { handler } = await import('../../lambda/handlers/lag');
      const started = Date.now();
      const result = await handler({}, lambdaContext(5000));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result).toMatchObject({ succeeded: false, groups: {} });
      expect(output.events('lag_error')[0]).toMatchObject({ check: 'lag', phase: 'connect' });
    } finally {
      output.stop();
      const { runtimeForTests } = await import('../../lambda/handlers/lag');
      await runtimeForTests.close();
    }
  });

  it('both fail the cold start naming the variable', async () => {
    Object.assign(process.env, { STREAMPROBE_PIPELINE_NAME: 'p', STREAMPROBE_INPUT_BROKERS: 'b:9092', STREAMPROBE_INPUT_TOPIC: 'in', STREAMPROBE_OUTPUT_TOPIC: 'out', STREAMPROBE_MATCH: 'xpath:/a' });
    await expect(import('../../lambda/handlers/pipeline')).rejects.toThrow(/STREAMPROBE_MATCH \(match\): must be key, header/);
    process.env = { ...saved, STREAMPROBE_BROKERS: 'b:9092' };
    vi.resetModules();
    await expect(import('../../lambda/handlers/lag')).rejects.toThrow(/STREAMPROBE_GROUPS \(groups\): name at least one consumer group, or set STREAMPROBE_GROUP_PATTERN \(groupPattern\)/);
  });
});
