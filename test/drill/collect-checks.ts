/**
 * Real reports of the pipeline canary and the lag check for the drill, with the faults made for real on the
 * real broker: a pipeline whose application never writes its output (stopped), one that forwards canaries
 * after the run has ended (slow, within the deadline), an unreachable cluster; consumer groups caught up,
 * stopped, lagging behind old records, and robbed by deleted records.
 */
import { CompressionTypes, type Consumer } from 'kafkajs';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { parseLagConfig } from '../../lambda/config/lag';
import { parsePipelineConfig } from '../../lambda/config/pipeline';
import type { LagCheckReport } from '../../lambda/core/lag/report';
import type { PipelineReport } from '../../lambda/core/pipeline/report';
import { createRuntime } from '../../lambda/runtime';
import { freePort } from '../../local-kafka/broker';
import { groupAt } from '../helpers/consumer-groups';
import { createTopic, rawKafka, uniqueName } from '../helpers/kafka';

export interface PipelinePools {
  readonly healthy: readonly PipelineReport[];
  readonly failed: readonly PipelineReport[];
  /** The application stopped: every run confirms one canary lost. */
  readonly lost: readonly PipelineReport[];
  /** A canary still in flight at the end of its run, then the run that sees it come out, late. */
  readonly latePair: readonly [PipelineReport, PipelineReport];
}

export interface LagPools {
  readonly ok: LagCheckReport;
  readonly stopped: LagCheckReport;
  readonly lagging: LagCheckReport;
  readonly retentionLoss: LagCheckReport;
  readonly unknown: LagCheckReport;
  readonly failed: LagCheckReport;
}

const quiet = () => new ProbeLogger({ level: 'SILENT' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pipelineRuns(settings: Record<string, unknown>, count: number, pauseMs = 0): Promise<PipelineReport[]> {
  const config = parsePipelineConfig({ pipelineName: uniqueName('drill'), runTimeoutMs: 6000, metricsSink: 'none', ...settings });
  const runtime = createRuntime('pipeline', { config, logger: quiet() });
  const out: PipelineReport[] = [];
  try {
    for (let i = 0; i < count; i++) {
      out.push((await runtime.runOnce()).details);
      if (pauseMs) await sleep(pauseMs);
    }
  } finally {
    await runtime.close();
  }
  return out;
}

/** A stand-in for a slow application: copies every record of `from` to `to`, `delayMs` after it was written. */
async function slowForwarder(brokers: string, from: string, to: string, delayMs: number): Promise<() => Promise<void>> {
  const kafka = rawKafka(brokers);
  const producer = kafka.producer();
  const consumer: Consumer = kafka.consumer({ groupId: uniqueName('forwarder'), maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: from, fromBeginning: false });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      await sleep(Math.max(0, Number(message.timestamp) + delayMs - Date.now()));
      await producer.send({ topic: to, messages: [{ key: message.key, value: message.value, headers: message.headers }] });
    },
  });
  await joined;
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}

export async function collectPipelineReports(brokers: string): Promise<PipelinePools> {
  const identity = uniqueName('drill-identity');
  const silent = { in: uniqueName('drill-in'), out: uniqueName('drill-out') };
  const slow = { in: uniqueName('drill-slow-in'), out: uniqueName('drill-slow-out') };
  await Promise.all([identity, silent.in, silent.out, slow.in, slow.out].map((t) => createTopic(brokers, t)));

  // The identity pipeline: what goes into the topic comes out of it.
  const healthy = (await pipelineRuns({ inputBrokers: brokers, inputTopic: identity, outputTopic: identity }, 6)).slice(1);
  // Nothing writes the output topic: each canary is lost once its 1.5 s deadline has passed.
  const lost = (
    await pipelineRuns({ inputBrokers: brokers, inputTopic: silent.in, outputTopic: silent.out, deadlineMs: 1500, runTimeoutMs: 6000 }, 4, 1600)
  ).slice(1);
  const failed = await pipelineRuns({ inputBrokers: `127.0.0.1:${await freePort()}`, inputTopic: identity, outputTopic: identity }, 2);
  // Out after its run (6 s budget, about 4.5 s of waiting) but well within its 30 s deadline.
  const stop = await slowForwarder(brokers, slow.in, slow.out, 6000);
  let late: PipelineReport[];
  try {
    late = await pipelineRuns({ inputBrokers: brokers, inputTopic: slow.in, outputTopic: slow.out, deadlineMs: 30_000, canariesPerRun: 1 }, 2, 1000);
  } finally {
    await stop();
  }
  const pools: PipelinePools = { healthy, failed, lost, latePair: [late[0]!, late[1]!] };
  checkPipelinePools(pools);
  return pools;
}

