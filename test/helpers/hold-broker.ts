/** A process that starts a local broker, prints its JVM pid, and waits to be killed (the kill -9 test). */
import { startLocalKafka } from '../../local-kafka/broker';

void startLocalKafka({ initialRebalanceDelayMs: 0 }).then((broker) => {
  process.stdout.write(`${JSON.stringify({ pid: broker.pid })}\n`);
  setInterval(() => {}, 60_000);
});
