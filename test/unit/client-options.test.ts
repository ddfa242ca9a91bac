import { describe, expect, it } from 'vitest';
import { kafkaClientOptions, saslOptions, tlsOptions } from '../../lambda/adapters/kafka/client-options';
import { realHost } from '../../lambda/adapters/kafka/ipv6-seeds';
import { parseConfig } from '../../lambda/config/roundtrip';

const base = { probeName: 'x', brokers: 'b-1:9098' };

describe('kafkajs client options', () => {
  it('wires MSK IAM as an OAUTHBEARER provider that signs for the configured region', async () => {
    const calls: string[] = [];
    const generate = async ({ region }: { region: string }) => {
      calls.push(region);
      return { token: `signed-for-${region}`, expiryTime: Date.now() + 900_000 };
    };
    const sasl = saslOptions(parseConfig({ ...base, auth: 'msk-iam', region: 'eu-west-1' }), undefined, generate);
    expect(sasl?.mechanism).toBe('oauthbearer');
    const provider = (sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;
    expect(await provider()).toEqual({ value: 'signed-for-eu-west-1' });
    expect(await provider()).toEqual({ value: 'signed-for-eu-west-1' });
    expect(calls).toEqual(['eu-west-1', 'eu-west-1']);
  });

  it('uses TLS with the system trust store for MSK IAM by default', () => {
    const options = kafkaClientOptions(parseConfig({ ...base, auth: 'msk-iam', region: 'eu-west-1' }), 'id', () => () => {});
    expect(options.ssl).toBe(true);
  });

  it('passes SCRAM credentials, resolved ones taking precedence', () => {
    const config = parseConfig({ ...base, auth: 'scram-sha-256', saslUsername: 'u', saslPassword: 'from-config' });
    expect(saslOptions(config)).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'from-config' });
    expect(saslOptions(config, { username: 'v', password: 'from-secret' })).toEqual({ mechanism: 'scram-sha-256', username: 'v', password: 'from-secret' });
  });

  it('builds a custom TLS context only when something is customised', () => {
    expect(tlsOptions(parseConfig({ ...base, tls: 'true' }))).toBe(true);
    expect(tlsOptions(parseConfig({ ...base }))).toBeUndefined();
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(tlsOptions(parseConfig({ ...base, tls: true, tlsCaPem: pem, tlsRejectUnauthorized: 'false' }))).toEqual({ rejectUnauthorized: false, ca: [pem] });
  });

  it('bounds connection and request timeouts by the run budget', () => {
    const options = kafkaClientOptions(parseConfig({ ...base, runTimeoutMs: 6000 }), 'id', () => () => {});
    expect(options.connectionTimeout).toBe(1500);
    expect(options.requestTimeout).toBe(3000);
  });
});

describe('IPv6 bootstrap brokers', () => {
  it('are accepted in brackets, and handed to kafkajs under a host name it cannot split wrongly', () => {
    const config = parseConfig({ probeName: 'x', brokers: '[fd00::1]:9092,kafka_1.internal:9092,[::ffff:10.0.0.1]:9094' });
    const options = kafkaClientOptions(config, 'c', () => () => {});
    expect(options.brokers).toEqual(['ipv6_fd00--1:9092', 'kafka_1.internal:9092', 'ipv6_--ffff-10.0.0.1:9094']);
    // What kafkajs does with a seed: split at the first colon.
    const [host, port] = (options.brokers as string[])[0]!.split(':');
    expect([realHost(host!), Number(port)]).toEqual(['fd00::1', 9092]);
    expect(realHost('b-1.example')).toBe('b-1.example');
    expect(options.socketFactory).toBeDefined();
  });

  it('leave the options as kafkajs defaults them when no seed is IPv6', () => {
    const options = kafkaClientOptions(parseConfig({ probeName: 'x', brokers: 'b-1:9092' }), 'c', () => () => {});
    expect(options.brokers).toEqual(['b-1:9092']);
    expect(options.socketFactory).toBeUndefined();
  });

  it('are refused without brackets or with a bad port, naming the field', () => {
    expect(() => parseConfig({ probeName: 'x', brokers: 'fd00::1:9092' })).toThrow(/brokers/);
    expect(() => parseConfig({ probeName: 'x', brokers: '[fd00::1]' })).toThrow(/brokers/);
  });
});
