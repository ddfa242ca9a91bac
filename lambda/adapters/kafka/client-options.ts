/** Turns the probe configuration into kafkajs client options: brokers, TLS, SASL (SCRAM or MSK IAM). */

import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import type { KafkaConfig, logCreator, SASLOptions } from 'kafkajs';
import type { ConnectionSettings } from '../../config/fields';
import { hasIpv6Seed, ipv6AwareSocketFactory, kafkajsSeed } from './ipv6-seeds';

export interface ResolvedCredentials {
  readonly username: string;
  readonly password: string;
}

type TokenGenerator = (options: { region: string }) => Promise<{ token: string; expiryTime: number }>;

export function mskIamProvider(region: string, generate: TokenGenerator = generateAuthToken) {
  return async () => {
    const { token } = await generate({ region });
    return { value: token };
  };
}

export function saslOptions(config: ConnectionSettings, credentials?: ResolvedCredentials, generate?: TokenGenerator): SASLOptions | undefined {
  switch (config.auth) {
    case 'none':
      return undefined;
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const username = credentials?.username ?? config.saslUsername;
      const password = credentials?.password ?? config.saslPassword;
      if (!username || !password) throw new Error(`auth ${config.auth} needs a username and password`);
      return { mechanism: config.auth, username, password };
    }
    case 'msk-iam': {
      const region = config.region ?? process.env.AWS_REGION;
      if (!region) throw new Error('auth msk-iam needs a region (STREAMPROBE_REGION or AWS_REGION)');
      return { mechanism: 'oauthbearer', oauthBearerProvider: mskIamProvider(region, generate) };
    }
  }
}

export function tlsOptions(config: ConnectionSettings): KafkaConfig['ssl'] {
  if (!config.tls) return undefined;
  const custom = config.tlsCaPem || config.tlsCertPem || !config.tlsRejectUnauthorized;
  if (!custom) return true;
  return {
    rejectUnauthorized: config.tlsRejectUnauthorized,
    ...(config.tlsCaPem ? { ca: [config.tlsCaPem] } : {}),
    ...(config.tlsCertPem ? { cert: config.tlsCertPem, key: config.tlsKeyPem } : {}),
  };
}

export function kafkaClientOptions(
  config: ConnectionSettings & { readonly brokers: readonly string[]; readonly runTimeoutMs: number },
  clientId: string,
  logCreator: logCreator,
  credentials?: ResolvedCredentials,
  brokers: readonly string[] | (() => string[]) = config.brokers,
): KafkaConfig {
  return {
    clientId,
    // A function is asked again whenever a client picks a seed broker, so a new client follows a new order.
    brokers: typeof brokers === 'function' ? () => brokers().map(kafkajsSeed) : brokers.map(kafkajsSeed),
    ...(hasIpv6Seed(config.brokers) ? { socketFactory: ipv6AwareSocketFactory } : {}),
    ssl: tlsOptions(config),
    sasl: saslOptions(config, credentials),
    // Short, bounded timeouts: a probe that hangs on a dead broker reports nothing at all.
    connectionTimeout: Math.min(5000, Math.max(1000, Math.floor(config.runTimeoutMs / 4))),
    authenticationTimeout: 5000,
    requestTimeout: Math.min(10_000, Math.max(2000, Math.floor(config.runTimeoutMs / 2))),
    retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    logCreator,
  };
}
