/** Topics for the benchmarks: made with replication 1 on the local broker, ready when every partition has a leader. */
import { Kafka, logLevel } from 'kafkajs';
import { monotonicNow } from '../lambda/adapters/deadline';
import { waitForLeaders } from '../lambda/adapters/kafka/topic';

export async function createTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: false });
    await waitForLeaders(admin, topic, monotonicNow() + 30_000, partitions);
  } finally {
    await admin.disconnect();
  }
}
