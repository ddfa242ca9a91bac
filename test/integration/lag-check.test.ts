/**
 * The consumer-lag check against real consumer groups of real consumers on the real broker, compared
 * partition by partition with Kafka's own consumer-groups command (ConsumerGroupCommand --describe).
 */
import { spawnSync } from 'node:child_process';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { CompressionTypes, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CloudWatchPublisher } from '../../lambda/adapters/cloudwatch';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { parseLagConfig } from '../../lambda/config/lag';
import type { LagCheckReport } from '../../lambda/core/lag/report';
import { createRuntime, type ReportSink } from '../../lambda/runtime';
import { kafkaLibs } from '../../local-kafka/broker';
import { groupAt as groupAtOffsets } from '../helpers/consumer-groups';
import { CapturedOutput, createTopic, rawKafka, uniqueName } from '../helpers/kafka';
import { readBack } from '../helpers/metrics';

const kafka = inject('kafka');
const moto = inject('moto');
const TOPIC = uniqueName('lag');
const RECORD_AGE_MS = 30_000;
const consumers: Consumer[] = [];

/** Kafka's own view: [topic, partition, current offset, log end offset, lag] per row. */
function describeWithKafka(group: string, topic = TOPIC): Array<[string, number, string, string, string]> {
  const r = spawnSync(
    'java',
    [
      '-Xmx128m',
      '-cp',
      `${kafkaLibs()}/*`,
      'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
      '--bootstrap-server',
      kafka.plaintext,
      '--describe',
      '--group',
      group,
    ],
    { encoding: 'utf8' },
  );
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c[0] === group && c[1] === topic)
    .map((c) => [c[1]!, Number(c[2]), c[3]!, c[4]!, c[5]!] as [string, number, string, string, string])
    .sort((a, b) => a[1] - b[1]);
}

/** A real consumer that joins the group, commits the given offsets, and stays (or leaves). */
async function groupAt(group: string, offsets: Record<number, number>, stay: boolean): Promise<void> {
  const consumer = await groupAtOffsets(kafka.plaintext, TOPIC, group, offsets, stay);
  if (consumer) consumers.push(consumer);
}

function check(groups: string[], overrides: { stallAfterMs?: number } = {}, sinks: ReportSink[] = []) {
  const output = new CapturedOutput().start();
  const config = parseLagConfig({
    checkName: 'it',
    brokers: [kafka.plaintext],
    groups,
    runTimeoutMs: 15_000,
    timeLagThresholdMs: 10_000,
    stallAfterMs: overrides.stallAfterMs ?? 60_000,
  });
  const runtime = createRuntime('lag', { config, logger: new ProbeLogger({ level: 'INFO' }), sinks });
  return {
    output,
    runtime,
    async close() {
      output.stop();
      await runtime.close();
    },
  };
}

let writtenAt: number;
beforeAll(async () => {
  await createTopic(kafka.plaintext, TOPIC, 2);
  const producer = rawKafka(kafka.plaintext).producer();
  await producer.connect();
  // Records stamped 30 s ago, in gzip batches: the time lag must read the age from inside the batch.
  writtenAt = Date.now() - RECORD_AGE_MS;
  for (const partition of [0, 1]) {
    await producer.send({
      topic: TOPIC,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition, value: `r${i}`, timestamp: String(writtenAt + i * 100) })),
    });
  }
  await producer.disconnect();
}, 60_000);

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
});

const byGroup = (report: LagCheckReport, g: string) => report.groups.find((r) => r.group === g)!;

