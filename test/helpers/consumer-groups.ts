/** Real consumer groups made by real kafkajs consumers, at the committed offsets a test needs. */
import type { Consumer } from 'kafkajs';
import { rawKafka } from './kafka';

/**
 * A consumer that joins `group` on `topic`, commits the given offsets per partition, and stays (returned,
 * for the caller to disconnect) or leaves. It reads nothing: every partition is paused, so only its commits
 * move its offsets.
 */
export async function groupAt(brokers: string, topic: string, group: string, offsets: Record<number, number>, stay: boolean): Promise<Consumer | undefined> {
  const consumer = rawKafka(brokers).consumer({ groupId: group, sessionTimeout: 30_000, metadataMaxAge: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const partitions = Object.keys(offsets).length;
  // kafkajs drops commits for partitions not assigned to the member: wait for a join that assigns them all.
  const assigned = new Promise<void>((r) =>
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if ((payload.memberAssignment[topic] ?? []).length >= partitions) r();
    }),
  );
  await consumer.run({ autoCommit: false, eachBatch: async () => {} });
  await assigned;
  consumer.pause([{ topic }]);
  // kafkajs also drops a commit silently while its runner is (re)starting after a retriable crash: commit
  // until the COMMIT_OFFSETS event says it went out.
  for (let attempt = 0; ; attempt++) {
    const committed = new Promise<boolean>((r) => {
      consumer.on(consumer.events.COMMIT_OFFSETS, () => r(true));
      setTimeout(() => r(false), 1000);
    });
    await consumer.commitOffsets(Object.entries(offsets).map(([p, o]) => ({ topic, partition: Number(p), offset: String(o) })));
    if (await committed) break;
    if (attempt === 10) throw new Error(`the test consumer of ${group} could not commit`);
  }
  if (stay) return consumer;
  await consumer.disconnect();
  return undefined;
}
