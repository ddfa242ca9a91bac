import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/config';
import { kafkaClientOptions, saslOptions, tlsOptions } from '../../lambda/adapters/kafka/client-options';

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
