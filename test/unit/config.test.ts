import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/config/fields';
import { configFromEnv, parseConfig } from '../../lambda/config/roundtrip';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('reads the environment with defaults', () => {
    const c = configFromEnv({ STREAMPROBE_PROBE_NAME: 'orders', STREAMPROBE_BROKERS: 'b-1:9092, b-2:9092', PATH: '/bin' });
    expect(c).toMatchObject({
      probeName: 'orders',
      brokers: ['b-1:9092', 'b-2:9092'],
      topic: 'streamprobe-canary',
      eventsPerPartition: 1,
      messageBytes: 256,
      runTimeoutMs: 20000,
      fetchMaxWaitMs: 100,
      auth: 'none',
      tls: false,
      metricsNamespace: 'StreamProbe',
    });
  });

  it('reads the SCRAM secret under its old variable name for one release; the new name wins when both are set', () => {
    const arn = (suffix: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${suffix}`;
    const base = { STREAMPROBE_PROBE_NAME: 'orders', STREAMPROBE_BROKERS: 'b-1:9096', STREAMPROBE_AUTH: 'scram-sha-512' };
    expect(configFromEnv({ ...base, STREAMPROBE_SASL_SECRET_ARN: arn('old') }).scramSecretArn).toBe(arn('old'));
    expect(configFromEnv({ ...base, STREAMPROBE_SCRAM_SECRET_ARN: arn('new') }).scramSecretArn).toBe(arn('new'));
    expect(configFromEnv({ ...base, STREAMPROBE_SASL_SECRET_ARN: arn('old'), STREAMPROBE_SCRAM_SECRET_ARN: arn('new') }).scramSecretArn).toBe(arn('new'));
  });

  it('names every bad field by its environment variable, all at once', () => {
    const e = errorOf(() =>
      configFromEnv({
        STREAMPROBE_PROBE_NAME: 'orders',
        STREAMPROBE_BROKERS: 'nohostport',
        STREAMPROBE_EVENTS_PER_PARTITION: 'many',
        STREAMPROBE_AUTH: 'kerberos',
      }),
    );
    expect(e.issues).toEqual([
      'STREAMPROBE_BROKERS (brokers): each broker must be host:port, or [IPv6 address]:port',
      'STREAMPROBE_EVENTS_PER_PARTITION (eventsPerPartition): must be a number',
      'STREAMPROBE_AUTH (auth): must be one of none, scram-sha-256, scram-sha-512, msk-iam',
    ]);
    expect(e.message).toContain('invalid streamprobe configuration');
  });

  it('says a missing required field is required', () => {
    const e = errorOf(() => configFromEnv({ STREAMPROBE_BROKERS: 'b:9092' }));
    expect(e.issues).toEqual(['STREAMPROBE_PROBE_NAME (probeName): is required']);
  });

  it('rejects an unknown STREAMPROBE_ variable (a typo must not pass silently)', () => {
    const e = errorOf(() => configFromEnv({ STREAMPROBE_PROBE_NAME: 'x', STREAMPROBE_BROKERS: 'b:1', STREAMPROBE_TOPC: 'y' }));
    expect(e.issues).toEqual(['unknown environment variable STREAMPROBE_TOPC']);
  });

  it('requires credentials for SCRAM and refuses them without it', () => {
    expect(errorOf(() => parseConfig({ probeName: 'x', brokers: 'b:1', auth: 'scram-sha-512' })).issues).toEqual([
      'saslUsername: is required for auth scram-sha-512 (or set scramSecretArn)',
    ]);
    expect(errorOf(() => parseConfig({ probeName: 'x', brokers: 'b:1', saslUsername: 'u', saslPassword: 'p' })).issues).toEqual([
      'auth: SASL credentials are set but auth is not scram-sha-256 or scram-sha-512',
    ]);
  });

  it('turns TLS on for MSK IAM and refuses IAM without TLS', () => {
    expect(parseConfig({ probeName: 'x', brokers: 'b:9098', auth: 'msk-iam' }).tls).toBe(true);
    expect(errorOf(() => parseConfig({ probeName: 'x', brokers: 'b:9098', auth: 'msk-iam', tls: 'false' })).issues).toEqual(['tls: msk-iam requires TLS']);
  });

  it('rejects numbers out of range and settings of the wrong type', () => {
    expect(errorOf(() => parseConfig({ probeName: 'x', brokers: 'b:1', runTimeoutMs: 10, tls: 'maybe' })).issues).toEqual([
      'runTimeoutMs: must be at least 6000 ms (6 s): a cold start connects to every broker (TLS and SASL handshakes) and reads where each partition ends before it sends or reads, and a quarter of the budget is kept for reporting',
      'tls: must be true or false',
    ]);
  });
});

describe('a mistyped command-line flag', () => {
  const usage = 'usage: x [options]\n  --metrics SINK   where metrics go\n  --metrics-endpoint URL\n  --brokers LIST\n  --every D  --runs N';
  it('is answered with the nearest real flag, when one is near enough', async () => {
    const { closestFlag } = await import('../../bin/cli-common');
    expect(closestFlag('--metrics-sink', usage)).toBe('--metrics');
    expect(closestFlag('--broker', usage)).toBe('--brokers');
    expect(closestFlag('--run', usage)).toBe('--runs');
    expect(closestFlag('--zookeeper', usage)).toBeUndefined();
  });
});
