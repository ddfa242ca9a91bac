/**
 * Starts the real services the integration tests talk to, once per test run: an Apache Kafka broker with
 * PLAINTEXT, TLS (client certificate required) and SASL/SCRAM listeners, and moto's server as the
 * CloudWatch API.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startLocalKafka, type LocalKafka } from '../../scripts/local-kafka';
import { startMoto, type LocalMoto } from '../../scripts/local-moto';
import { SCRAM_USER } from './kafka';

declare module 'vitest' {
  export interface ProvidedContext {
    kafka: {
      plaintext: string;
      ssl: string;
      sasl: string;
      caCertFile: string;
      clientCertFile: string;
      clientKeyFile: string;
      otherCaCertFile: string;
    };
    moto: { endpoint: string; port: number };
  }
}

let kafka: LocalKafka | undefined;
let moto: LocalMoto | undefined;

export async function setup(project: TestProject): Promise<void> {
  [kafka, moto] = await Promise.all([
    startLocalKafka({ initialRebalanceDelayMs: 0, tls: true, scramUsers: [SCRAM_USER] }),
    startMoto(),
  ]);
  project.provide('moto', { endpoint: moto.endpoint, port: moto.port });
  project.provide('kafka', {
    plaintext: kafka.plaintext,
    ssl: kafka.ssl!,
    sasl: kafka.sasl!,
    caCertFile: kafka.tls!.caCertFile,
    clientCertFile: kafka.tls!.clientCertFile,
    clientKeyFile: kafka.tls!.clientKeyFile,
    otherCaCertFile: kafka.tls!.otherCaCertFile,
  });
}

export async function teardown(): Promise<void> {
  await Promise.all([kafka?.stop(), moto?.stop()]);
}
