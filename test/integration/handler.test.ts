/**
 * The Lambda handlers as Lambda runs them: configuration from the environment at cold start, middy, warm
 * reuse, JSON logs. Each test builds its handler from an environment of its own (createHandler, what every
 * handler module calls with process.env), so nothing is reloaded and the process's environment is untouched.
 */
import type { Context } from 'aws-lambda';
import { describe, expect, inject, it } from 'vitest';
import { createHandler } from '../../lambda/handlers/create-handler';
import { CapturedOutput, createTopic, uniqueName } from '../helpers/kafka';

const kafka = inject('kafka');

function lambdaContext(remainingMs: number): Context {
  const end = Date.now() + remainingMs;
  return {
    functionName: 'streamprobe-probe',
    functionVersion: '$LATEST',
    awsRequestId: uniqueName('req'),
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:streamprobe-probe',
    memoryLimitInMB: '256',
    logGroupName: '/aws/lambda/streamprobe-probe',
    logStreamName: 's',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => end - Date.now(),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

describe('probe Lambda handler', () => {
  it('runs the probe per invocation, reusing clients while warm, with Lambda context in every log line', async () => {
    const env = {
      STREAMPROBE_PROBE_NAME: uniqueName('lambda'),
      STREAMPROBE_BROKERS: kafka.plaintext,
      STREAMPROBE_TOPIC: uniqueName('canary'),
      STREAMPROBE_MIN_PARTITIONS: '3',
    };
    const output = new CapturedOutput().start();
    const probe = createHandler('roundtrip', env);
    try {
      const { handler } = probe;
      const first = await handler({}, lambdaContext(30_000));
      const second = await handler({}, lambdaContext(30_000));
      expect(first).toMatchObject({ outcome: 'healthy', sent: 3, received: 3, lost: 0 });
      expect(second).toMatchObject({ outcome: 'healthy', sent: 3, received: 3, lost: 0 });
      const summaries = output.events('run_summary');
      expect(summaries.map((s) => s.warm)).toEqual([false, true]);
      expect(summaries[0]).toMatchObject({ function_name: 'streamprobe-probe', probe: env.STREAMPROBE_PROBE_NAME });
      expect(summaries[0]!.function_request_id).not.toBe(summaries[1]!.function_request_id);
    } finally {
      output.stop();
      await probe.close();
    }
  });

  it('ends within the Lambda remaining time when the broker is unreachable', async () => {
    const env = { STREAMPROBE_PROBE_NAME: 'unreachable', STREAMPROBE_BROKERS: '127.0.0.1:9', STREAMPROBE_RUN_TIMEOUT_MS: '60000' };
    const output = new CapturedOutput().start();
    const probe = createHandler('roundtrip', env);
    try {
      const { handler } = probe;
      const started = Date.now();
      const result = await handler({}, lambdaContext(4000));
      expect(Date.now() - started).toBeLessThan(4000);
      expect(result).toMatchObject({ outcome: 'failed', sent: 0 });
      expect(output.events('run_error')[0]).toMatchObject({ phase: 'connect' });
    } finally {
      output.stop();
      await probe.close();
    }
  });

  it('fails the cold start with a message naming each bad setting', async () => {
    const env = { STREAMPROBE_PROBE_NAME: 'x', STREAMPROBE_BROKERS: 'localhost', STREAMPROBE_AUTH: 'plain' };
    expect(() => createHandler('roundtrip', env)).toThrow(
      /STREAMPROBE_BROKERS \(brokers\): each broker must be host:port[\s\S]*STREAMPROBE_AUTH \(auth\): must be one of/,
    );
  });
});

describe('pipeline and lag Lambda handlers', () => {
  it('pipeline: a canary through an identity pipeline (input topic = output topic) completes, metrics off, logs keyed by pipeline', async () => {
    const topic = uniqueName('identity');
    const env = {
      STREAMPROBE_PIPELINE_NAME: uniqueName('pl'),
      STREAMPROBE_INPUT_BROKERS: kafka.plaintext,
      STREAMPROBE_INPUT_TOPIC: topic,
      STREAMPROBE_OUTPUT_TOPIC: topic,
      STREAMPROBE_METRICS_SINK: 'none',
      STREAMPROBE_DEADLINE_MS: '10000',
    };
    await createTopic(kafka.plaintext, topic);
    const output = new CapturedOutput().start();
    const pipeline = createHandler('pipeline', env);
    try {
      const { handler } = pipeline;
      const result = await handler({}, lambdaContext(30_000));
      expect(result, output.text).toMatchObject({ outcome: 'healthy', sent: 1, onTime: 1, lost: 0 });
      expect(output.events('pipeline_summary')[0]).toMatchObject({
        function_name: 'streamprobe-probe',
        pipeline: env.STREAMPROBE_PIPELINE_NAME,
        outcome: 'healthy',
      });
    } finally {
      output.stop();
      await pipeline.close();
    }
  });

  it('lag: an unreachable cluster ends the check in time as failed, with its error logged', async () => {
    const env = { STREAMPROBE_BROKERS: '127.0.0.1:9', STREAMPROBE_GROUPS: 'billing', STREAMPROBE_METRICS_SINK: 'none' };
    const output = new CapturedOutput().start();
    const lag = createHandler('lag', env);
    try {
      const { handler } = lag;
      const started = Date.now();
      const result = await handler({}, lambdaContext(5000));
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result).toMatchObject({ succeeded: false, groups: {} });
      expect(output.events('lag_error')[0]).toMatchObject({ check: 'lag', phase: 'connect' });
    } finally {
      output.stop();
      await lag.close();
    }
  });

  it('both fail the cold start naming the variable', async () => {
    const pipeline = {
      STREAMPROBE_PIPELINE_NAME: 'p',
      STREAMPROBE_INPUT_BROKERS: 'b:9092',
      STREAMPROBE_INPUT_TOPIC: 'in',
      STREAMPROBE_OUTPUT_TOPIC: 'out',
      STREAMPROBE_MATCH: 'xpath:/a',
    };
    expect(() => createHandler('pipeline', pipeline)).toThrow(/STREAMPROBE_MATCH \(match\): must be key, header/);
    expect(() => createHandler('lag', { STREAMPROBE_BROKERS: 'b:9092' })).toThrow(
      /STREAMPROBE_GROUPS \(groups\): name at least one consumer group, or set STREAMPROBE_GROUP_PATTERN \(groupPattern\)/,
    );
  });
});
