/**
 * kafkajs's produce parser throws on the first partition error of a response, and every other partition's
 * answer in that response goes with it: partitions the broker acknowledged would look failed. The probe
 * sends one request per leader per round (as a Java producer does), so it needs each partition's own
 * answer. This keeps kafkajs's behaviour (the same error is thrown, retries see what they saw) and hangs
 * the decoded response on the error. On an unknown kafkajs version nothing is patched, and a failed request
 * fails all its partitions, as before.
 */
import { answersBehind, keepingAnswersOnError, patchBrokerRequest } from './broker-patch';

const RESPONSE = Symbol.for('streamprobe.produceResponse');

export interface PartitionAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly baseOffset: string;
}

interface DecodedProduceResponse {
  topics: Array<{ topicName: string; partitions: Array<{ partition: number; errorCode: number; baseOffset: string }> }>;
}

export function keepProduceAnswers(): boolean {
  return patchBrokerRequest('produce', 'produceAnswers', (protocol) => ({
    ...protocol,
    response: { ...protocol.response, parse: keepingAnswersOnError(protocol.response.parse, RESPONSE) },
  }));
}

/** Each partition's answer from the produce response behind `error` (through kafkajs's retry wrappers), if it had one. */
export function partitionAnswers(error: unknown): PartitionAnswer[] | undefined {
  const response = answersBehind<DecodedProduceResponse>(error, RESPONSE);
  return response?.topics?.flatMap((t) =>
    t.partitions.map((p) => ({ topic: t.topicName, partition: p.partition, errorCode: p.errorCode, baseOffset: p.baseOffset })),
  );
}

/** The error kafkajs would have thrown for a partition's error code (type NOT_ENOUGH_REPLICAS, say). */
export function errorForCode(errorCode: number): Error {
  const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };
  return createErrorFromCode(errorCode);
}
