/**
 * kafkajs asks for every topic's metadata when it only needs the brokers (connecting, describing the
 * cluster): it sends an empty topic list as null, which means "all topics". Its parser then throws on the
 * first partition error of any topic, so one leaderless partition of someone else's topic failed every
 * run. This keeps that parse strict for requests that name topics (the canary topic's own metadata, where
 * a missing leader matters) and lets an all-topics answer through as it is. On an unknown kafkajs version
 * nothing is patched.
 */
import { patchBrokerRequest } from './broker-patch';

export function scopeMetadataErrors(): boolean {
  return patchBrokerRequest('metadata', 'metadataScope', (protocol, _broker, [topics]) =>
    Array.isArray(topics) && topics.length > 0 ? protocol : { ...protocol, response: { ...protocol.response, parse: async (data: unknown) => data } },
  );
}
