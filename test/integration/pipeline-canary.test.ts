/**
 * The pipeline canary against a real streaming application the project did not write: Apache Kafka's
 * WordCountDemo (Kafka Streams, from Maven Central), run on the test broker exactly-once
 * (processing.guarantee=exactly_once_v2: its outputs are written in transactions, read committed). Canary
 * lines go into its input; the canary id comes out as the key of a word count, written lz4-compressed.
 */

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CloudWatchPublisher } from '../../lambda/adapters/cloudwatch';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { newCanaryId, sentAtOf } from '../../lambda/core/pipeline/canary-id';
import type { PipelineReport } from '../../lambda/core/pipeline/report';
import { CANARY_HEADER, PIPELINE_HEADER } from '../../lambda/core/pipeline/template';
import type { ReportSink } from '../../lambda/runtime';
import { PROJECT_ROOT } from '../../local-kafka/broker';
import { createTopic, rawKafka, uniqueName } from '../helpers/kafka';
import { readBack } from '../helpers/metrics';
import { pipelineUnderTest } from '../helpers/pipeline';
import { type LogEvent, type ProbeProcess, startProbeProcess } from '../helpers/probe-process';
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
  app = await startWordCount(kafka.plaintext, { applicationId, compression: 'lz4', processingGuarantee: 'exactly_once_v2' });
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
      const resumedAt = Date.now();
      // The backlog comes out: reported as after its deadline (already lost), never as duplicates. Paused
      // past its transaction timeout (10 s), the exactly-once app is fenced and recovers for a few seconds:
      // a canary sent while it was paused may still reach its deadline meanwhile, and is lost.
      const after: PipelineReport[] = [];
      while (Date.now() - resumedAt < 40_000 && !(after.at(-1)?.outcome === 'healthy' && after.at(-1)?.counts.onTime === 1))
        after.push((await p.runtime.runOnce()).details);
      expect(after.at(-1), JSON.stringify(after.map((r) => r.problems))).toMatchObject({ outcome: 'healthy', counts: { onTime: 1 } });
      expect(after.reduce((n, r) => n + r.counts.duplicated, 0)).toBe(0);
      const lostAfter = after.flatMap((r) => r.problems.filter((x) => x.status === 'lost').map((x) => sentAtOf(x.canaryId!)!));
      expect(lostAfter.every((sentAt) => sentAt < resumedAt)).toBe(true);
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
      // Exactly the one canary in flight at its last commit, carried in that commit.
      expect(second.output.events('pipeline_recovered')).toEqual([expect.objectContaining({ canaries: 1, inFlightAtItsLastCommit: 1, sentAfterIt: 0 })]);
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

  it('the application killed (SIGKILL): lost once past the deadline; restarted exactly-once, healthy again, nothing duplicated', async () => {
    const p = pipeline();
    try {
      expect((await p.runtime.runOnce()).details.outcome).toBe('healthy');
      await app.kill();
      const dead: PipelineReport[] = [];
      const killedAt = Date.now();
      while (Date.now() - killedAt < DEADLINE_MS + 4000) dead.push((await p.runtime.runOnce()).details);
      expect(dead.reduce((n, r) => n + r.counts.lost, 0)).toBeGreaterThanOrEqual(1);
      // Exactly-once: the successor takes over the partitions and its own transactions; read committed,
      // nothing the dead instance left half-written ever counts.
      app = await startWordCount(kafka.plaintext, { applicationId, compression: 'lz4', processingGuarantee: 'exactly_once_v2' });
      const after: PipelineReport[] = [];
      const restartedAt = Date.now();
      while (Date.now() - restartedAt < 60_000 && !(after.at(-1)?.outcome === 'healthy' && after.at(-1)?.counts.onTime === 1))
        after.push((await p.runtime.runOnce()).details);
      expect(after.at(-1), JSON.stringify(after.map((r) => r.problems))).toMatchObject({ outcome: 'healthy', counts: { onTime: 1 } });
      expect(after.reduce((n, r) => n + r.counts.duplicated, 0)).toBe(0);
    } finally {
      await p.close();
    }
  }, 150_000);

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
    await createTopic(kafka.plaintext, topic, 2);
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

