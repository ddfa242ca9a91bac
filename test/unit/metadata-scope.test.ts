import { describe, expect, it } from 'vitest';
import { scopeMetadataErrors } from '../../lambda/adapters/kafka/kafkajs-patches/metadata-scope';

describe('kafkajs metadata scope', () => {
  it('recognises the kafkajs internals it patches, once', () => {
    // If a kafkajs upgrade moves them, this fails here rather than silently at a leaderless partition.
    expect(scopeMetadataErrors()).toBe(true);
    const Broker = require('kafkajs/src/broker');
    const patched = Broker.prototype.metadata;
    expect(scopeMetadataErrors()).toBe(true);
    expect(Broker.prototype.metadata).toBe(patched);
  });
});
