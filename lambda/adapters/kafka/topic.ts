/**
 * Makes sure the canary topic exists with at least one partition per broker, and reads who leads what.
 * Metadata is asked for the canary topic alone: a leaderless partition of some unrelated topic is none of
 * this probe's business and must not fail its run.
 */
import { type Admin, ConfigResourceTypes } from 'kafkajs';
import type { ProbeConfig } from '../../config/roundtrip';
import { remainingMs, sleep } from '../deadline';

export interface TopicLayout {
  readonly brokers: readonly number[];
  readonly partitions: readonly number[];
  /** partition -> leader broker id (-1 when the partition has no leader). */
  readonly leaders: Readonly<Record<number, number>>;
  /** True when this run created the topic or added partitions. */
  readonly changed: boolean;
  /** Replicas of the most replicated partition. */
  readonly replicationFactor: number;
}

type PartitionMetadata = { partitionId: number; leader: number; replicas: number[] };

const isUnknownTopic = (error: unknown) => (error as { type?: string })?.type === 'UNKNOWN_TOPIC_OR_PARTITION';

async function readPartitions(admin: Admin, topic: string): Promise<PartitionMetadata[] | undefined> {
  try {
    const {
      topics: [meta],
    } = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta?.partitions;
  } catch (error) {
    if (isUnknownTopic(error)) return undefined;
    throw error;
  }
}

/**
 * Waits until the topic lists `partitions` partitions (or any, when not given), every one with a leader,
 * polling metadata every 200 ms; a new topic's leaders take a moment, and kafkajs's own waitForLeaders
 * gives up with UNKNOWN_TOPIC_OR_PARTITION on a busy broker with hundreds of partitions.
 */
export async function waitForLeaders(
  admin: Admin,
  topic: string,
  deadlineAt: number,
  partitions?: number,
): Promise<Array<{ partitionId: number; leader: number }>> {
  for (;;) {
    const found = (await readPartitions(admin, topic).catch(() => undefined)) ?? [];
    const complete = partitions === undefined ? found.length > 0 : found.length === partitions;
    if (complete && found.every((p) => p.leader >= 0)) return found;
    if (remainingMs(deadlineAt) < 500) throw new Error(`topic ${topic} has partitions without a leader`);
    await sleep(200);
  }
}

/**
 * min.insync.replicas for a topic the probe creates: one less than the replication factor, as peers do, so
 * that acks=all proves the event is on more than one broker while one broker may be down.
 */
export function minInSyncReplicas(replicationFactor: number): number {
  return Math.max(1, replicationFactor - 1);
}

export async function ensureCanaryTopic(admin: Admin, config: ProbeConfig, brokerIds: readonly number[]): Promise<TopicLayout> {
  const brokers = [...brokerIds].sort((a, b) => a - b);
  const wanted = Math.max(config.minPartitions, brokers.length);
  let partitions = await readPartitions(admin, config.topic);
  let changed = false;
  if (partitions === undefined) {
    const replicationFactor = config.replicationFactor ?? Math.min(3, brokers.length);
    // false means another probe created it first; either way it exists now.
    await admin.createTopics({
      topics: [
        {
          topic: config.topic,
          numPartitions: wanted,
          replicationFactor,
          configEntries: [{ name: 'min.insync.replicas', value: String(minInSyncReplicas(replicationFactor)) }],
        },
      ],
      waitForLeaders: true,
    });
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
  const replicationFactor = Math.max(...partitions.map((p) => p.replicas.length));
  return { brokers, partitions: partitions.map((p) => p.partitionId).sort((a, b) => a - b), leaders, changed, replicationFactor };
}

/**
 * Says when the canary topic's min.insync.replicas makes acks=all prove little: with one replica in sync
 * required, an acknowledged event may exist on one broker only. Undefined when the setting is sound.
 */
export async function durabilityWarning(admin: Admin, topic: string, replicationFactor: number): Promise<string | undefined> {
  if (replicationFactor < 2) return undefined;
  const { resources } = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['min.insync.replicas'] }],
    includeSynonyms: false,
  });
  const minIsr = Number(resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue ?? 1);
  const wanted = minInSyncReplicas(replicationFactor);
  if (minIsr >= wanted) return undefined;
  return (
    `canary topic ${topic} has min.insync.replicas=${minIsr} with replication factor ${replicationFactor}: ` +
    `acks=all then proves an event reached ${minIsr} broker${minIsr === 1 ? '' : 's'} only; set it to ${wanted} ` +
    `(kafka-configs --alter --entity-type topics --entity-name ${topic} --add-config min.insync.replicas=${wanted})`
  );
}
