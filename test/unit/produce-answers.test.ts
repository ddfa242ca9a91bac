import { describe, expect, it } from 'vitest';
import { errorForCode, partitionAnswers } from '../../lambda/adapters/kafka/kafkajs-patches/produce-answers';

const { KafkaJSNumberOfRetriesExceeded } = require('kafkajs/src/errors') as {
  KafkaJSNumberOfRetriesExceeded: new (e: Error, o: { retryCount: number; retryTime: number }) => Error;
};

/** What the patched parse throws: kafkajs's own error, the decoded response hung on it. */
function parseError(code: number, partitions: Array<{ partition: number; errorCode: number; baseOffset: string }>): Error {
  const error = errorForCode(code);
  (error as unknown as Record<symbol, unknown>)[Symbol.for('streamprobe.produceResponse')] = { topics: [{ topicName: 'canary', partitions }], throttleTime: 0 };
  return error;
}

describe('produce answers', () => {
  const answers = [
    { partition: 0, errorCode: 19, baseOffset: '-1' },
    { partition: 1, errorCode: 0, baseOffset: '42' },
  ];

  it("reads each partition's answer from the error, also behind kafkajs's retry wrapper", () => {
    const expected = [
      { topic: 'canary', partition: 0, errorCode: 19, baseOffset: '-1' },
      { topic: 'canary', partition: 1, errorCode: 0, baseOffset: '42' },
    ];
    expect(partitionAnswers(parseError(19, answers))).toEqual(expected);
    expect(partitionAnswers(new KafkaJSNumberOfRetriesExceeded(parseError(19, answers), { retryCount: 0, retryTime: 100 }))).toEqual(expected);
  });

  it('has no answers for an error without a response (a timeout, a closed connection)', () => {
    expect(partitionAnswers(new Error('Request Produce(key: 0, version: 7) timed out'))).toBeUndefined();
    expect(partitionAnswers(undefined)).toBeUndefined();
  });

  it("names a partition's error code as kafkajs does", () => {
    expect(errorForCode(19)).toMatchObject({ type: 'NOT_ENOUGH_REPLICAS', retriable: true });
    expect(errorForCode(32)).toMatchObject({ type: 'INVALID_TIMESTAMP' });
  });
});
