/** TLS (with client certificate) and SASL/SCRAM against the real broker's secured listeners. */
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { probeConfig, SCRAM_USER, withRuntime } from '../helpers/kafka';

const kafka = inject('kafka');
const pem = (file: string) => readFileSync(file, 'utf8');

describe('TLS', () => {
  const tls = { tls: true, tlsCaPem: pem(kafka.caCertFile), tlsCertPem: pem(kafka.clientCertFile), tlsKeyPem: pem(kafka.clientKeyFile) };

  it('succeeds with the right authority and client certificate', async () => {
    await withRuntime(probeConfig(kafka.ssl, tls), async (runtime) => {
      const report = await runtime.runOnce();
      expect(report.outcome).toBe('healthy');
      expect(report.counts).toMatchObject({ sent: 1, received: 1 });
    });
  });

  it('fails clearly when the broker certificate is not trusted, and the client key is never logged', async () => {
    const config = probeConfig(kafka.ssl, { ...tls, tlsCaPem: pem(kafka.otherCaCertFile), runTimeoutMs: 6000 });
    await withRuntime(config, async (runtime, output) => {
      const report = await runtime.runOnce();
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
      const report = await runtime.runOnce();
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
        const report = await runtime.runOnce();
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
      const report = await runtime.runOnce();
      expect(report).toMatchObject({ outcome: 'failed', measured: false });
      expect(report.errors[0]).toMatchObject({ phase: 'connect', type: expect.stringMatching(/SASL|Authentication/i) });
      expect(output.events('run_error')).toHaveLength(1);
      expect(output.text).not.toContain(wrong);
      expect(output.text).not.toContain(SCRAM_USER.password);
    });
  });
});
