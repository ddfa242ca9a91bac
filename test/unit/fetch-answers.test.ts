/**
 * The fetch pass-through on kafkajs's own fetch response parser (v11, what brokers of today answer with):
 * with it, a partition's error still throws as kafkajs throws it, and every other partition's answer in the
 * response can be read from the error; without it, those answers are gone.
 */
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../lambda/adapters/kafka/kafkajs-patches/broker-patch';
import { fetchAnswers, withFetchAnswers } from '../../lambda/adapters/kafka/kafkajs-patches/fetch-answers';

const fetchV11 = require('kafkajs/src/protocol/requests/fetch/v11/response') as Protocol['response'];
const { KafkaJSNumberOfRetriesExceeded } = require('kafkajs/src/errors') as {
  KafkaJSNumberOfRetriesExceeded: new (e: Error, o: { retryCount: number; retryTime: number }) => Error;
};

/** Error 6: NOT_LEADER_OR_FOLLOWER in today's Kafka, NOT_LEADER_FOR_PARTITION in kafkajs's table. */
const NOT_LEADER_OR_FOLLOWER = 6;
const partition = (p: number, errorCode: number, messages: unknown[]) => ({
  partition: p,
  errorCode,
  highWatermark: errorCode ? '-1' : '5',
  lastStableOffset: '-1',
  lastStartOffset: '0',
  abortedTransactions: [],
  preferredReadReplica: -1,
  messages,
});
/** What kafkajs decodes from a response in which partition 0's leader moved and partition 1 answered. */
const decoded = {
  throttleTime: 0,
  errorCode: 0,
  sessionId: 0,
  responses: [{ topicName: 'canary', partitions: [partition(0, NOT_LEADER_OR_FOLLOWER, []), partition(1, 0, [{ offset: '4', value: Buffer.from('x') }])] }],
};

async function thrownBy(parse: (data: unknown) => Promise<unknown>): Promise<unknown> {
  try {
    await parse(decoded);
  } catch (error) {
    return error;
  }
  throw new Error('kafkajs parsed a response with a partition error without throwing');
}

describe('fetch answers', () => {
  it("keeps every partition's answer behind the error kafkajs throws, also behind its retry wrapper", async () => {
    const error = await thrownBy(withFetchAnswers({ request: {} as never, response: fetchV11 }).response.parse);
    expect(error).toMatchObject({ type: 'NOT_LEADER_FOR_PARTITION' });
    const answers = fetchAnswers(error)!;
    expect(answers.map((a) => [a.topic, a.partition, a.errorCode, a.messages.length])).toEqual([
      ['canary', 0, NOT_LEADER_OR_FOLLOWER, 0],
      ['canary', 1, 0, 1],
    ]);
    expect(fetchAnswers(new KafkaJSNumberOfRetriesExceeded(error as Error, { retryCount: 0, retryTime: 100 }))).toEqual(answers);
  });

  it('without the pass-through, kafkajs throws the same error and the answered partition is lost with it', async () => {
    const error = await thrownBy(fetchV11.parse);
    expect(error).toMatchObject({ type: 'NOT_LEADER_FOR_PARTITION' });
    expect(fetchAnswers(error)).toBeUndefined();
  });

  it('has no answers for an error without a response (a timeout, a closed connection)', () => {
    expect(fetchAnswers(new Error('Request Fetch(key: 1, version: 11) timed out'))).toBeUndefined();
  });
});
