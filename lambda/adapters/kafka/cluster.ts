/**
 * kafkajs's own cluster object, for the requests its consumer would make only as a group member: a fetch by
 * offset (reader.ts) and an offset commit without membership (offset-commit.ts). A Kafka instance makes
 * clusters through a private symbol, reached here as the broker patches reach kafkajs's internals; the
 * cluster brings metadata, connections per broker, SASL and retries exactly as kafkajs's own clients have them.
 */
import type { Kafka } from 'kafkajs';
import type { FetchAnswer } from './kafkajs-patches/fetch-answers';

export interface BrokerLike {
  readonly nodeId?: number;
  fetch(request: unknown): Promise<{ responses: Array<{ topicName: string; partitions: Array<Omit<FetchAnswer, 'topic'>> }> }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    retentionTime?: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
  }): Promise<unknown>;
}

export interface ClusterLike {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number | null }>;
  findBroker(q: { nodeId: string }): Promise<BrokerLike>;
  findGroupCoordinatorMetadata(q: { groupId: string }): Promise<{ coordinator: { nodeId: number } }>;
  /** Each partition's latest offset, at the cluster's isolation level (read_uncommitted: the high watermark). */
  fetchTopicsOffset(
    topics: Array<{ topic: string; fromBeginning: boolean; partitions: Array<{ partition: number }> }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

/** Kafka's isolation levels, as ListOffsets and Fetch take them. */
export const READ_UNCOMMITTED = 0;

/** A new cluster of `kafka` (not connected), or an error on a kafkajs that no longer has the factory. */
export function newCluster(kafka: Kafka, options: { metadataMaxAge: number; isolationLevel?: number }): ClusterLike {
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = symbol === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof factory !== 'function')
    throw new Error('this kafkajs has no cluster factory: partitions cannot be read nor offsets committed without a group member');
  return (factory as (o: Record<string, unknown>) => ClusterLike)({ ...options, allowAutoTopicCreation: false });
}
