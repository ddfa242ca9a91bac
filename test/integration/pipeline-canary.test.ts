/**
 * The pipeline canary against a real streaming application the project did not write: Apache Kafka's
 * WordCountDemo (Kafka Streams, from Maven Central), run on the test broker. Canary lines go into its
 * input; the canary id comes out as the key of a word count, written lz4-compressed.
 */

import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CloudWatchPublisher } from '../../lambda/adapters/cloudwatch';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { newCanaryId } from '../../lambda/core/pipeline/canary-id';
import type { PipelineReport } from '../../lambda/core/pipeline/report';
import { CANARY_HEADER, PIPELINE_HEADER } from '../../lambda/core/pipeline/template';
import type { ReportSink } from '../../lambda/runtime';
import { rawKafka, uniqueName } from '../helpers/kafka';
import { readBack } from '../helpers/metrics';
import { pipelineUnderTest } from '../helpers/pipeline';
import { type RunningApp, startWordCount, WORDCOUNT_INPUT, WORDCOUNT_OUTPUT } from '../helpers/streams-app';

const kafka = inject('kafka');
const moto = inject('moto');
const DEADLINE_MS = 8000;
let app: RunningApp;
const applicationId = uniqueName('wordcount');

function pipeline(overrides: Record<string, unknown> = {}, sinks: ReportSink[] = []) {
  return pipelineUnderTest(
    {
      pipelineName: uniqueName('wc'),
      inputBrokers: kafka.plaintext,
      inputTopic: WORDCOUNT_INPUT,
      outputTopic: WORDCOUNT_OUTPUT,
      valueTemplate: 'canary {{id}} says hello',
      match: 'key',
      deadlineMs: DEADLINE_MS,
      runTimeoutMs: 6000,
      ...overrides,
    },
    sinks,
  );
}

beforeAll(async () => {
  const admin = rawKafka(kafka.plaintext).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: WORDCOUNT_INPUT, numPartitions: 2 },
      { topic: WORDCOUNT_OUTPUT, numPartitions: 2 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  app = await startWordCount(kafka.plaintext, { applicationId, compression: 'lz4' });
}, 300_000);

afterAll(async () => {
  await app?.kill();
});