/** The built command and the deployed handler bundle (global setup builds dist/). */
const CLI = join(PROJECT_ROOT, 'dist', 'bin', 'streamprobe.js');
const HANDLER_BUNDLE = join(PROJECT_ROOT, 'dist', 'handlers', 'pipeline', 'index.js');
/** The bundled handler invoked as Lambda invokes it: once a second in one warm container, RUNS times or until killed. */
const LAMBDA_LOOP = `
const { handler } = require(process.env.BUNDLE);
(async () => {
  for (let i = 1; ; i++) {
    const started = Date.now(), end = started + 20000;
    await handler({}, { functionName: 'streamprobe-pipeline', awsRequestId: 'r' + i, getRemainingTimeInMillis: () => end - Date.now() });
    if (process.env.RUNS && i >= Number(process.env.RUNS)) process.exit(0);
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - started))));
  }
})();`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A probe killed (SIGKILL) in the middle of a run, its canaries sent and not yet out (the application is
 * paused), then restarted `gapMs` after the kill, within one deadline. Canaries go to one partition of the
 * two-partition input (a fixed key); the other carries no recent record.
 */
async function killedMidRun(start: (runs?: number) => ProbeProcess, gapMs: number): Promise<LogEvent[]> {
  const first = start();
  await first.waitFor('pipeline_summary', 3, 60_000);
  app.pause();
  try {
    // Long enough for the next run to send its canaries and wait for them.
    await sleep(3000);
    await first.kill();
  } finally {
    app.resume();
  }
  await sleep(gapMs);
  const second = start(12);
  expect(await second.exited(90_000), second.stderr()).not.toBeNull();
  return second.events;
}

const of = (events: LogEvent[], name: string) => events.filter((e) => e.event === name);
type Summary = LogEvent & { counts: { lost: number; onTime: number }; latency?: { max: number } };

/** The restarted process took over exactly the 3 canaries left in flight, and no run of it reported a loss. */
function handedOverOnce(events: LogEvent[]): { problems: LogEvent[]; summaries: Summary[] } {
  const problems = of(events, 'pipeline_problem');
  const summaries = of(events, 'pipeline_summary') as Summary[];
  expect(of(events, 'pipeline_recovered'), JSON.stringify(problems)).toEqual([expect.objectContaining({ canaries: 3, sentAfterIt: 3 })]);
  expect(
    problems.filter((p) => p.status === 'lost'),
    JSON.stringify(problems),
  ).toEqual([]);
  expect(summaries.map((r) => r.counts.lost)).toEqual(summaries.map(() => 0));
  return { problems, summaries };
}

describe('the pipeline probe killed (SIGKILL) mid-run and restarted within one deadline', () => {
  const settings = (name: string) => ({
    name,
    inputTopic: WORDCOUNT_INPUT,
    outputTopic: WORDCOUNT_OUTPUT,
    valueTemplate: 'canary {{id}} says hello',
    keyTemplate: 'fixed-key',
  });

  it('the CLI: the canaries its predecessor left are judged once, none lost, and its own start-up is in no latency', async () => {
    const s = settings(uniqueName('kill-cli'));
    const start = (runs?: number) =>
      startProbeProcess(
        process.execPath,
        [
          CLI,
          'pipeline',
          '--input-brokers',
          kafka.plaintext,
          '--input-topic',
          s.inputTopic,
          '--output-topic',
          s.outputTopic,
          '--name',
          s.name,
          '--value-template',
          s.valueTemplate,
          '--key-template',
          s.keyTemplate,
          '--match',
          'key',
          '--deadline',
          `${DEADLINE_MS}ms`,
          '--canaries',
          '3',
          '--timeout',
          '6s',
          '--every',
          '1s',
          '--quiet',
          ...(runs ? ['--runs', String(runs)] : []),
        ],
        {},
      );
    const events = await killedMidRun(start, 1000);
    const { problems, summaries } = handedOverOnce(events);
    // Found in the log before the new process's first read, before their deadline: in time, at most so late.
    const found = problems.filter((p) => p.status === 'late' && /no process of this pipeline was reading/.test(String(p.detail)));
    expect(found, JSON.stringify(problems)).toHaveLength(3);
    expect(summaries.length).toBe(12);
    // Every latency is a canary of this process, read as it came: none carries the restart's start-up.
    expect(Math.max(...summaries.map((r) => r.latency?.max ?? 0))).toBeLessThan(3000);
  }, 180_000);

  it('the bundled Lambda handler: restarted after its canaries were due, they are unknown (out while no one read), never lost', async () => {
    const name = uniqueName('kill-lambda');
    const s = settings(name);
    const start = (runs?: number) =>
      startProbeProcess(process.execPath, ['-e', LAMBDA_LOOP], {
        BUNDLE: HANDLER_BUNDLE,
        ...(runs ? { RUNS: String(runs) } : {}),
        AWS_REGION: 'eu-west-1',
        STREAMPROBE_PIPELINE_NAME: name,
        STREAMPROBE_INPUT_BROKERS: kafka.plaintext,
        STREAMPROBE_INPUT_TOPIC: s.inputTopic,
        STREAMPROBE_OUTPUT_TOPIC: s.outputTopic,
        STREAMPROBE_VALUE_TEMPLATE: s.valueTemplate,
        STREAMPROBE_KEY_TEMPLATE: s.keyTemplate,
        STREAMPROBE_MATCH: 'key',
        STREAMPROBE_DEADLINE_MS: String(DEADLINE_MS),
        STREAMPROBE_CANARIES_PER_RUN: '3',
        STREAMPROBE_RUN_TIMEOUT_MS: '6000',
        STREAMPROBE_METRICS_SINK: 'none',
      });
    const events = await killedMidRun(start, DEADLINE_MS);
    const { problems, summaries } = handedOverOnce(events);
    const unknown = problems.filter((p) => p.status === 'unknown' && /whether within its \d+ ms deadline is not known/.test(String(p.detail)));
    expect(unknown, JSON.stringify(problems)).toHaveLength(3);
    expect(summaries.reduce((n, r) => n + r.counts.onTime, 0)).toBe(36);
  }, 180_000);
});

