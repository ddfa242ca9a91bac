/**
 * kafkajs's fetch response parser throws on the first partition error of a response (a partition whose
 * leader moved, an offset out of range), and every other partition's answer in that response goes with it:
 * one bad partition would cost a reader the records of all the others it asked the same broker for. This
 * keeps kafkajs's behaviour (the same error is thrown) and hangs the decoded response on the error, so a
 * fetch-only reader judges each partition on its own answer. On an unknown kafkajs version nothing is
 * patched, and a failed fetch fails all its partitions.
 */
import { answersBehind, keepingAnswersOnError, type Protocol, patchBrokerRequest } from './broker-patch';

const RESPONSE = Symbol.for('streamprobe.fetchResponse');

/** One partition's part of a decoded fetch response, as kafkajs decodes it (v4 and later). */
export interface FetchAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly highWatermark: string;
  readonly lastStableOffset?: string;
  /** The log start offset, under kafkajs's (misspelt) name for it. */
  readonly lastStartOffset?: string;
  readonly messages: readonly unknown[];
}

interface DecodedFetchResponse {
  responses: Array<{ topicName: string; partitions: Array<Omit<FetchAnswer, 'topic'>> }>;
}

/** The protocol with the pass-through: the patch's transform, also for tests of kafkajs's own parse. */
export function withFetchAnswers(protocol: Protocol): Protocol {
  return { ...protocol, response: { ...protocol.response, parse: keepingAnswersOnError(protocol.response.parse, RESPONSE) } };
}

export function keepFetchAnswers(): boolean {
  return patchBrokerRequest('fetch', 'fetchAnswers', withFetchAnswers);
}

/** Each partition's answer from the fetch response behind `error` (through kafkajs's retry wrappers), if it had one. */
export function fetchAnswers(error: unknown): FetchAnswer[] | undefined {
  const response = answersBehind<DecodedFetchResponse>(error, RESPONSE);
  return response?.responses?.flatMap((t) => t.partitions.map((p) => ({ ...p, topic: t.topicName })));
}