describe('consumer-lag check', () => {
  it("offsets and lag equal Kafka's own command; time lag is the true age of the record at the committed offset", async () => {
    const group = uniqueName('g-lagging');
    await groupAt(group, { 0: 4, 1: 10 }, true);
    const c = check([group]);
    try {
      const {
        groups: [r],
      } = (await c.runtime.runOnce()).details;
      expect(
        r!.status,
        JSON.stringify({ reasons: r!.reasons, partitions: r!.partitions }, (_, v) => (typeof v === 'bigint' ? v.toString() : v)),
      ).toBe('LAGGING');
      const ours = r!.partitions.map((p) => [p.topic, p.partition, String(p.committed), String(p.logEnd), String(p.offsetLag)]);
      expect(ours).toEqual(describeWithKafka(group));
      const p0 = r!.partitions.find((p) => p.partition === 0)!;
      // The true age at the moment of the check, of the record at offset 4 (stamped writtenAt + 400 ms).
      const trueAge = Date.parse(r!.checkedAt) - (writtenAt + 4 * 100);
      expect(Math.abs(p0.timeLagMs! - trueAge)).toBeLessThan(1000);
      expect(r!.partitions.find((p) => p.partition === 1)).toMatchObject({ offsetLag: 0n, timeLagMs: 0 });
      expect(c.output.events('lag_summary')[0]).toMatchObject({ group, status: 'LAGGING', totalOffsetLag: '6', members: 1 });
    } finally {
      await c.close();
    }
  }, 60_000);

  it('two groups at different positions on one partition: each time lag is the age of its own oldest unread record', async () => {
    const behind = uniqueName('g-behind');
    const further = uniqueName('g-further');
    await groupAt(behind, { 0: 2, 1: 10 }, false);
    await groupAt(further, { 0: 7, 1: 10 }, false);
    const c = check([behind, further]);
    try {
      const report = (await c.runtime.runOnce()).details;
      const at = Date.parse(report.checkedAt);
      const p0 = (g: string) => byGroup(report, g).partitions.find((p) => p.partition === 0)!;
      // Records of partition 0 are stamped writtenAt + i * 100 ms: offset 2 is 500 ms older than offset 7.
      expect(Math.abs(p0(behind).timeLagMs! - (at - (writtenAt + 200)))).toBeLessThan(1000);
      expect(Math.abs(p0(further).timeLagMs! - (at - (writtenAt + 700)))).toBeLessThan(1000);
      expect(p0(behind).timeLagMs! - p0(further).timeLagMs!).toBe(500);
    } finally {
      await c.close();
    }
  }, 60_000);

  it("a partition a live member owns but never committed on is listed, as Kafka's command lists it (no offset, no lag)", async () => {
    const group = uniqueName('g-owns-uncommitted');
    await groupAt(group, { 0: 4 }, true); // one member owns both partitions, commits on 0 only
    const c = check([group]);
    try {
      const r = byGroup((await c.runtime.runOnce()).details, group);
      const dash = (v: bigint | undefined) => (v === undefined ? '-' : String(v));
      const ours = r.partitions.map((p) => [p.topic, p.partition, dash(p.committed), String(p.logEnd), dash(p.offsetLag)]);
      expect(ours).toEqual(describeWithKafka(group));
      const owned = r.partitions.find((p) => p.partition === 1)!;
      expect([owned.owned, owned.committed, owned.offsetLag]).toEqual([true, undefined, undefined]);
    } finally {
      await c.close();
    }
  }, 60_000);

  it('reads time lag by offset, joining no group: the cluster lists the same groups before and after a check', async () => {
    const group = uniqueName('g-no-trace');
    await groupAt(group, { 0: 3, 1: 6 }, false);
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    const listed = async () => (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    const before = await listed();
    const c = check([group]);
    try {
      const {
        groups: [r],
      } = (await c.runtime.runOnce()).details;
      expect(r!.partitions.map((p) => p.timeLagMs === undefined)).toEqual([false, false]);
      expect(r!.maxTimeLagMs).toBeGreaterThan(RECORD_AGE_MS - 5000);
    } finally {
      await c.close();
    }
    expect(await listed()).toEqual(before);
    await admin.disconnect();
  }, 60_000);

  it('a group committed at a transaction marker blinds no other group, and the check ends long before its deadline', async () => {
    const topic = uniqueName('lag-tx');
    await createTopic(kafka.plaintext, topic);
    const tx = rawKafka(kafka.plaintext).producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    await tx.connect();
    const t = await tx.transaction();
    await t.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await t.commit(); // records at 0 and 1, the commit marker at 2
    await tx.disconnect();
    const atMarker = uniqueName('g-at-marker');
    const lagging = uniqueName('g-lagging-beside');
    await groupAtOffsets(kafka.plaintext, topic, atMarker, { 0: 2 }, false);
    await groupAt(lagging, { 0: 4, 1: 10 }, false);
    const c = check([atMarker, lagging]);
    try {
      const started = performance.now();
      const report = (await c.runtime.runOnce()).details;
      expect(performance.now() - started).toBeLessThan(5000);
      expect(report.succeeded).toBe(true);
      expect(byGroup(report, lagging).maxTimeLagMs).toBeGreaterThan(RECORD_AGE_MS - 5000);
    } finally {
      await c.close();
    }
  }, 60_000);

  it("transactional logs, partition by partition as Kafka's command counts them: markers and aborted records are caught up, records behind an open transaction are lag with their age", async () => {
    const topic = uniqueName('lag-txlog');
    await createTopic(kafka.plaintext, topic, 3);
    const producerOf = () => rawKafka(kafka.plaintext).producer({ transactionalId: uniqueName('tx'), idempotent: true, maxInFlightRequests: 1 });
    const tx = producerOf();
    await tx.connect();
    const inTransaction = async (partition: number, values: string[], end: 'commit' | 'abort') => {
      const t = await tx.transaction();
      await t.send({ topic, messages: values.map((value) => ({ partition, value })) });
      await (end === 'commit' ? t.commit() : t.abort());
    };
    await inTransaction(0, ['a', 'b'], 'commit'); // p0: records 0-1, commit marker 2
    await inTransaction(1, ['a', 'b'], 'commit'); // p1: records 0-1, commit marker 2,
    await inTransaction(1, ['c', 'd'], 'abort'); //      aborted records 3-4, abort marker 5
    await tx.disconnect();
    // p2: 5 records stamped 20 s ago in a transaction that stays open while the check runs.
    const open = producerOf();
    await open.connect();
    const pending = await open.transaction();
    const openedAt = Date.now() - 20_000;
    await pending.send({ topic, messages: Array.from({ length: 5 }, (_, i) => ({ partition: 2, value: `o${i}`, timestamp: String(openedAt + i) })) });
    const atMarkers = uniqueName('g-at-markers');
    const behindOpen = uniqueName('g-behind-open');
    await groupAtOffsets(kafka.plaintext, topic, atMarkers, { 0: 2, 1: 3 }, false);
    await groupAtOffsets(kafka.plaintext, topic, behindOpen, { 0: 3, 1: 6, 2: 0 }, false);
    const c = check([atMarkers, behindOpen]);
    try {
      const report = (await c.runtime.runOnce()).details;
      const json = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
      for (const group of [atMarkers, behindOpen]) {
        const ours = byGroup(report, group).partitions.map((p) => [p.topic, p.partition, String(p.committed), String(p.logEnd), String(p.offsetLag)]);
        expect(ours, json(byGroup(report, group))).toEqual(describeWithKafka(group, topic));
      }
      // Only markers and aborted records unread: 4 by offsets, caught up by records, never stopped.
      expect(byGroup(report, atMarkers)).toMatchObject({ status: 'OK', totalOffsetLag: 4n, maxTimeLagMs: 0, laggingPartitions: 0 });
      // Records behind the open transaction: the lag Kafka counts, and the age of the oldest of them.
      const p2 = byGroup(report, behindOpen).partitions.find((p) => p.partition === 2)!;
      expect(p2).toMatchObject({ offsetLag: 5n, openTransaction: { records: 5n } });
      const age = Date.parse(report.checkedAt) - openedAt;
      expect(Math.abs(p2.timeLagMs! - age), json(p2)).toBeLessThan(1000);
      expect(Math.abs(p2.openTransaction!.oldestAgeMs! - age)).toBeLessThan(1000);
      expect(byGroup(report, behindOpen)).toMatchObject({ status: 'STOPPED', laggingPartitions: 1 });
      expect(byGroup(report, behindOpen).reasons).toContainEqual(
        expect.stringMatching(/5 records on .*\/2 wait behind an open transaction, the oldest \d+ s old/),
      );
    } finally {
      await c.close();
      await pending.abort().catch(() => {});
      await open.disconnect();
    }
  }, 60_000);

  it('a stopped consumer with records waiting is STOPPED; an idle, caught-up group is OK with lag 0; metrics under LagCheck and ConsumerGroup', async () => {
    const stopped = uniqueName('g-stopped');
    const idle = uniqueName('g-idle');
    await groupAt(stopped, { 0: 8, 1: 10 }, false);
    await groupAt(idle, { 0: 10, 1: 10 }, false);
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const namespace = uniqueName('StreamProbeLag');
    const metrics = new CloudWatchPublisher({
      sink: 'api',
      namespace,
      region: 'us-east-1',
      endpoint: moto.endpoint,
      logger: new ProbeLogger({ level: 'SILENT' }),
      writeLine: () => {},
    });
    const c = check([stopped, idle], {}, [metrics]);
    try {
      const reports = (await c.runtime.runOnce()).details;
      expect(byGroup(reports, stopped)).toMatchObject({ status: 'STOPPED', members: 0, totalOffsetLag: 2n });
      expect(byGroup(reports, idle)).toMatchObject({ status: 'OK', members: 0, totalOffsetLag: 0n, maxTimeLagMs: 0 });
      const client = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1' });
      const at = new Date(byGroup(reports, stopped).checkedAt);
      const read = (metric: string, group: string) => readBack(client, namespace, { metric, dims: { LagCheck: 'it', ConsumerGroup: group }, values: [] }, at);
      expect(await read('ConsumerGroupTotalOffsetLag', stopped)).toMatchObject({ sum: 2 });
      expect(await read('ConsumerGroupStopped', stopped)).toMatchObject({ sum: 1 });
      expect((await read('ConsumerGroupMaxTimeLag', stopped))!.max).toBeCloseTo(byGroup(reports, stopped).maxTimeLagMs!, 0);
      expect(await read('ConsumerGroupMaxTimeLag', idle)).toMatchObject({ max: 0 });
      const listed = await client.send(new ListMetricsCommand({ Namespace: namespace }));
      // Zero counters cost nothing: the idle group has only its five always-published series (no lagging
      // partitions, no retention loss, no per-partition series unless asked for).
      expect(
        listed
          .Metrics!.filter((m) => m.Dimensions!.some((d) => d.Value === idle))
          .map((m) => m.MetricName)
          .sort(),
      ).toEqual(['ConsumerGroupMaxTimeLag', 'ConsumerGroupMembers', 'ConsumerGroupStalled', 'ConsumerGroupStopped', 'ConsumerGroupTotalOffsetLag']);
      // The check's own heartbeat and its count of stopped groups, under LagCheck alone.
      expect(await readBack(client, namespace, { metric: 'LagCheckSucceeded', dims: { LagCheck: 'it' }, values: [] }, at)).toMatchObject({ sum: 1 });
      expect(await readBack(client, namespace, { metric: 'LagCheckGroupsStopped', dims: { LagCheck: 'it' }, values: [] }, at)).toMatchObject({ sum: 1 });
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a member that stays but stops committing is STALLED once the stall period has passed, never on the first check', async () => {
    const group = uniqueName('g-stalled');
    await groupAt(group, { 0: 9, 1: 10 }, true);
    const c = check([group], { stallAfterMs: 1500 });
    try {
      const {
        groups: [first],
      } = (await c.runtime.runOnce()).details;
      expect(first!.status).not.toBe('STALLED');
      await new Promise((r) => setTimeout(r, 2000));
      const {
        groups: [second],
      } = (await c.runtime.runOnce()).details;
      expect(second).toMatchObject({ status: 'STALLED', members: 1 });
    } finally {
      await c.close();
    }
  }, 60_000);

  it("records deleted below a group's committed offset are retention loss, with the count", async () => {
    const group = uniqueName('g-retention');
    await groupAt(group, { 0: 2, 1: 10 }, false);
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [TOPIC] }); // kafkajs needs it loaded to find the leaders
    await admin.deleteTopicRecords({ topic: TOPIC, partitions: [{ partition: 0, offset: '5' }] });
    await admin.disconnect();
    const c = check([group]);
    try {
      const {
        groups: [r],
      } = (await c.runtime.runOnce()).details;
      expect(r).toMatchObject({ status: 'RETENTION_LOSS', retentionLost: 3n });
      expect(c.output.events('lag_problem')).toContainEqual(expect.objectContaining({ group, problem: 'retention_loss', retentionLost: '3', partition: 0 }));
    } finally {
      await c.close();
    }
  }, 60_000);

  it('a group that does not exist is reported as such, and the check goes on', async () => {
    const missing = uniqueName('g-missing');
    const idle = uniqueName('g-idle2');
    await groupAt(idle, { 0: 10, 1: 10 }, false);
    const c = check([missing, idle]);
    try {
      const reports = (await c.runtime.runOnce()).details;
      expect(byGroup(reports, missing)).toMatchObject({ status: 'UNKNOWN_GROUP', exists: false, partitions: [] });
      expect(byGroup(reports, idle).status).toBe('OK');
    } finally {
      await c.close();
    }
  }, 60_000);
});
