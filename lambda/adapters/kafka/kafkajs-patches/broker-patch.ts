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