describe('pipeline canary through a Kafka Streams application', () => {
  it('healthy: every canary comes out (as a key, in lz4 batches), latency measured, counts exact, metrics under Pipeline', async () => {
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    const namespace = uniqueName('StreamProbePipeline');
    const logger = new ProbeLogger({ level: 'SILENT' });
    const metrics = new CloudWatchPublisher({ sink: 'api', namespace, region: 'us-east-1', endpoint: moto.endpoint, logger, writeLine: () => {} });
    const p = pipeline({ canariesPerRun: 3 }, [metrics]);
    try {
      const runs: PipelineReport[] = [];
      for (let i = 0; i < 3; i++) runs.push((await p.runtime.runOnce()).details);
      for (const r of runs) {
        expect(r.outcome, JSON.stringify(r.problems)).toBe('healthy');
        expect(r.counts).toMatchObject({ sent: 3, acknowledged: 3, onTime: 3, lost: 0, duplicated: 0, unexpected: 0, inFlight: 0 });
        expect(r.latencySamples).toHaveLength(3);
        expect(r.availability).toBe(100);
      }
      const summaries = p.output.events('pipeline_summary');
      expect(summaries).toHaveLength(3);
      expect(summaries[0]).toMatchObject({ level: 'INFO', outcome: 'healthy', pipeline: p.config.pipelineName });
      expect(p.output.events('metrics_error')).toEqual([]);
      // What CloudWatch holds equals the runs: every latency sample, every canary, the heartbeat.
      const client = new CloudWatchClient({ endpoint: moto.endpoint, region: 'us-east-1' });
      const dims = { Pipeline: p.config.pipelineName };
      const at = new Date(runs[0]!.startedAt);
      const samples = runs.flatMap((r) => r.latencySamples);
      const latency = await readBack(client, namespace, { metric: 'PipelineLatency', dims, values: [] }, at);
      expect(latency).toMatchObject({ sampleCount: 9, max: Math.max(...samples) });
      expect(latency!.sum).toBeCloseTo(
        samples.reduce((a, b) => a + b, 0),
        3,
      );
      expect(await readBack(client, namespace, { metric: 'PipelineCanariesSent', dims, values: [] }, at)).toMatchObject({ sum: 9 });
      expect(await readBack(client, namespace, { metric: 'PipelineRunSucceeded', dims, values: [] }, at)).toMatchObject({ sampleCount: 3, sum: 3 });
      expect(await readBack(client, namespace, { metric: 'PipelineAvailability', dims, values: [] }, at)).toMatchObject({ min: 100, max: 100 });
      const listed = await client.send(new ListMetricsCommand({ Namespace: namespace }));
      expect(new Set(listed.Metrics!.map((m) => m.MetricName))).toEqual(
        new Set(['PipelineLatency', 'PipelineCanariesSent', 'PipelineRunSucceeded', 'PipelineAvailability']),
      );
    } finally {
      await p.close();
    }
  }, 60_000);

  it('a paused application within the deadline: late, not lost; past the deadline: lost once, then healthy after it resumes', async () => {
    const p = pipeline();
    try {
      expect((await p.runtime.runOnce()).details.outcome).toBe('healthy');
      app.pause();
      const stalled = (await p.runtime.runOnce()).details;
      expect(stalled.counts).toMatchObject({ sent: 1, onTime: 0, lost: 0, inFlight: 1 });
      app.resume();
      const caughtUp = (await p.runtime.runOnce()).details;
      expect(caughtUp.counts).toMatchObject({ late: 1, onTime: 1, lost: 0, inFlight: 0 });
      expect(caughtUp.outcome).toBe('healthy');

      app.pause();
      const lost: PipelineReport[] = [];
      const pausedAt = Date.now();
      while (Date.now() - pausedAt < DEADLINE_MS + 7000) lost.push((await p.runtime.runOnce()).details);
      const total = lost.reduce((n, r) => n + r.counts.lost, 0);
      expect(total).toBeGreaterThanOrEqual(1);
      expect(lost.some((r) => r.outcome === 'degraded')).toBe(true);
      const lostLines = p.output.events('pipeline_problem').filter((l) => l.status === 'lost');
      expect(lostLines).toHaveLength(total);
      app.resume();
      // The backlog comes out: reported as after its deadline (already lost), never as duplicates.
      const after = [(await p.runtime.runOnce()).details, (await p.runtime.runOnce()).details];
      expect(after.at(-1)!.outcome, JSON.stringify(after.map((r) => r.problems))).toBe('healthy');
      expect(after.reduce((n, r) => n + r.counts.duplicated + r.counts.lost, 0)).toBe(0);
    } finally {
      app.resume();
      await p.close();
    }
  }, 120_000);

  it('a restart while canaries are in flight: the new process finds them in the input topic; late when they come out, lost when they do not', async () => {
    const name = uniqueName('restart');
    const first = pipeline({ pipelineName: name });
    try {
      expect((await first.runtime.runOnce()).details.outcome).toBe('healthy');
      app.pause();
      expect((await first.runtime.runOnce()).details.counts).toMatchObject({ inFlight: 1 });
    } finally {
      await first.close(); // the process ends with a canary in flight, as a recycled Lambda would
    }
    const second = pipeline({ pipelineName: name });
    try {
      app.resume();
      const runs = [(await second.runtime.runOnce()).details, (await second.runtime.runOnce()).details];
      const total = (k: 'late' | 'lost' | 'unexpected' | 'onTime') => runs.reduce((n, r) => n + r.counts[k], 0);
      // The first process's in-flight canary comes out now: late, judged; the one it saw come out is not
      // counted again. (Other tests' canaries on this shared output topic are counted `unknown`: not ours.)
      expect([total('late'), total('lost'), total('unexpected'), total('onTime')], JSON.stringify(runs.map((r) => r.problems))).toEqual([1, 0, 0, 2]);
      expect(second.output.events('pipeline_recovered')).toEqual([expect.objectContaining({ canaries: 2 })]);
      // With the 6 s minimum budget, the new process's first run (positioning, the read-back of its
      // predecessor's canaries, its own sends) is healthy: it joins no group, so waits for no rebalance.
      expect(runs[0]!.outcome, JSON.stringify(runs[0]!.errors)).toBe('healthy');
      expect(runs[0]!.counts.sendFailed).toBe(0);

      app.pause();
      await second.runtime.runOnce();
    } finally {
      await second.close();
    }
    const third = pipeline({ pipelineName: name });
    try {
      const pausedAt = Date.now();
      const runs: PipelineReport[] = [];
      while (Date.now() - pausedAt < DEADLINE_MS + 5000) runs.push((await third.runtime.runOnce()).details);
      // The second process's last canary never came out: the third reports it lost, with its own.
      const lostIds = third.output
        .events('pipeline_problem')
        .filter((l) => l.status === 'lost')
        .map((l) => l.canaryId);
      expect(lostIds.length).toBeGreaterThanOrEqual(2);
    } finally {
      app.resume();
      await third.close();
    }
  }, 120_000);

  it('a canary the application must filter out: counted as unexpected when it comes out', async () => {
    // WordCountDemo filters nothing: a pipeline that expects canaries to be dropped sees them come out.
    const p = pipeline({ expectOutputs: 0, deadlineMs: 2000 });
    try {
      await p.runtime.runOnce();
      await new Promise((r) => setTimeout(r, 1500));
      const r = (await p.runtime.runOnce()).details;
      expect(r.counts.unexpected).toBeGreaterThanOrEqual(1);
      expect(r.outcome).toBe('degraded');
    } finally {
      await p.close();
    }
  }, 60_000);
});

describe('pipeline canary after a restart', () => {
  it("tracks again only its predecessor's canaries sent within the deadline: an old canary in a quiet partition is never called lost", async () => {
    const topic = uniqueName('identity');
    const name = uniqueName('restart');
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
    // A canary of this pipeline sent ten minutes ago (long concluded), written to a partition nothing else writes.
    const producer = rawKafka(kafka.plaintext).producer();
    await producer.connect();
    const oldId = newCanaryId(Date.now() - 600_000);
    await producer.send({ topic, messages: [{ partition: 1, value: `old ${oldId}`, headers: { [CANARY_HEADER]: oldId, [PIPELINE_HEADER]: name } }] });
    await producer.disconnect();
    const p = pipelineUnderTest({
      pipelineName: name,
      inputBrokers: kafka.plaintext,
      inputTopic: topic,
      outputTopic: topic,
      deadlineMs: 3000,
      runTimeoutMs: 6000,
    });
    try {
      const runs: PipelineReport[] = [];
      const until = Date.now() + 5000;
      while (Date.now() < until) runs.push((await p.runtime.runOnce()).details);
      expect(p.output.events('pipeline_recovered')).toEqual([]);
      expect(runs.map((r) => r.counts.lost)).toEqual(runs.map(() => 0));
      expect(runs.every((r) => r.outcome === 'healthy')).toBe(true);
    } finally {
      await p.close();
    }
  }, 60_000);
});
