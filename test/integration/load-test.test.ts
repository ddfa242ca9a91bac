/**
 * The load test against a real broker: a modest load meets its target and accounts for every record; a
 * broker paused for a second shows in p99 and max (no coordinated omission); records deleted before they
 * were read are lost, and a topic deleted mid-load is errors; bad options never start anything.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { parseLoadConfig } from '../../lambda/config/load';
import type { LoadReport } from '../../lambda/core/load/report';
import { createHandler } from '../../lambda/handlers/create-handler';
import { createRuntime } from '../../lambda/runtime';
import { kafkaLibs, type LocalKafka, PROJECT_ROOT, startLocalKafka } from '../../local-kafka/broker';
import { tempDir } from '../helpers/cdk';
import { CapturedOutput, rawKafka, uniqueName } from '../helpers/kafka';

const kafka = inject('kafka');
const CLI = join(PROJECT_ROOT, 'dist', 'bin', 'streamprobe.js');

function config(brokers: string, overrides: Record<string, unknown>) {
  return parseLoadConfig({
    brokers,
    topic: uniqueName('load'),
    loadTest: uniqueName('lt'),
    partitions: 3,
    messageBytes: 200,
    drainMs: 5000,
    metricsSink: 'none',
    ...overrides,
  });
}

async function load(
  brokers: string,
  overrides: Record<string, unknown>,
  during?: (topic: string) => Promise<void>,
): Promise<{ report: LoadReport; logs: CapturedOutput }> {
  const c = config(brokers, overrides);
  const logs = new CapturedOutput().start();
  try {
    let started!: () => void;
    const sending = new Promise<void>((r) => (started = r));
    const result = createRuntime('load', { config: c, logger: new ProbeLogger(), onStart: () => started() }).runOnce();
    const fault = during ? sending.then(() => during(c.topic)) : Promise.resolve();
    const [report] = await Promise.all([result, fault]);
    return { report: report.details, logs };
  } finally {
    logs.stop();
  }
}

/** A broker quota on a client's fetches, set with Kafka's own tool: the consumer really falls behind. */
function throttleConsumer(brokers: string, clientId: string, bytesPerSecond: number): void {
  const r = spawnSync(
    'java',
    [
      '-Xmx128m',
      '-cp',
      `${kafkaLibs()}/*`,
      'kafka.admin.ConfigCommand',
      '--bootstrap-server',
      brokers,
      '--alter',
      '--add-config',
      `consumer_byte_rate=${bytesPerSecond}`,
      '--entity-type',
      'clients',
      '--entity-name',
      clientId,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`kafka-configs failed: ${r.stderr}`);
}

/** Every acknowledged record is read, lost, or unaccounted; every sent one acknowledged or failed. */
function expectReconciled(r: LoadReport): void {
  expect(r.counts.acked + r.counts.failed, JSON.stringify(r.counts)).toBe(r.counts.sent);
  // A record reported failed but read back (its send's answer was lost) is received without being acknowledged.
  expect(r.counts.received - r.counts.writtenAfterFailure + r.counts.lost + r.counts.unaccounted, JSON.stringify(r.counts)).toBe(r.counts.acked);
  expect(r.counts.writtenAfterFailure).toBeLessThanOrEqual(r.counts.failed);
  expect(r.counts.sent + r.counts.unsent).toBe(r.counts.intended);
}

describe('streamprobe load against a real broker', () => {
  it('reads its records back by offset: the cluster lists the same groups before and after a load', async () => {
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    const listed = async () => (await admin.listGroups()).groups.map((g) => g.groupId).sort();
    const before = await listed();
    const { report } = await load(kafka.plaintext, { rate: '200/s', durationMs: 1000 });
    expect(report.counts).toMatchObject({ intended: 200, received: 200, lost: 0 });
    // Other test files make groups of their own meanwhile: a group of the load's is one that knows its topic.
    const appeared = (await listed()).filter((g) => !before.includes(g));
    const knowTopic = await Promise.all(appeared.map(async (groupId) => (await admin.fetchOffsets({ groupId })).some((t) => t.topic === report.topic)));
    const { groups: described } = appeared.length ? await admin.describeGroups(appeared) : { groups: [] };
    const members = described.filter((g) => g.members.some((m) => m.memberAssignment.toString('latin1').includes(report.topic)));
    expect([...appeared.filter((_, i) => knowTopic[i]), ...members.map((g) => g.groupId)]).toEqual([]);
    await admin.disconnect();
  });

  it('a short load at a modest rate meets its target and accounts for every record', async () => {
    const { report, logs } = await load(kafka.plaintext, { rate: '500/s', durationMs: 3000, keys: 10 });
    expect(report.outcome, report.reasons.join('; ')).toBe('met');
    expect(report.counts).toMatchObject({ intended: 1500, sent: 1500, acked: 1500, received: 1500, failed: 0, lost: 0, unaccounted: 0, duplicated: 0 });
    expect(report.throughput.produceRecordsPerSecond).toBeGreaterThanOrEqual(475);
    expect(report.latency.endToEnd).toMatchObject({ count: 1500 });
    expect(report.latency.endToEnd.p99).not.toBeNull();
    expect(report.seconds.map((s) => s.intended)).toEqual([500, 500, 500]);
    expectReconciled(report);
    // What the user reads: one load_report line with the same figures.
    expect(logs.events('load_report')[0]).toMatchObject({ outcome: 'met', counts: { received: 1500 } });
  });

  it('records deleted before the consumer read them are lost, with evidence; the counts still reconcile', async () => {
    // A consumer throttled by a broker quota (as a real slow consumer is) falls behind 1,000 records a second.
    const loadTest = uniqueName('slow');
    throttleConsumer(kafka.plaintext, `streamprobe-load-${loadTest}`, 20_000);
    const { report } = await load(
      kafka.plaintext,
      { loadTest, rate: '1000/s', durationMs: 3000, partitions: 1, messageBytes: 1000, drainMs: 3000 },
      async (topic) => {
        await new Promise((r) => setTimeout(r, 1500));
        const admin = rawKafka(kafka.plaintext).admin();
        await admin.connect();
        try {
          const [end] = await admin.fetchTopicOffsets(topic);
          await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: end!.high }] });
        } finally {
          await admin.disconnect();
        }
      },
    );
    expect(report.counts.lost, JSON.stringify(report.counts)).toBeGreaterThan(0);
    expect(report.outcome).toBe('missed');
    expect(report.reasons.join(' ')).toMatch(/lost/);
    expectReconciled(report);
  });

  it('a topic deleted mid-load: failed sends are errors, counted by type, and the counts reconcile', async () => {
    const { report, logs } = await load(kafka.plaintext, { rate: '300/s', durationMs: 4000, drainMs: 2000 }, async (topic) => {
      await new Promise((r) => setTimeout(r, 1000));
      const admin = rawKafka(kafka.plaintext).admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [topic] });
      } finally {
        await admin.disconnect();
      }
    });
    expect(report.counts.failed, JSON.stringify(report.counts)).toBeGreaterThan(0);
    expect(report.errorRate).toBeGreaterThan(0);
    expect(report.outcome).toBe('missed');
    expect(Object.keys(report.errors).length).toBeGreaterThan(0);
    expect(logs.events('load_error').length).toBeGreaterThan(0);
    expectReconciled(report);
  });
});

