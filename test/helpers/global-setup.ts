/**
 * Starts the real services the integration tests talk to, once per test run: an Apache Kafka broker with
 * PLAINTEXT, TLS (client certificate required) and SASL/SCRAM listeners.
 */
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startLocalKafka, type LocalKafka } from '../../scripts/local-kafka';
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
  }
}

let kafka: LocalKafka | undefined;

export async function setup(project: TestProject): Promise<void> {
  kafka = await startLocalKafka({ initialRebalanceDelayMs: 0, tls: true, scramUsers: [SCRAM_USER] });
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
  await kafka?.stop();
}