function checkPipelinePools(p: PipelinePools): void {
  const fail = (what: string, seen: unknown) => {
    throw new Error(`drill: the real pipeline runs did not show ${what}: ${JSON.stringify(seen)}`);
  };
  if (!p.healthy.every((r) => r.outcome === 'healthy' && r.counts.onTime === 1))
    fail(
      'healthy runs',
      p.healthy.map((r) => r.counts),
    );
  if (!p.failed.every((r) => r.outcome === 'failed'))
    fail(
      'failed runs against an unreachable broker',
      p.failed.map((r) => r.outcome),
    );
  if (!p.lost.every((r) => r.counts.lost === 1))
    fail(
      'one lost canary per run',
      p.lost.map((r) => r.counts),
    );
  if (p.latePair[0].counts.inFlight < 1 || p.latePair[1].counts.late !== 1 || p.latePair[1].counts.lost !== 0)
    fail(
      'one late canary',
      p.latePair.map((r) => r.counts),
    );
}

export async function collectLagReports(brokers: string): Promise<LagPools> {
  const topic = uniqueName('drill-lag');
  await createTopic(brokers, topic);
  const producer = rawKafka(brokers).producer();
  await producer.connect();
  // Ten records written five minutes ago: a group behind them is far past a 60 s threshold.
  const writtenAt = Date.now() - 300_000;
  await producer.send({
    topic,
    acks: -1,
    compression: CompressionTypes.GZIP,
    messages: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}`, timestamp: String(writtenAt + i) })),
  });
  await producer.disconnect();

  const stay: Consumer[] = [];
  const group = async (name: string, offset: number, member: boolean) => {
    const c = await groupAt(brokers, topic, name, { 0: offset }, member);
    if (c) stay.push(c);
    return name;
  };
  const check = async (groups: string[], onBrokers = brokers) => {
    const runtime = createRuntime('lag', {
      config: parseLagConfig({ checkName: 'drill', brokers: onBrokers, groups, runTimeoutMs: 6000, metricsSink: 'none' }),
      logger: quiet(),
    });
    try {
      return (await runtime.runOnce()).details;
    } finally {
      await runtime.close();
    }
  };
  try {
    const ok = await check([await group(uniqueName('ok'), 10, true)]);
    const stopped = await check([await group(uniqueName('stopped'), 4, false)]);
    const lagging = await check([await group(uniqueName('lagging'), 2, true)]);
    const robbed = await group(uniqueName('robbed'), 1, false);
    const admin = rawKafka(brokers).admin();
    await admin.connect();
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
    await admin.disconnect();
    const retentionLoss = await check([robbed]);
    const unknown = await check([uniqueName('typo')]);
    const failed = await check(['any'], `127.0.0.1:${await freePort()}`);
    const pools: LagPools = { ok, stopped, lagging, retentionLoss, unknown, failed };
    checkLagPools(pools);
    return pools;
  } finally {
    await Promise.all(stay.map((c) => c.disconnect().catch(() => {})));
  }
}

function checkLagPools(p: LagPools): void {
  const status = (r: LagCheckReport) => r.groups[0]?.status;
  const expected: Record<keyof LagPools, string | undefined> = {
    ok: 'OK',
    stopped: 'STOPPED',
    lagging: 'LAGGING',
    retentionLoss: 'RETENTION_LOSS',
    unknown: 'UNKNOWN_GROUP',
    failed: undefined,
  };
  for (const [k, want] of Object.entries(expected) as Array<[keyof LagPools, string | undefined]>) {
    if (status(p[k]) !== want)
      throw new Error(`drill: the real lag check did not show ${k}: ${JSON.stringify({ status: status(p[k]), reasons: p[k].groups[0]?.reasons })}`);
  }
  if (p.failed.succeeded) throw new Error('drill: the lag check against an unreachable cluster did not fail');
}
