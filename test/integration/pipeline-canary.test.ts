/**
 * The pipeline canary against a real streaming application the project did not write: Apache Kafka's
 * WordCountDemo (Kafka Streams, from Maven Central), run on the test broker. Canary lines go into its
 * input; the canary id comes out as the key of a word count, written lz4-compressed.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { parsePipelineConfig } from '../../lambda/pipeline-config';
import { PipelineRuntime, type PipelineReport } from '../../lambda/pipeline-runtime';
import { CapturedOutput, rawKafka, uniqueName } from '../helpers/kafka';
import { WORDCOUNT_INPUT, WORDCOUNT_OUTPUT, startWordCount, type RunningApp } from '../helpers/streams-app';

const kafka = inject('kafka');
const DEADLINE_MS = 8000;
let app: RunningApp;
const applicationId = uniqueName('wordcount');

function pipeline(overrides: Record<string, unknown> = {}) {
  const config = parsePipelineConfig({
    pipelineName: uniqueName('wc'), inputBrokers: kafka.plaintext, inputTopic: WORDCOUNT_INPUT, outputTopic: WORDCOUNT_OUTPUT,
    valueTemplate: 'canary {{id}} says hello', match: 'key', deadlineMs: DEADLINE_MS, runTimeoutMs: 6000, ...overrides,
  });
  const output = new CapturedOutput().start();
  const runtime = new PipelineRuntime(config, new ProbeLogger({ level: 'INFO' }));
  return {
    config, output, runtime,
    async close() {
      output.stop();
      await runtime.close();
    },
  };
}

beforeAll(async () => {
  const admin = rawKafka(kafka.plaintext).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: WORDCOUNT_INPUT, numPartitions: 2 }, { topic: WORDCOUNT_OUTPUT, numPartitions: 2 }], waitForLeaders: true });
  await admin.disconnect();
  app = await startWordCount(kafka.plaintext, { applicationId, compression: 'lz4' });
}, 300_000);

afterAll(async () => {
  await app?.kill();
});

describe('pipeline canary through a Kafka Streams application', () => {
  it('healthy: every canary comes out (as a key, in lz4 batches), latency measured, counts exact', async () => {
    const p = pipeline({ canariesPerRun: 3 });
    try {
      const runs: PipelineReport[] = [];
      for (let i = 0; i < 3; i++) runs.push(await p.runtime.runOnce());
      for (const r of runs) {
        expect(r.outcome, JSON.stringify(r.problems)).toBe('healthy');
        expect(r.counts).toMatchObject({ sent: 3, acknowledged: 3, onTime: 3, lost: 0, duplicated: 0, unexpected: 0, inFlight: 0 });
        expect(r.latencySamples).toHaveLength(3);
        expect(r.availability).toBe(100);
      }
      const summaries = p.output.events('pipeline_summary');
      expect(summaries).toHaveLength(3);
      expect(summaries[0]).toMatchObject({ level: 'INFO', outcome: 'healthy', pipeline: p.config.pipelineName });
    } finally {
      await p.close();
    }
  }, 60_000);

  it('a paused application within the deadline: late, not lost; past the deadline: lost once, then healthy after it resumes', async () => {
    const p = pipeline();
    try {
      expect((await p.runtime.runOnce()).outcome).toBe('healthy');
      app.pause();
      const stalled = await p.runtime.runOnce();
      expect(stalled.counts).toMatchObject({ sent: 1, onTime: 0, lost: 0, inFlight: 1 });
      app.resume();
      const caughtUp = await p.runtime.runOnce();
      expect(caughtUp.counts).toMatchObject({ late: 1, onTime: 1, lost: 0, inFlight: 0 });
      expect(caughtUp.outcome).toBe('healthy');

      app.pause();
      const lost: PipelineReport[] = [];
      const pausedAt = Date.now();
      while (Date.now() - pausedAt < DEADLINE_MS + 7000) lost.push(await p.runtime.runOnce());
      const total = lost.reduce((n, r) => n + r.counts.lost, 0);
      expect(total).toBeGreaterThanOrEqual(1);
      expect(lost.some((r) => r.outcome === 'degraded')).toBe(true);
      const lostLines = p.output.events('pipeline_problem').filter((l) => l.status === 'lost');
      expect(lostLines).toHaveLength(total);
      app.resume();
      // The backlog comes out: reported as after its deadline (already lost), never as duplicates.
      const after = [await p.runtime.runOnce(), await p.runtime.runOnce()];
      expect(after.at(-1)!.outcome, JSON.stringify(after.map((r) => r.problems))).toBe('healthy');
      expect(after.reduce((n, r) => n + r.counts.duplicated + r.counts.lost, 0)).toBe(0);
    } finally {
      app.resume();
      await p.close();
    }
  }, 120_000);

  it('a canary the application must filter out: counted as unexpected when it comes out', async () => {
    // WordCountDemo filters nothing: a pipeline that expects canaries to be dropped sees them come out.
    const p = pipeline({ expectOutputs: 0, deadlineMs: 2000 });
    try {
      await p.runtime.runOnce();
      await new Promise((r) => setTimeout(r, 1500));
      const r = await p.runtime.runOnce();
      expect(r.counts.unexpected).toBeGreaterThanOrEqual(1);
      expect(r.outcome).toBe('degraded');
    } finally {
      await p.close();
    }
  }, 60_000);
});
