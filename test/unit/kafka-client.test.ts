/**
 * The client factory applies every kafkajs patch once, for every client: on the pinned kafkajs each one
 * recognises the internals it changes. A kafkajs upgrade that moves them fails here, not in production.
 */
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaClient, patchedKafkajs } from '../../lambda/adapters/kafka/client';
import { KAFKAJS_PATCHES, missingPatches } from '../../lambda/adapters/kafka/kafkajs-patches';

const connection = { brokers: ['127.0.0.1:1'], runTimeoutMs: 6000, auth: 'none', tls: false, tlsRejectUnauthorized: true } as const;

describe('the Kafka client factory', () => {
  it('reports every patch applied on the pinned kafkajs', () => {
    const report = patchedKafkajs();
    expect(Object.keys(report).sort()).toEqual(Object.keys(KAFKAJS_PATCHES).sort());
    expect(Object.entries(report).filter(([, applied]) => !applied)).toEqual([]);
    expect(missingPatches(report)).toEqual([]);
  });

  it('leaves a client it makes with every patch in place: broker requests wrapped, codecs registered', () => {
    kafkaClient({ connection, clientId: 'patch-test', logCreator: () => () => {} });
    const Broker = require('kafkajs/src/broker') as { prototype: Record<symbol, unknown> };
    for (const name of ['metadataScope', 'produceAnswers', 'produceStamp', 'fetchStamp']) {
      expect(Broker.prototype[Symbol.for(`streamprobe.${name}`)], name).toBe(true);
    }
    for (const type of [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
      expect(typeof (CompressionCodecs as Record<number, unknown>)[type], String(type)).toBe('function');
    }
  });

  it('says what a patch that did not apply takes away', () => {
    const report = { ...patchedKafkajs(), produceAnswers: false };
    expect(missingPatches(report)).toEqual([
      'kafkajs patch produceAnswers did not apply to this kafkajs version, so it goes without judging each partition on its own produce answer',
    ]);
  });
});