describe('streamprobe load with a broker paused mid-load (coordinated omission)', () => {
  let own: LocalKafka;
  beforeAll(async () => {
    own = await startLocalKafka({ initialRebalanceDelayMs: 0 });
  });
  afterAll(async () => {
    await own?.stop();
  });
  /** `afterMs` into the load, the broker stops (SIGSTOP) for `forMs`: a stall, not a crash. */
  async function pauseBroker(afterMs: number, forMs: number): Promise<void> {
    await new Promise((r) => setTimeout(r, afterMs));
    process.kill(own.pid, 'SIGSTOP');
    await new Promise((r) => setTimeout(r, forMs));
    process.kill(own.pid, 'SIGCONT');
  }

  it('a one-second stall shows in the p99 and the max, for every record it held back', async () => {
    const { report } = await load(own.plaintext, { rate: '500/s', durationMs: 4000, partitions: 1 }, () => pauseBroker(1500, 1000));
    // A generator that waited for the broker would report one slow record and a calm p99.
    expect(report.latency.endToEnd.max, JSON.stringify(report.latency)).toBeGreaterThanOrEqual(900);
    expect(report.latency.endToEnd.p99, JSON.stringify(report.latency)).toBeGreaterThanOrEqual(500);
    expect(report.latency.sendDelay.max).toBeGreaterThanOrEqual(500);
    expect(report.counts).toMatchObject({ received: report.counts.acked, lost: 0 });
    const slowSeconds = report.seconds.filter((s) => (s.endToEndMaxMs ?? 0) >= 500).map((s) => s.second);
    expect(slowSeconds.length).toBeGreaterThan(0);
    expectReconciled(report);
  }, 90_000);

  it('a stall longer than the request timeout: sends fail with no answer, reading back settles them, and the counts reconcile', async () => {
    // The producer gives up on a request after 10 s (the load's request timeout); the broker, resumed,
    // still writes what it was sent: a failed send whose record arrives (here 1 of 600: received 600,
    // acknowledged 599, which the counts used not to reconcile).
    const { report } = await load(own.plaintext, { rate: '200/s', durationMs: 3000, partitions: 1 }, () => pauseBroker(1000, 13_000));
    expect(report.counts.failed, JSON.stringify(report.counts)).toBeGreaterThan(0);
    expect(report.counts.outcomeUnknown).toBe(report.counts.failed);
    expect(report.reasons.join(' ')).toMatch(/got no answer \(their outcome was unknown\)/);
    expectReconciled(report);
  }, 120_000);
});

