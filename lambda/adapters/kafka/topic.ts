/** Makes sure the canary topic exists with at least one partition per broker, and reads who leads what. */
import type { Admin } from 'kafkajs';
import type { ProbeConfig } from '../../config';

export interface TopicLayout {
  readonly brokers: readonly number[];
  readonly partitions: readonly number[];
  /** partition -> leader broker id (-1 when the partition has no leader). */
  readonly leaders: Readonly<Record<number, number>>;
  /** True when this run created the topic or added partitions. */
  readonly changed: boolean;
}

type PartitionMetadata = { partitionId: number; leader: number };

async function readPartitions(admin: Admin, topic: string): Promise<PartitionMetadata[] | undefined> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return undefined;
  const { topics: [meta] } = await admin.fetchTopicMetadata({ topics: [topic] });
  return meta?.partitions;
}

export async function ensureCanaryTopic(admin: Admin, config: ProbeConfig): Promise<TopicLayout> {
  const cluster = await admin.describeCluster();
  const brokers = cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  const wanted = Math.max(config.minPartitions, brokers.length);
  let partitions = await readPartitions(admin, config.topic);
  let changed = false;
  if (partitions === undefined) {
    const replicationFactor = config.replicationFactor ?? Math.min(3, brokers.length);
    // false means another probe created it first; either way it exists now.
    await admin.createTopics({ topics: [{ topic: config.topic, numPartitions: wanted, replicationFactor }], waitForLeaders: true });
    changed = true;
    partitions = await readPartitions(admin, config.topic);
  } else if (partitions.length < wanted) {
    await admin.createPartitions({ topicPartitions: [{ topic: config.topic, count: wanted }] });
    changed = true;
    partitions = await readPartitions(admin, config.topic);
  }
  if (!partitions?.length) throw new Error(`canary topic ${config.topic} has no partitions after creation`);
  const leaders: Record<number, number> = {};
  for (const p of partitions) leaders[p.partitionId] = p.leader;
  return { brokers, partitions: partitions.map((p) => p.partitionId).sort((a, b) => a - b), leaders, changed };
}
