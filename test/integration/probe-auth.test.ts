/** TLS (with client certificate) and SASL/SCRAM against the real broker's secured listeners. */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { parseLagConfig } from '../../lambda/config/lag';
import { createRuntime } from '../../lambda/runtime';
import { groupAt } from '../helpers/consumer-groups';
import { probeConfig, rawKafka, SCRAM_USER, uniqueName, withRuntime } from '../helpers/kafka';
import { pipelineUnderTest } from '../helpers/pipeline';

const kafka = inject('kafka');
const pem = (file: string) => readFileSync(file, 'utf8');

describe('TLS', () => {
  const tls = { tls: true, tlsCaPem: pem(kafka.caCertFile), tlsCertPem: pem(kafka.clientCertFile), tlsKeyPem: pem(kafka.clientKeyFile) };

  it('succeeds with the right authority and client certificate', async () => {
    await withRuntime(probeConfig(kafka.ssl, tls), async (runtime) => {
      const report = (await runtime.runOnce()).details;
      expect(report.outcome).toBe('healthy');
      expect(report.counts).toMatchObject({ sent: 1, received: 1 });
    });
  });

  it('fails clearly when the broker certificate is not trusted, and the client key is never logged', async () => {
    const config = probeConfig(kafka.ssl, { ...tls, tlsCaPem: pem(kafka.otherCaCertFile), runTimeoutMs: 6000 });
    await withRuntime(config, async (runtime, output) => {
      const report = (await runtime.runOnce()).details;
      expect(report).toMatchObject({ outcome: 'failed', measured: false });
      expect(report.errors[0]).toMatchObject({ phase: 'connect' });
      expect(report.errors[0]!.message).toMatch(/certificate|self.signed|verify/i);
      expect(output.text).not.toContain('PRIVATE KEY');
      expect(output.text).not.toContain(pem(kafka.clientKeyFile).split('\n')[1]);
    });
  });

  it('fails when the broker requires a client certificate and none is given', async () => {
    const config = probeConfig(kafka.ssl, { tls: true, tlsCaPem: pem(kafka.caCertFile), runTimeoutMs: 6000 });
    await withRuntime(config, async (runtime) => {
      const report = (await runtime.runOnce()).details;
      expect(report.outcome).toBe('failed');
      expect(report.errors[0]!.phase).toBe('connect');
    });
  });
});

describe('SASL/SCRAM', () => {
  for (const auth of ['scram-sha-256', 'scram-sha-512']) {
    it(`${auth} succeeds with the right password`, async () => {
      const config = probeConfig(kafka.sasl, { auth, saslUsername: SCRAM_USER.username, saslPassword: SCRAM_USER.password });
      await withRuntime(config, async (runtime, output) => {
        const report = (await runtime.runOnce()).details;
        expect(report.outcome).toBe('healthy');
        expect(report.counts).toMatchObject({ sent: 1, received: 1 });
        expect(output.text).not.toContain(SCRAM_USER.password);
      });
    });
  }

  it('fails clearly with a wrong password, and neither password appears in any log line', async () => {
    const wrong = 'wrong-Secret-value-123';
    const config = probeConfig(kafka.sasl, { auth: 'scram-sha-512', saslUsername: SCRAM_USER.username, saslPassword: wrong, runTimeoutMs: 6000 });
    await withRuntime(config, async (runtime, output) => {
      const report = (await runtime.runOnce()).details;
      expect(report).toMatchObject({ outcome: 'failed', measured: false });
      expect(report.errors[0]).toMatchObject({ phase: 'connect', type: expect.stringMatching(/SASL|Authentication/i) });
      expect(output.events('run_error')).toHaveLength(1);
      expect(output.text).not.toContain(wrong);
      expect(output.text).not.toContain(SCRAM_USER.password);
    });
  });
});

describe('the pipeline canary and the lag check reach secured clusters the same way', () => {
  const tls = { tls: true, tlsCaPem: pem(kafka.caCertFile), tlsCertPem: pem(kafka.clientCertFile), tlsKeyPem: pem(kafka.clientKeyFile) };
  const scram = { auth: 'scram-sha-512', saslUsername: SCRAM_USER.username, saslPassword: SCRAM_USER.password };

  async function identityTopic(): Promise<string> {
    const topic = uniqueName('secured-flow');
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    await admin.disconnect();
    return topic;
  }

  it('pipeline: input over SCRAM, output over TLS with a client certificate; the password never logged', async () => {
    const topic = await identityTopic();
    const p = pipelineUnderTest({
      pipelineName: uniqueName('secured'),
      inputBrokers: kafka.sasl,
      inputTopic: topic,
      outputBrokers: kafka.ssl,
      outputTopic: topic,
      ...scram,
      outputAuth: 'none',
      outputTls: true,
      outputTlsCaPem: tls.tlsCaPem,
      tlsCertPem: tls.tlsCertPem,
      tlsKeyPem: tls.tlsKeyPem,
      deadlineMs: 10_000,
    });
    try {
      expect(p.config.output).toMatchObject({ auth: 'none', tls: true, saslPassword: undefined });
      const report = (await p.runtime.runOnce()).details;
      expect(report, p.output.text).toMatchObject({ outcome: 'healthy', counts: { sent: 1, onTime: 1, lost: 0 } });
      expect(p.output.text).not.toContain(SCRAM_USER.password);
    } finally {
      await p.close();
    }
  });

  it('pipeline: a wrong password fails the run at connect, and is never logged', async () => {
    const wrong = 'wrong-Secret-value-456';
    const topic = await identityTopic();
    const p = pipelineUnderTest({
      pipelineName: uniqueName('secured'),
      inputBrokers: kafka.sasl,
      inputTopic: topic,
      outputTopic: topic,
      ...scram,
      saslPassword: wrong,
      runTimeoutMs: 6000,
    });
    try {
      const report = (await p.runtime.runOnce()).details;
      expect(report).toMatchObject({ outcome: 'failed', errors: [expect.objectContaining({ phase: 'connect' })] });
      expect(p.output.events('pipeline_error')).toHaveLength(1);
      expect(p.output.text).not.toContain(wrong);
    } finally {
      await p.close();
    }
  });

  it('lag check: over TLS with a client certificate, and over SCRAM', async () => {
    const topic = await identityTopic();
    const group = uniqueName('secured-group');
    await groupAt(kafka.plaintext, topic, group, { 0: 0 }, false);
    for (const [brokers, settings] of [
      [kafka.ssl, tls],
      [kafka.sasl, scram],
    ] as const) {
      const runtime = createRuntime('lag', {
        config: parseLagConfig({ brokers, groups: [group], runTimeoutMs: 10_000, ...settings }),
        logger: new ProbeLogger({ level: 'SILENT' }),
      });
      try {
        const report = (await runtime.runOnce()).details;
        expect(report.succeeded, JSON.stringify(report.errors)).toBe(true);
        expect(report.groups[0]).toMatchObject({ group, exists: true, status: 'OK' });
      } finally {
        await runtime.close();
      }
    }
  });
});
