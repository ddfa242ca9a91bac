import { describe, expect, it } from 'vitest';
import { REDACTED, redact, toErrorInfo } from '../../lambda/core/redact';

describe('redaction', () => {
  it('replaces values under secret-looking keys, at any depth', () => {
    const out = redact({ sasl: { mechanism: 'scram-sha-512', password: 'hunter22' }, nested: [{ token: 'abc123' }], broker: 'b:1' }, []);
    expect(out).toEqual({ sasl: REDACTED, nested: [{ token: REDACTED }], broker: 'b:1' });
  });

  it('scrubs known secret values from any text, such as an error message quoting them', () => {
    const out = redact({ errorMessage: 'auth failed for user probe with password hunter22!' }, ['hunter22']);
    expect(out.errorMessage).toBe(`auth failed for user probe with password ${REDACTED}!`);
  });

  it('turns a thrown error into a secret-free record with type, message and stack', () => {
    const error = Object.assign(new Error('SASL SCRAM failed: hunter22 rejected'), { name: 'KafkaJSSASLAuthenticationError' });
    const info = toErrorInfo(error, 'connect', ['hunter22'], { partition: 2 });
    expect(info).toMatchObject({ phase: 'connect', type: 'KafkaJSSASLAuthenticationError', partition: 2 });
    expect(info.message).toBe(`SASL SCRAM failed: ${REDACTED} rejected`);
    expect(info.stack).toContain('KafkaJSSASLAuthenticationError');
    expect(JSON.stringify(info)).not.toContain('hunter22');
  });

  it('tells what to check when an endpoint closes the connection at the handshake, and only then', () => {
    const closed = Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
    expect(toErrorInfo(closed, 'connect', []).message).toMatch(/^Closed connection: .*check that it is a Kafka listener/);
    expect(toErrorInfo(closed, 'receive', []).message).toBe('Closed connection');
  });

  it('handles non-Error throws', () => {
    expect(toErrorInfo('plain', 'send', [])).toMatchObject({ type: 'Error', message: 'plain' });
    expect(toErrorInfo({ code: 1 }, 'send', [])).toMatchObject({ message: '{"code":1}' });
  });
});
