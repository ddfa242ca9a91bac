import { describe, expect, it } from 'vitest';
import { type CanaryEvent, decodeEvent, encodeEvent, eventId } from '../../lambda/core/roundtrip/event';

const event: CanaryEvent = { probe: 'orders', run: 'r1', partition: 3, seq: 7, sentAt: 1234.567, wallAt: 1_700_000_000_000 };

describe('canary event format', () => {
  it('round-trips and pads to the requested size', () => {
    for (const size of [0, 150, 256, 1000, 10_000]) {
      const encoded = encodeEvent(event, size);
      expect(encoded.length).toBe(Math.max(size, encodeEvent(event, 0).length));
      const decoded = decodeEvent(new TextEncoder().encode(encoded));
      expect(decoded).toEqual({ kind: 'event', event });
    }
  });

  it('names events by run, partition and sequence', () => {
    expect(eventId(event)).toBe('r1/3/7');
  });

  it('catches a single flipped character anywhere as corrupt', () => {
    const encoded = encodeEvent(event, 300);
    const positions = [encoded.indexOf('"t":') + 5, encoded.indexOf('"pad":') + 20, encoded.indexOf('"run":') + 7];
    for (const at of positions) {
      const flipped = encoded.slice(0, at) + (encoded[at] === '1' ? '2' : '1') + encoded.slice(at + 1);
      const decoded = decodeEvent(flipped);
      expect(decoded.kind, `flip at ${at}`).toBe('corrupt');
    }
  });

  it('keeps the identity a corrupt event claims, so reconcile does not also call it lost', () => {
    const encoded = encodeEvent(event, 300).replace('streamprobe-canary', 'streamprobe-canarY');
    const decoded = decodeEvent(encoded);
    expect(decoded).toMatchObject({ kind: 'corrupt', reason: 'checksum mismatch', claimed: { probe: 'orders', run: 'r1', partition: 3, seq: 7 } });
  });

  it('classifies hostile bytes without throwing', () => {
    const samples: Array<Uint8Array | string | null> = [
      null,
      '',
      'hello',
      '{"sp":',
      '{"sp":1}',
      '{"sp":2,"probe":"x"}',
      '{"sp":1,"probe":"x","run":"r","p":-1,"seq":0,"t":1,"wall":1,"pad":"","crc":"0"}',
      '[1,2,3]',
      '{"sp":1,"__proto__":{"polluted":true}}',
      new Uint8Array([0xff, 0xfe, 0x00, 0x80]),
      `{"sp":1${' '.repeat(100_000)}`,
    ];
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(Math.floor(rand() * 64));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
      samples.push(bytes);
      const valid = new TextEncoder().encode(encodeEvent(event, 64));
      valid[Math.floor(rand() * valid.length)] = Math.floor(rand() * 256);
      samples.push(valid);
    }
    for (const sample of samples) {
      const decoded = decodeEvent(sample);
      expect(['event', 'corrupt', 'foreign']).toContain(decoded.kind);
    }
    expect(decodeEvent('hello')).toEqual({ kind: 'foreign', reason: 'not a streamprobe event' });
    expect(decodeEvent(null).kind).toBe('foreign');
    expect(decodeEvent(new Uint8Array([0xff, 0xfe])).kind).toBe('foreign');
    expect(decodeEvent('{"sp":1,').kind).toBe('corrupt');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