describe('a misconfigured pipeline canary, named as such through the CLI', () => {
  const once = (args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'pipeline',
        '--input-brokers',
        kafka.plaintext,
        '--name',
        uniqueName('mis'),
        '--deadline',
        `${DEADLINE_MS}ms`,
        '--timeout',
        '6s',
        '--quiet',
        ...args,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogEvent);
    return { code: r.status, events, stderr: r.stderr };
  };

  it('--match jsonpath on output that is not JSON: the canary is unmatched, never lost, and the run fails naming --match', () => {
    const r = once([
      '--input-topic',
      WORDCOUNT_INPUT,
      '--output-topic',
      WORDCOUNT_OUTPUT,
      '--value-template',
      'canary {{id}} says hello',
      '--match',
      'jsonpath:$.canary',
      '--deadline',
      '2s',
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(of(r.events, 'pipeline_summary')).toEqual([
      expect.objectContaining({ outcome: 'failed', counts: expect.objectContaining({ unmatched: 1, lost: 0 }) }),
    ]);
    expect(of(r.events, 'pipeline_problem')).toContainEqual(
      expect.objectContaining({ status: 'unmatched', detail: expect.stringMatching(/value is not JSON/) }),
    );
    expect(of(r.events, 'pipeline_error')).toEqual([
      expect.objectContaining({
        errorType: 'MatchRuleMismatch',
        errorMessage: expect.stringMatching(/the match rule "jsonpath:\$\.canary" \(--match\) found no id in them: its value is not JSON/),
      }),
    ]);
  }, 60_000);

  it('a topic that does not exist is named with the flag that gave it', () => {
    const missing = uniqueName('no-such-topic');
    const output = once(['--input-topic', WORDCOUNT_INPUT, '--output-topic', missing]);
    expect(output.code).toBe(1);
    expect(of(output.events, 'pipeline_error')).toEqual([
      expect.objectContaining({ errorMessage: expect.stringContaining(`the output topic "${missing}" (--output-topic) does not exist`) }),
    ]);
    const input = once(['--input-topic', missing, '--output-topic', WORDCOUNT_OUTPUT]);
    expect(input.code).toBe(1);
    expect(of(input.events, 'pipeline_error')).toContainEqual(
      expect.objectContaining({ errorMessage: expect.stringContaining(`the input topic "${missing}" (--input-topic) does not exist`) }),
    );
    expect(of(input.events, 'pipeline_summary')).toEqual([expect.objectContaining({ outcome: 'failed', counts: expect.objectContaining({ lost: 0 }) })]);
  }, 60_000);
});
