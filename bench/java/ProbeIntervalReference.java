import java.time.Duration;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The accuracy benchmark's reference: a warm Java client timing exactly the probe's interval. Each round
 * sends one record per partition (encoded before the clock starts, acks=all, no retries, no linger) while
 * a consumer thread keeps polling (fetch.max.wait.ms 100, as the probe); a sample runs from just before
 * send() to the poll that hands the record over (System.nanoTime). Driven over stdin like the probe's
 * worker: "ROUNDS N" answers one JSON line with the samples in ms and the records never read back.
 */
public final class ProbeIntervalReference {
  public static void main(String[] args) throws Exception {
    String brokers = args[0];
    String topic = args[1];
    int partitions = Integer.parseInt(args[2]);
    int messageBytes = Integer.parseInt(args[3]);

    Properties p = new Properties();
    p.put("bootstrap.servers", brokers);
    p.put("acks", "all");
    p.put("retries", "0");
    p.put("linger.ms", "0");
    p.put("enable.idempotence", "false");
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p);

    Properties c = new Properties();
    c.put("bootstrap.servers", brokers);
    c.put("fetch.max.wait.ms", "100");
    c.put("fetch.min.bytes", "1");
    c.put("enable.auto.commit", "false");
    c.put("key.deserializer", ByteArrayDeserializer.class.getName());
    c.put("value.deserializer", ByteArrayDeserializer.class.getName());
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c);
    List<TopicPartition> tps = new ArrayList<>();
    for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
    consumer.assign(tps);
    consumer.seekToEnd(tps);
    for (TopicPartition tp : tps) consumer.position(tp);

    ConcurrentHashMap<Long, Long> arrivals = new ConcurrentHashMap<>();
    Thread poller = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        long now = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) arrivals.put(ByteBuffer.wrap(r.value()).getLong(0), now);
      }
    });
    poller.setDaemon(true);
    poller.start();

    System.out.println("READY");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    long seq = 0;
    for (String line; (line = in.readLine()) != null;) {
      String[] parts = line.trim().split(" ");
      if (!parts[0].equals("ROUNDS")) break;
      int rounds = Integer.parseInt(parts[1]);
      StringBuilder samples = new StringBuilder();
      int lost = 0;
      for (int round = 0; round < rounds; round++) {
        long[] ids = new long[partitions];
        long[] sentAt = new long[partitions];
        byte[][] values = new byte[partitions][];
        for (int i = 0; i < partitions; i++) {
          ids[i] = seq++;
          values[i] = ByteBuffer.allocate(Math.max(8, messageBytes)).putLong(0, ids[i]).array();
        }
        for (int i = 0; i < partitions; i++) {
          sentAt[i] = System.nanoTime();
          producer.send(new ProducerRecord<>(topic, i, null, values[i]));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        for (int i = 0; i < partitions; i++) {
          while (!arrivals.containsKey(ids[i]) && System.nanoTime() < deadline) java.util.concurrent.locks.LockSupport.parkNanos(100_000);
          Long at = arrivals.remove(ids[i]);
          if (at == null) { lost++; continue; }
          if (samples.length() > 0) samples.append(',');
          samples.append(String.format(java.util.Locale.ROOT, "%.3f", (at - sentAt[i]) / 1e6));
        }
      }
      System.out.println("{\"samples\":[" + samples + "],\"lost\":" + lost + "}");
      System.out.flush();
    }
    producer.close();
    System.exit(0);
  }
}
