/**
 * The one way this project reaches into kafkajs's Broker: a method of kafkajs's own (its defaults, its
 * version lookup) runs on a view of the broker whose request sender hands the request protocol through a
 * transform first; everything else is the broker itself. Patches stack: each wraps the one before.
 * kafkajs is unmaintained, so a patch is pinned to its 2.2 internals and leaves an unknown version alone.
 */
export type Protocol = {
  request: Record<string, unknown> & { encode(): Promise<unknown> };
  response: Record<string, unknown> & { decode(payload: unknown): Promise<unknown>; parse(data: unknown): Promise<unknown> };
} & Record<string, unknown>;
export type BrokerLike = Record<string | symbol, unknown> & { nodeId?: number };
type Sender = (protocol: Protocol) => Promise<unknown>;

export function patchBrokerRequest(
  method: 'produce' | 'fetch' | 'metadata',
  name: string,
  transform: (protocol: Protocol, broker: BrokerLike, args: readonly unknown[]) => Protocol,
): boolean {
  const Broker = require('kafkajs/src/broker') as { prototype: BrokerLike };
  const proto = Broker.prototype;
  const patched = Symbol.for(`streamprobe.${name}`);
  if (proto[patched]) return true;
  const send = Object.getOwnPropertySymbols(proto).find((s) => s.description === 'private:Broker:sendRequest');
  const original = proto[method];
  if (send === undefined || typeof original !== 'function') return false;
  proto[method] = function patchedRequest(this: BrokerLike, ...args: unknown[]) {
    const view = Object.create(this) as BrokerLike;
    view[send] = ((protocol: Protocol) => (this[send] as Sender).call(this, transform(protocol, this, args))) satisfies Sender;
    return (original as (...a: unknown[]) => Promise<unknown>).apply(view, args);
  };
  proto[patched] = true;
  return true;
}

/**
 * A parse that throws as kafkajs's does, with the decoded response hung on the error under `key`: kafkajs
 * throws on the first partition error of a response, and the other partitions' answers would go with it.
 */
export function keepingAnswersOnError(parse: (data: unknown) => Promise<unknown>, key: symbol) {
  return async (data: unknown) => {
    try {
      return await parse(data);
    } catch (error) {
      if (error !== null && typeof error === 'object') (error as Record<symbol, unknown>)[key] = data;
      throw error;
    }
  };
}

/** The decoded response hung on `error` (or on an error it wraps: kafkajs's retry wrappers) under `key`. */
export function answersBehind<T>(error: unknown, key: symbol): T | undefined {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const response = (e as Record<symbol, unknown>)[key];
    if (response !== undefined) return response as T;
  }
  return undefined;
}
