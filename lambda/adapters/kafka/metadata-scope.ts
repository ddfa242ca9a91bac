/**
 * kafkajs asks for every topic's metadata when it only needs the brokers (connecting, describing the
 * cluster): it sends an empty topic list as null, which means "all topics". Its parser then throws on the
 * first partition error of any topic, so one leaderless partition of someone else's topic failed every
 * run. This keeps that parse strict for requests that name topics (the canary topic's own metadata, where
 * a missing leader matters) and lets an all-topics answer through as it is. kafkajs is unmaintained, so
 * the patch is pinned to its 2.2 internals and leaves an unknown version alone.
 */
type Protocol = { request: unknown; response: { parse: (data: unknown) => Promise<unknown> } };
type BrokerLike = {
  lookupRequest(apiKey: number, definition: unknown): (args: { topics: string[]; allowAutoTopicCreation: boolean }) => Protocol;
  allowAutoTopicCreation: boolean;
  metadata(topics?: string[]): Promise<unknown>;
} & Record<symbol, (protocol: Protocol) => Promise<unknown>>;

const PATCHED = Symbol.for('streamprobe.metadataScope');

export function scopeMetadataErrors(): boolean {
  const Broker = require('kafkajs/src/broker') as { prototype: BrokerLike & { [PATCHED]?: boolean } };
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys') as { Metadata: number };
  const { requests } = require('kafkajs/src/protocol/requests') as { requests: { Metadata?: unknown } };
  const proto = Broker.prototype;
  if (proto[PATCHED]) return true;
  const send = Object.getOwnPropertySymbols(proto).find((s) => s.description === 'private:Broker:sendRequest');
  const strict = proto.metadata;
  if (send === undefined || typeof strict !== 'function' || apiKeys.Metadata !== 3 || requests?.Metadata === undefined) return false;
  proto.metadata = async function metadata(this: BrokerLike, topics: string[] = []) {
    if (topics.length > 0) return strict.call(this, topics);
    const protocol = this.lookupRequest(apiKeys.Metadata, requests.Metadata)({ topics: [], allowAutoTopicCreation: this.allowAutoTopicCreation });
    return this[send]!({ ...protocol, response: { ...protocol.response, parse: async (data: unknown) => data } });
  };
  proto[PATCHED] = true;
  return true;
}
