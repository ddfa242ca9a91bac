/**
 * What a cold run's prepare cost before the probe read without a group, for the run-cost benchmark: a fresh
 * process whose kafkajs consumer joins a new group on the topic, the way the probe did until then. Wall time
 * from the start of connecting until the group join completes, as one JSON line. Bundled like the worker.
 */
import { Kafka, logLevel } from 'kafkajs';

async function main(): Promise<void> {
  const [brokers, topic] = process.argv.slice(2);
  const start = performance.now();
  const kafka = new Kafka({ clientId: 'bench-group-join', brokers: brokers!.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bench-join-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 100 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic: topic!, fromBeginning: false });
  await consumer.run({ eachBatch: async () => {} });
  await joined;
  const joinMs = performance.now() - start;
  await consumer.disconnect();
  process.stdout.write(`${JSON.stringify({ joinMs })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
