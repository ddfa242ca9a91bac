/**
 * The fetch-only reader against the real broker: it reads the partitions it is given from the offsets it is
 * given and joins no consumer group; one partition's error leaves the others' records; transaction markers
 * and aborted records are stepped over as positions, never read as data or as a stall; compressed batches
 * decode; a caught-up partition answers within the fetch wait.
 */
import { CompressionTypes, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { kafkaClient } from '../../lambda/adapters/kafka/client';
import { PartitionReader, type ReaderOptions } from '../../lambda/adapters/kafka/reader';
import { createTopic, rawKafka, uniqueName } from '../helpers/kafka';

const kafka = inject('kafka');
const deadline = () => performance.now() + 10_000;
let raw: Kafka;

function reader(options: Partial<ReaderOptions> = {}): PartitionReader {
  const client = kafkaClient({
    connection: { brokers: [kafka.plaintext], runTimeoutMs: 10_000, auth: 'none', tls: false, tlsRejectUnauthorized: true },
    clientId: 'reader-test',
    logCreator: () => () => {},
  });
  return new PartitionReader(client, { isolation: 'read_uncommitted', maxWaitMs: 100, ...options });
}

async function topicWith(partitions: number): Promise<string> {
  const topic = uniqueName('reader');
  await createTopic(kafka.plaintext, topic, partitions);
  return topic;
}

async function groups(): Promise<string[]> {
  const admin = raw.admin();
  await admin.connect();
  try {
    return (await admin.listGroups()).groups.map((g) => g.groupId).sort();
  } finally {
    await admin.disconnect();
  }
}

beforeAll(() => {
  raw = rawKafka(kafka.plaintext);
});

describe('the fetch-only reader', () => {
  let producer: ReturnType<Kafka['producer']>;
  beforeAll(async () => {
    producer = raw.producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer.disconnect();
  });

  it('reads every partition from the offsets it is given, in order, and joins no consumer group', async () => {
    const topic = await topicWith(3);
    for (const partition of [0, 1, 2]) {
      await producer.send({ topic, messages: Array.from({ length: 4 }, (_, i) => ({ partition, key: `k${i}`, value: `p${partition}-${i}` })) });
    }
    const before = await groups();
    const r = reader();
    try {
      const reads = await r.read(
        [0, 1, 2].map((partition) => ({ topic, partition, offset: partition === 2 ? '2' : '0' })),
        deadline(),
      );
      expect(reads.map((x) => [x.partition, x.records.map((m) => m.value!.toString()), x.nextOffset, x.error])).toEqual([
        [0, ['p0-0', 'p0-1', 'p0-2', 'p0-3'], '4', undefined],
        [1, ['p1-0', 'p1-1', 'p1-2', 'p1-3'], '4', undefined],
        [2, ['p2-2', 'p2-3'], '4', undefined],
      ]);
      expect(reads[0]!.records.map((m) => m.key!.toString())).toEqual(['k0', 'k1', 'k2', 'k3']);
      expect(reads[0]!.highWatermark).toBe('4');
      expect(reads.every((x) => x.records.every((m) => m.arrivedAt > 0))).toBe(true);
    } finally {
      await r.close();
    }
    expect(await groups()).toEqual(before);
  });

  it('judges each partition on its own answer: an offset out of range beside good partitions costs them nothing', async () => {
    const topic = await topicWith(2);
    await producer.send({
      topic,
      messages: [
        { partition: 0, value: 'a' },
        { partition: 1, value: 'b' },
      ],
    });
    const r = reader();
    try {
      const [good, bad] = await r.read(
        [
          { topic, partition: 0, offset: '0' },
          { topic, partition: 1, offset: '999' },
        ],
        deadline(),
      );
      expect(good!.records.map((m) => m.value!.toString())).toEqual(['a']);
      expect(good!.error).toBeUndefined();
      expect(bad!.records).toEqual([]);
      expect(bad!.error).toMatchObject({ type: 'OFFSET_OUT_OF_RANGE', partition: 1 });
      expect(bad!.nextOffset).toBe('999');
    } finally {
      await r.close();
    }
  });

  it('steps over transaction markers and aborted records as positions, never as data and never as a stall', async () => {
    const topic = await topicWith(1);
    const tx = raw.producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    try {
      const committed = await tx.transaction();
      await committed.send({ topic, messages: [{ value: 'c0' }, { value: 'c1' }] });
      await committed.commit();
      const aborted = await tx.transaction();
      await aborted.send({ topic, messages: [{ value: 'x0' }] });
      await aborted.abort();
    } finally {
      await tx.disconnect();
    }
    // c0 c1 [commit marker] x0 [abort marker]: the log ends at 5.
    const committedReader = reader({ isolation: 'read_committed' });
    try {
      const [all] = await committedReader.read([{ topic, partition: 0, offset: '0' }], deadline());
      expect(all!.records.map((m) => m.value!.toString())).toEqual(['c0', 'c1']);
      expect(all!.nextOffset).toBe('5');
      // A position at a marker (as a transactional consumer leaves a group) reads nothing and moves past it.
      const [atMarker] = await committedReader.read([{ topic, partition: 0, offset: '2' }], deadline());
      expect(atMarker!.records).toEqual([]);
      expect(atMarker!.error).toBeUndefined();
      expect(atMarker!.nextOffset).toBe('5');
    } finally {
      await committedReader.close();
    }
  });

  it('decodes compressed batches, and answers a caught-up partition within its fetch wait', async () => {
    const topic = await topicWith(1);
    await producer.send({ topic, compression: CompressionTypes.GZIP, messages: Array.from({ length: 50 }, (_, i) => ({ value: `g${i}` })) });
    const r = reader({ maxWaitMs: 200 });
    try {
      const [read] = await r.read([{ topic, partition: 0, offset: '0' }], deadline());
      expect(read!.records).toHaveLength(50);
      expect(read!.records[49]!.value!.toString()).toBe('g49');
      const started = performance.now();
      const [caughtUp] = await r.read([{ topic, partition: 0, offset: read!.nextOffset }], deadline());
      expect(caughtUp!.records).toEqual([]);
      expect(caughtUp!.nextOffset).toBe('50');
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      await r.close();
    }
  });
});