describe('streamprobe load on the command line', () => {
  function streamprobe(args: string[]) {
    const r = spawnSync(process.execPath, [CLI, 'load', ...args], { encoding: 'utf8', timeout: 120_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('refuses a rate of 0 and a duration without a unit before starting anything', () => {
    const zero = streamprobe(['--rate', '0/s', '--duration', '5s']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--rate: "0\/s" is not a rate above 0/);
    const bare = streamprobe(['--rate', '100/s', '--duration', '5']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--duration/);
    for (const r of [zero, bare]) expect(r.stderr).not.toMatch(/local broker/);
  });

  it('writes a report, and next time says what got worse against it', () => {
    const dir = tempDir('load-baseline');
    const saved = join(dir, 'last-week.json');
    const first = streamprobe([
      '--brokers',
      kafka.plaintext,
      '--rate',
      '200/s',
      '--duration',
      '2s',
      '--topic',
      uniqueName('load-cli'),
      '--report',
      saved,
      '--log-level',
      'SILENT',
    ]);
    // Whether this short first load met its rate depends on the machine at that moment (a 0.4 s stall in
    // CI made it 184/s); the modest-load test above holds MET. Here the report must say which, and match the exit code.
    const met = / load +MET /.test(first.stderr);
    expect(first.stderr).toMatch(/load load +(MET|MISSED) /);
    expect(first.code, first.stderr).toBe(met ? 0 : 1);
    // A baseline that was much faster than anything this machine does: the comparison must say so.
    const baseline = JSON.parse(readFileSync(saved, 'utf8')) as LoadReport;
    expect(baseline.outcome).toBe(met ? 'met' : 'missed');
    const faster = { ...baseline, throughput: { ...baseline.throughput, produceRecordsPerSecond: baseline.throughput.produceRecordsPerSecond * 10 } };
    require('node:fs').writeFileSync(saved, JSON.stringify(faster));
    const second = streamprobe(['--brokers', kafka.plaintext, '--rate', '200/s', '--duration', '2s', '--topic', uniqueName('load-cli'), '--baseline', saved]);
    expect(second.code).toBe(1);
    // Other figures may be worse too on a busy machine; this one must be listed, with its change.
    const worse = /against the baseline, worse: .*produce records\/s (\d+(?:\.\d+)?) -> (\d+(?:\.\d+)?) \((-\d+(?:\.\d)?)%\)/.exec(second.stderr);
    expect(worse, second.stderr).not.toBeNull();
    const [was, now, change] = worse!.slice(1).map(Number);
    // The first run's own rate (near 200/s, not exactly) times ten is what the comparison quotes.
    expect(was).toBeCloseTo(faster.throughput.produceRecordsPerSecond, -1);
    expect(now).toBeLessThan(was / 5);
    expect(change).toBeCloseTo(((now - was) / was) * 100, 0);
    const line = second.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.event === 'load_report');
    expect(line.baseline.regressions).toBeGreaterThan(0);

    // A baseline of another rate and record size is refused before anything runs, naming what differs.
    const other = streamprobe(['--brokers', kafka.plaintext, '--rate', '400/s', '--message-bytes', '2048', '--duration', '2s', '--baseline', saved]);
    expect(other.code, other.stderr).toBe(2);
    expect(other.stderr).toMatch(/--baseline .*last-week\.json: made with other settings \(--rate \(records\/s\) 200 -> 400, --message-bytes 1024 -> 2048\)/);
    // A malformed file is a usage error naming it, not a stack trace.
    const broken = join(dir, 'broken.json');
    require('node:fs').writeFileSync(broken, '{"target": {}, "throughput": {}}');
    const malformed = streamprobe(['--brokers', kafka.plaintext, '--rate', '200/s', '--duration', '2s', '--baseline', broken]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--baseline .*broken\.json: not a streamprobe load report/);
    expect(malformed.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the load-test Lambda handler', () => {
  it("runs the deployment's load with the event's overrides, ends before its deadline, and refuses unknown event fields", async () => {
    const env = {
      STREAMPROBE_LOAD_TEST_NAME: 'lambda-load',
      STREAMPROBE_BROKERS: kafka.plaintext,
      STREAMPROBE_TOPIC: uniqueName('lambda-load'),
      STREAMPROBE_LOAD_RATE: '100/s',
      STREAMPROBE_LOAD_DURATION_MS: '60000',
      STREAMPROBE_METRICS_SINK: 'none',
    };
    const logs = new CapturedOutput().start();
    try {
      const { handler } = createHandler('load', env);
      const end = Date.now() + 30_000;
      const context = { functionName: 'streamprobe-load', awsRequestId: 'r1', getRemainingTimeInMillis: () => end - Date.now() } as never;
      const result = await handler({ rate: '300/s', durationMs: 2000 }, context);
      expect(result).toMatchObject({
        loadTest: 'lambda-load',
        outcome: 'met',
        counts: { intended: 600, received: 600 },
        target: { recordsPerSecond: 300, durationMs: 2000 },
      });
      expect(logs.events('load_report')[0]).toMatchObject({ function_name: 'streamprobe-load', loadTest: 'lambda-load' });
      await expect(handler({ rate: '300/s', brokers: 'elsewhere:9092' }, context)).rejects.toThrow(/unknown field\(s\) in the event: brokers/);
      await expect(handler({ rate: '0/s' }, context)).rejects.toThrow(/event.rate: "0\/s" is not a rate above 0/);
    } finally {
      logs.stop();
    }
  });
});
