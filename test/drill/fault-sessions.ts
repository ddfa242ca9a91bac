/**
 * Kafka sessions that make faults for real on a real broker, for the drill and the fault tests: records
 * deleted before the probe can read them (loss), and a partition whose reading is held past the run's
 * deadline (late). Each overrides only the produce call; everything else is the probe's own session.
 */
import type { RecordMetadata } from 'kafkajs';
import { KafkaProbeSession } from '../../lambda/adapters/kafka/roundtrip/session';

type Messages = Array<{ partition: number; value: string }>;

/**
 * A session that deletes what it writes to the chosen partitions before it can read it back. The
 * written partitions are held meanwhile; each is resumed only after its own record is gone.
 */
export function deletingSession(deletes: (partition: number) => boolean = () => true): typeof KafkaProbeSession {
  return class DeletingSession extends KafkaProbeSession {
    protected override async produce(messages: Messages): Promise<RecordMetadata[]> {
      const partitions = [...new Set(messages.map((m) => m.partition))].filter(deletes);
      if (partitions.length === 0) return super.produce(messages);
      const { admin, receiver } = this.clients;
      const topic = this.topicName;
      receiver.hold(partitions);
      try {
        const acks = await super.produce(messages);
        await admin!.deleteTopicRecords({
          topic,
          partitions: acks.filter((a) => deletes(a.partition)).map((a) => ({ partition: a.partition, offset: String(Number(a.baseOffset) + 1) })),
        });
        return acks;
      } finally {
        receiver.release(partitions);
      }
    }
  };
}

/** The first run's partition 0 is not read until 5 s after its event was sent: a slow consumer, for real. */
export class LateSession extends KafkaProbeSession {
  private paused = false;
  protected override async produce(messages: Messages): Promise<RecordMetadata[]> {
    const { receiver } = this.clients;
    if (!this.paused && messages[0]?.partition === 0) {
      this.paused = true;
      receiver.hold([0]);
      setTimeout(() => receiver.release([0]), 5000);
    }
    return super.produce(messages);
  }
}
