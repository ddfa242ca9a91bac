/**
 * Where a sample starts and ends, as close to the broker round trip as kafkajs allows. A produce request is
 * stamped when kafkajs has it encoded and hands it to the connection: its produce path and encoding (about
 * 0.25 ms a request on a 2-core machine, more with many partitions, and a metadata round trip whenever its
 * metadata is older than the producer's max age) stay out of the sample. A fetch response is stamped when
 * its last byte is in, before kafkajs decodes it (0.13 ms for one record, more with many partitions).
 * Only calls made inside `stampingProduce` or `stampingFetches` are stamped (an AsyncLocalStorage carries
 * the stamp through kafkajs's own awaits); every other client is untouched.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { monotonicNow } from '../../deadline';
import { patchBrokerRequest } from './broker-patch';

export interface RequestStamp {
  /** When the first produce request of the call was encoded and handed to the connection. */
  readyAt?: number;
}

/** One reader's stamps: broker node id -> when its latest fetch response was complete, not yet decoded. */
export type FetchStamps = Map<number, number> & {
  /** Called when a fetch request, encoded, goes to its connection. */
  onSent?: (nodeId: number) => void;
};

const produceStamps = new AsyncLocalStorage<RequestStamp>();
const fetchStamps = new AsyncLocalStorage<FetchStamps>();

export function stampRequests(): boolean {
  const produce = patchBrokerRequest('produce', 'produceStamp', (protocol) => {
    const stamp = produceStamps.getStore();
    if (stamp === undefined) return protocol;
    const encode = protocol.request.encode;
    return {
      ...protocol,
      request: {
        ...protocol.request,
        encode: async () => {
          const encoded = await encode();
          stamp.readyAt ??= monotonicNow();
          return encoded;
        },
      },
    };
  });
  const fetch = patchBrokerRequest('fetch', 'fetchStamp', (protocol, broker) => {
    const stamps = fetchStamps.getStore();
    if (stamps === undefined || broker.nodeId === undefined) return protocol;
    const decode = protocol.response.decode;
    const encode = protocol.request.encode;
    return {
      ...protocol,
      request: {
        ...protocol.request,
        encode: async () => {
          const encoded = await encode();
          stamps.onSent?.(broker.nodeId!);
          return encoded;
        },
      },
      response: {
        ...protocol.response,
        decode: (payload: unknown) => {
          stamps.set(broker.nodeId!, monotonicNow());
          return decode(payload);
        },
      },
    };
  });
  return produce && fetch;
}

/** Runs one produce call; `stamp.readyAt` then says when its request went to the connection. */
export function stampingProduce<T>(stamp: RequestStamp, produce: () => Promise<T>): Promise<T> {
  return produceStamps.run(stamp, produce);
}

/** Runs a consumer's fetch loop so that each of its fetch responses is stamped on completion, per broker. */
export function stampingFetches<T>(stamps: FetchStamps, run: () => T): T {
  return fetchStamps.run(stamps, run);
}
