/**
 * Starts the real services the integration tests talk to, once per test run: an Apache Kafka broker with
 * PLAINTEXT, TLS (client certificate required) and SASL/SCRAM listeners, and moto's server as the
 * CloudWatch API. It also builds the package (dist/) once, so the CLI tests run the built command and the
 * package test packs it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { type LocalKafka, PROJECT_ROOT, startLocalKafka } from '../../local-kafka/broker';
import { type LocalMoto, startMoto } from '../../scripts/local-moto';
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

function buildPackage(): Promise<void> {
  return new Promise((ok, fail) => {
    const build = spawn(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [join(PROJECT_ROOT, 'scripts', 'build-package.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    build.stdout.on('data', (d) => (output += d));
    build.stderr.on('data', (d) => (output += d));
    build.on('error', fail);
    build.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`the package build failed (exit ${code}):\n${output}`))));
  });
}

export async function setup(project: TestProject): Promise<void> {
  [kafka, moto] = await Promise.all([startLocalKafka({ initialRebalanceDelayMs: 0, tls: true, scramUsers: [SCRAM_USER] }), startMoto(), buildPackage()]);
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
