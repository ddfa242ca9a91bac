/**
 * A real 3-broker KRaft cluster (RF 3, acks=all), started by this file, and the faults operators meet:
 * a fresh cluster, a broker killed mid-run and restarted, a broker paused (and first in the bootstrap
 * list), min.insync.replicas that cannot be met, leadership moved, a leaderless partition of an unrelated
 * topic. Across all of it nothing acknowledged is reported lost or duplicated, every run ends within its
 * budget, and each fault is reported for what it is. The cases share one cluster and run in order.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { ConfigResourceTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { roundTripCommitGroup } from '../../lambda/contract';
import type { RunReport } from '../../lambda/core/roundtrip/report';
import { createRuntime, type RoundTripCheck } from '../../lambda/runtime';
import { kafkaLibs, PROJECT_ROOT } from '../../local-kafka/broker';
import { type LocalKafkaCluster, startLocalKafkaCluster } from '../../local-kafka/cluster';
import { tempDir } from '../helpers/cdk';
import { CapturedOutput, probeConfig, rawKafka, uniqueName } from '../helpers/kafka';

let cluster: LocalKafkaCluster;
const RUN_TIMEOUT_MS = 10_000;
/** Measuring stops at three quarters of the budget; the offset commit may take half the rest, reporting has the others. */
const MEASURE_MS = RUN_TIMEOUT_MS * 0.75;
const COMMIT_BY_MS = MEASURE_MS + (RUN_TIMEOUT_MS - MEASURE_MS) / 2;

beforeAll(async () => {
  // Managed clusters keep the default 3 s initial rebalance delay: so does this one.
  cluster = await startLocalKafkaCluster({ initialRebalanceDelayMs: 3000 });
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

/** An admin client on a broker that answers (not a killed or paused one). */
function admin() {
  return rawKafka(cluster.nodes.find((n) => n.answering)!.address).admin();
}

async function leadersOf(topic: string): Promise<Record<number, number>> {
  const a = admin();
  await a.connect();
  try {
    const {
      topics: [t],
    } = await a.fetchTopicMetadata({ topics: [topic] });
    return Object.fromEntries(t!.partitions.map((p) => [p.partitionId, p.leader]));
  } finally {
    await a.disconnect();
  }
}

/** Waits until the controller has moved leadership off a dead or paused broker (it fences after ~9 s). */
async function waitUntilNoneLedBy(topic: string, broker: number): Promise<void> {
  const deadline = Date.now() + 40_000;
  while (Date.now() < deadline) {
    if (!Object.values(await leadersOf(topic).catch(() => ({ 0: broker }))).includes(broker)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`broker ${broker} still leads partitions of ${topic}`);
}

/** A warm probe runtime against the cluster, its logs captured. */
function probe(overrides: Record<string, unknown> = {}) {
  const config = probeConfig(cluster.bootstrap, { minPartitions: 6, runTimeoutMs: RUN_TIMEOUT_MS, ...overrides });
  const output = new CapturedOutput().start();
  const runtime = createRuntime('roundtrip', {
    config,
    logger: new ProbeLogger({ level: (process.env.TEST_PROBE_LOG_LEVEL as 'INFO' | undefined) ?? 'INFO' }),
  });
  const reports: RunReport[] = [];
  return {
    config,
    output,
    reports,
    /** The probe's own session, as the runs use it. */
    get session() {
      return (runtime.check as RoundTripCheck).session;
    },
    async run(): Promise<RunReport> {
      const r = (await runtime.runOnce()).details;
      reports.push(r);
      return r;
    },
    async runUntilHealthy(max: number): Promise<number> {
      for (let i = 1; i <= max; i++) if ((await this.run()).outcome === 'healthy') return i;
      throw new Error(`not healthy after ${max} runs: ${describeRuns(reports.slice(-max))}`);
    },
    async close() {
      output.stop();
      if (process.env.TEST_ECHO_RUNS === '1') process.stderr.write(`${describeRuns(reports)}\n`);
      await runtime.close();
    },
  };
}

function describeRuns(reports: readonly RunReport[]): string {
  return JSON.stringify(reports.map((r) => ({ outcome: r.outcome, counts: r.counts, errors: r.errors.map((e) => `${e.phase} ${e.type}: ${e.message}`) })));
}

/** What must hold for every run, whatever the fault: nothing false, nothing past the budget. */
function expectNoFalseSignals(reports: readonly RunReport[]): void {
  for (const r of reports) {
    expect(r.counts.lost, `run ${r.runId}: ${JSON.stringify(r.problems)}`).toBe(0);
    expect(r.counts.duplicated, `run ${r.runId}: ${JSON.stringify(r.problems)}`).toBe(0);
    expect(r.counts.corrupt).toBe(0);
    expect(r.timings.runMs).toBeLessThan(COMMIT_BY_MS + 500);
  }
}

describe('a real 3-broker cluster', () => {
  it('a fresh cluster: the first run is healthy; the topic has RF 3, min ISR 2 and a partition led by each broker', async () => {
    // The default 20 s budget, as a first deployment has: this run creates the topic (RF 3, six leaders
    // elected) and joins a new group, which on this shared 2-core machine took up to 7 s of a 10 s budget.
    const p = probe({ runTimeoutMs: 20_000 });
    try {
      const first = await p.run();
      expect(first.outcome, JSON.stringify(first.errors)).toBe('healthy');
      expect(first.counts).toMatchObject({ partitions: 6, sent: 6, received: 6, overdue: 0 });
      expect(first.brokersWithoutCanaryLeader).toEqual([]);
      expect(new Set(Object.values(await leadersOf(p.config.topic)))).toEqual(new Set([1, 2, 3]));
      const a = admin();
      await a.connect();
      const { resources } = await a.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: p.config.topic, configNames: ['min.insync.replicas'] }],
        includeSynonyms: false,
      });
      const {
        topics: [meta],
      } = await a.fetchTopicMetadata({ topics: [p.config.topic] });
      await a.disconnect();
      expect(resources[0]!.configEntries[0]!.configValue).toBe('2');
      expect(meta!.partitions.every((x) => x.replicas.length === 3)).toBe(true);
      expect(p.output.events('topic_warning')).toEqual([]);
    } finally {
      await p.close();
    }
  }, 60_000);

  it('the smallest budget on a cold start with a 3 s rebalance delay: measured, or nothing sent; never a send after the deadline', async () => {
    const p = probe({ runTimeoutMs: 6000 });
    try {
      const first = await p.run();
      expect(first.problems.filter((x) => x.status === 'send_failed')).toEqual([]);
      if (first.outcome === 'failed') expect(first.counts.sent).toBe(0);
      expect(first.timings.runMs).toBeLessThan(4500 + 500);
    } finally {
      await p.close();
    }
  });

  it('warns once when an existing canary topic lets acks=all prove little (min.insync.replicas=1 with RF 3)', async () => {
    const topic = uniqueName('weak');
    const a = admin();
    await a.connect();
    await a.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'min.insync.replicas', value: '1' }] }],
      waitForLeaders: true,
    });
    await a.disconnect();
    const p = probe({ topic, minPartitions: 3 });
    try {
      await p.run();
      await p.run();
      const warnings = p.output.events('topic_warning');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 'WARN', topic });
      expect(String(warnings[0]!.message)).toMatch(/min\.insync\.replicas=1 with replication factor 3.*set it to 2/);
    } finally {
      await p.close();
    }
  });

  it('a broker SIGKILLed mid-run and restarted: no false loss or duplicate, the missing broker reported, healthy again within runs', async () => {
    const p = probe();
    try {
      await p.runUntilHealthy(2);
      const running = p.run();
      setTimeout(() => void cluster.node(2).kill(), 50);
      await running;
      await waitUntilNoneLedBy(p.config.topic, 2);
      const whileDown = await p.runUntilHealthy(4);
      expect(whileDown).toBeLessThanOrEqual(4);
      const down = p.reports.at(-1)!;
      expect(down.brokersMissing).toBe(1);
      expect(p.output.text).toMatch(/"brokersMissing":1/);
      await cluster.node(2).restart();
      const afterRestart = await p.runUntilHealthy(3);
      expect(afterRestart).toBeLessThanOrEqual(3);
      expect(p.reports.at(-1)!.brokersMissing).toBe(0);
      // Restarted, it leads nothing until leadership is balanced again: reported, not hidden.
      expect(p.reports.at(-1)!.brokersWithoutCanaryLeader).toEqual([2]);
      expectNoFalseSignals(p.reports);
      const failedOrDegraded = p.reports.filter((r) => r.outcome !== 'healthy');
      for (const r of failedOrDegraded) expect(r.errors.length + r.problems.length, JSON.stringify(r)).toBeGreaterThan(0);
    } finally {
      await p.close();
    }
  }, 120_000);

  it('leadership moved by a reassignment and a preferred-leader election: the next run sends to the new leaders without errors', async () => {
    const p = probe();
    try {
      await p.runUntilHealthy(2);
      const before = await leadersOf(p.config.topic);
      const a = admin();
      await a.connect();
      const {
        topics: [meta],
      } = await a.fetchTopicMetadata({ topics: [p.config.topic] });
      // The same replicas, the preferred one rotated: an election then moves every partition's leader.
      await a.alterPartitionReassignments({
        topics: [
          {
            topic: p.config.topic,
            partitionAssignment: meta!.partitions.map((x) => ({ partition: x.partitionId, replicas: [...x.replicas.slice(1), x.replicas[0]!] })),
          },
        ],
      });
      await a.disconnect();
      // The canary topic's partitions only: --all-topic-partitions would also move __consumer_offsets leaders
      // back after the earlier broker restart, and with them the commit group's coordinator, a case of its own.
      electPreferredLeaders(meta!.partitions.map((x) => ({ topic: p.config.topic, partition: x.partitionId })));
      const after = await leadersOf(p.config.topic);
      expect(Object.keys(after).filter((k) => after[Number(k)] !== before[Number(k)]).length).toBeGreaterThan(0);
      const runs = [await p.run(), await p.run()];
      for (const r of runs) {
        expect(r.outcome, describeRuns(runs)).toBe('healthy');
        expect(r.counts.produceErrors).toBe(0);
      }
      // The report names the new leaders.
      expect(Object.fromEntries(runs[0]!.brokers.flatMap((b) => b.leaderOf.map((x) => [x, b.brokerId])))).toEqual(after);
      expectNoFalseSignals(p.reports);
    } finally {
      await p.close();
    }
  }, 60_000);

  it('min.insync.replicas=3 with a follower broker down: sends fail as NOT_ENOUGH_REPLICAS, folded into one error, nothing called lost', async () => {
    const topic = uniqueName('isr3');
    const a = admin();
    await a.connect();
    // Broker 3 follows every partition and leads none, so its loss changes no leader.
    await a.createTopics({
      topics: [
        {
          topic,
          replicaAssignment: [
            [1, 2, 3],
            [2, 1, 3],
            [1, 2, 3],
          ].map((replicas, partition) => ({ partition, replicas })),
          configEntries: [{ name: 'min.insync.replicas', value: '3' }],
        },
      ],
      waitForLeaders: true,
    });
    await a.disconnect();
    const p = probe({ topic, minPartitions: 3 });
    try {
      await p.runUntilHealthy(2);
      await cluster.node(3).kill();
      // Until the controller fences it (about 9 s) acks=all waits for broker 3 and times out; then the
      // leaders refuse the write outright.
      let r: RunReport | undefined;
      const refused = (x?: RunReport) => x?.errors.some((e) => e.type === 'NOT_ENOUGH_REPLICAS') === true;
      for (let i = 0; i < 6 && !refused(r); i++) r = await p.run();
      expect(r!.outcome, describeRuns(p.reports)).toBe('degraded');
      expect(r!.counts).toMatchObject({ sent: 3, acknowledged: 0, produceErrors: 3, lost: 0 });
      expect(
        r!.errors.find((e) => e.type === 'NOT_ENOUGH_REPLICAS'),
        describeRuns(p.reports),
      ).toMatchObject({ count: 3, partitions: [0, 1, 2] });
      // The leaders may refuse writes a moment before the controller drops the broker from the metadata.
      for (let i = 0; i < 3 && r!.brokersMissing === 0; i++) r = await p.run();
      expect(r!.brokersMissing).toBe(1);
      expectNoFalseSignals(p.reports);
    } finally {
      await p.close();
      await cluster.node(3).restart();
    }
  }, 120_000);

  it('a paused broker, first in the bootstrap list: runs recover once it is fenced, and a cold start does not stay stuck on it', async () => {
    const warm = probe();
    try {
      await warm.runUntilHealthy(2);
      cluster.node(1).pause();
      await waitUntilNoneLedBy(warm.config.topic, 1);
      expect(await warm.runUntilHealthy(4)).toBeLessThanOrEqual(4);
      const cold = probe({ topic: warm.config.topic }); // node 1 is listed first
      try {
        expect(await cold.runUntilHealthy(3)).toBeLessThanOrEqual(3);
        expectNoFalseSignals(cold.reports);
      } finally {
        await cold.close();
      }
      expectNoFalseSignals(warm.reports);
    } finally {
      cluster.node(1).resume();
      await warm.close();
    }
  }, 120_000);

  it('a leaderless partition of an unrelated topic does not fail or degrade the run', async () => {
    const topic = uniqueName('unrelated');
    const a = rawKafka(cluster.node(2).address).admin();
    await a.connect();
    await a.createTopics({ topics: [{ topic, replicaAssignment: [{ partition: 0, replicas: [3] }] }], waitForLeaders: true });
    await a.disconnect();
    const p = probe({ expectedBrokers: 3 });
    try {
      await p.runUntilHealthy(2);
      await cluster.node(3).kill();
      await waitUntilNoneLedBy(p.config.topic, 3);
      // kafkajs itself throws on a leaderless partition of a topic it asks about: the fault is real.
      await expect(leadersOf(topic)).rejects.toThrow(/no leader/);
      const healthyIn = await p.runUntilHealthy(3);
      expect(healthyIn).toBeLessThanOrEqual(3);
      expect(p.reports.at(-1)!.brokersMissing).toBe(1);
      expectNoFalseSignals(p.reports);
    } finally {
      await p.close();
      await cluster.node(3).restart();
    }
  }, 90_000);
});

/** Waits until every partition of every topic has all its replicas in sync again. */
async function waitUntilFullyReplicated(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const a = admin();
    try {
      await a.connect();
      const { topics } = await a.fetchTopicMetadata();
      const behind = topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}/${p.partitionId}`));
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`still under-replicated: ${behind.join(', ')}`);
    } catch (error) {
      if (Date.now() > deadline) throw error;
    } finally {
      await a.disconnect().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * A rolling restart as operators (and Amazon MSK patching) do it: each broker in turn shut down cleanly
 * (SIGTERM: controlled shutdown moves its leadership away first), started again, and the next only once
 * no partition is under-replicated. `between` runs at every step, while the cluster is in that state.
 */
async function rollingRestart(between: () => Promise<void>): Promise<void> {
  for (const node of cluster.nodes) {
    await between();
    await node.terminate();
    await between();
    await node.restart();
    await waitUntilFullyReplicated();
    await between();
  }
}

/** Kafka's own LeaderElectionCommand: each partition's preferred replica becomes its leader. */
function electPreferredLeaders(partitions: ReadonlyArray<{ topic: string; partition: number }>): void {
  const file = join(tempDir('election'), 'partitions.json');
  writeFileSync(file, JSON.stringify({ partitions }));
  const election = spawnSync(
    'java',
    [
      '-Xmx128m',
      '-cp',
      `${kafkaLibs()}/*`,
      'org.apache.kafka.tools.LeaderElectionCommand',
      '--bootstrap-server',
      cluster.bootstrap,
      '--election-type',
      'PREFERRED',
      '--path-to-json-file',
      file,
    ],
    { encoding: 'utf8' },
  );
  if (election.status !== 0) throw new Error(`leader election failed: ${election.stderr}`);
}

/** Kafka's group-to-partition rule: Utils.abs(groupId.hashCode()) % partitions of __consumer_offsets (4 on this cluster). */
function offsetsPartitionOf(group: string, partitions = 4): number {
  let h = 0;
  for (const c of group) h = (Math.imul(31, h) + c.charCodeAt(0)) | 0;
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions; // Kafka's Utils.abs
}

/** Moves the group's coordinator to another broker: the __consumer_offsets partition's preferred leader rotated, then elected. */
async function moveCoordinatorOf(group: string): Promise<{ from: number; to: number }> {
  const partition = offsetsPartitionOf(group);
  const a = admin();
  await a.connect();
  try {
    const {
      topics: [meta],
    } = await a.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
    const p = meta!.partitions.find((x) => x.partitionId === partition)!;
    const replicas = [...p.replicas.filter((r) => r !== p.leader), p.leader];
    await a.alterPartitionReassignments({ topics: [{ topic: '__consumer_offsets', partitionAssignment: [{ partition, replicas }] }] });
    electPreferredLeaders([{ topic: '__consumer_offsets', partition }]);
    const {
      topics: [after],
    } = await a.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
    return { from: p.leader, to: after!.partitions.find((x) => x.partitionId === partition)!.leader };
  } finally {
    await a.disconnect();
  }
}

interface SummaryLine {
  outcome: string;
  counts: RunReport['counts'];
  offsetCommit?: { coordinator?: number; ok: boolean };
}

/**
 * The probe as a Lambda container lives: a separate process (the CLI, repeating) frozen with SIGSTOP after
 * each run and thawed with SIGCONT when the next is due. `run()` thaws it for exactly one run.
 */
let bundledCli: string | undefined;

/** The command line bundled from source, as the Lambda handlers are (the package's dist/ may be older). */
function cliBundle(): string {
  if (!bundledCli) {
    bundledCli = join(tempDir('cli'), 'streamprobe.js');
    buildSync({
      entryPoints: [join(PROJECT_ROOT, 'bin', 'cli.ts')],
      outfile: bundledCli,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'warning',
    });
  }
  return bundledCli;
}

function frozenProbe(topic: string, probeName: string) {
  const child = spawn(
    process.execPath,
    [
      cliBundle(),
      'run',
      '--brokers',
      cluster.bootstrap,
      '--topic',
      topic,
      '--probe-name',
      probeName,
      '--min-partitions',
      '6',
      '--timeout',
      `${RUN_TIMEOUT_MS / 1000}s`,
      '--every',
      '1s',
      '--log-level',
      process.env.TEST_PROBE_LOG_LEVEL ?? 'INFO',
      '--quiet',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // TEST_PROBE_LOG_FILE keeps the frozen probe's whole log (with TEST_PROBE_LOG_LEVEL=DEBUG, kafkajs's too).
  if (process.env.TEST_PROBE_LOG_FILE) child.stdout!.pipe(createWriteStream(process.env.TEST_PROBE_LOG_FILE));
  const summaries: SummaryLine[] = [];
  const errors: string[] = [];
  let waiting: (() => void) | undefined;
  let buffered = '';
  child.stdout!.on('data', (d) => {
    buffered += d;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line.includes('"event":"run_error"') || line.includes('"event":"run_problem"')) errors.push(line);
      if (!line.includes('"event":"run_summary"')) continue;
      // Frozen at once, before the next run can start: as Lambda freezes a container when the handler returns.
      child.kill('SIGSTOP');
      summaries.push(JSON.parse(line) as SummaryLine);
      waiting?.();
    }
  });
  return {
    summaries,
    errors,
    async run(): Promise<SummaryLine> {
      const count = summaries.length;
      const next = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no run within 60 s; errors: ${errors.slice(-5).join('\n')}`)), 60_000);
        waiting = () => {
          if (summaries.length > count) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
      child.kill('SIGCONT');
      await next;
      return summaries.at(-1)!;
    },
    stop() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    },
  };
}

describe('routine operations on a real 3-broker cluster: every run healthy', () => {
  const healthyEvery = (runs: ReadonlyArray<{ outcome: string; counts: RunReport['counts'] }>, detail: () => string) => {
    expect(runs.length).toBeGreaterThan(0);
    for (const r of runs) {
      expect([r.outcome, r.counts.lost, r.counts.duplicated], detail()).toEqual(['healthy', 0, 0]);
    }
  };

  it('the offset-commit group coordinator moved on purpose, warm: commits follow it, every run healthy', async () => {
    const p = probe();
    try {
      await p.runUntilHealthy(2);
      const group = roundTripCommitGroup(p.config.probeName);
      const before = p.reports.at(-1)!.offsetCommit!;
      expect(before.error).toBeUndefined();
      const moved = await moveCoordinatorOf(group);
      expect(moved.to).not.toBe(moved.from);
      const runs = [await p.run(), await p.run(), await p.run()];
      healthyEvery(runs, () => describeRuns(runs));
      expect(runs.at(-1)!.offsetCommit).toMatchObject({ coordinator: moved.to, latencyMs: expect.any(Number) });
      expect(runs.at(-1)!.offsetCommit!.error).toBeUndefined();
    } finally {
      await p.close();
    }
  }, 90_000);

  it('the offset-commit group coordinator moved while the probe was frozen: every run healthy, commits follow it', async () => {
    const probeName = uniqueName('frozen-coord');
    const frozen = frozenProbe(uniqueName('frozen-coord'), probeName);
    try {
      const first = [await frozen.run(), await frozen.run()];
      const moved = await moveCoordinatorOf(roundTripCommitGroup(probeName));
      expect(moved.to).not.toBe(moved.from);
      const after = [await frozen.run(), await frozen.run()];
      healthyEvery([...first.slice(1), ...after], () => frozen.errors.join('\n'));
      expect(after.at(-1)!.offsetCommit).toMatchObject({ coordinator: moved.to, ok: true });
    } finally {
      frozen.stop();
    }
  }, 120_000);

  it('the commit group coordinator paused (SIGSTOP): a commit fails within 3 s naming it, runs end in time; once it is fenced, commits succeed elsewhere', async () => {
    const p = probe();
    let paused: number | undefined;
    try {
      await p.runUntilHealthy(2);
      const group = roundTripCommitGroup(p.config.probeName);
      const coordinator = p.reports.at(-1)!.offsetCommit!.coordinator!;
      paused = coordinator;
      cluster.node(coordinator).pause();
      // The commit path alone, as the warm probe takes it (its committer knows the coordinator), given
      // all the time a run could: it gives up after 3 s, naming the broker.
      const started = performance.now();
      const refused = await p.session.commit(performance.now() + 10_000);
      expect(performance.now() - started).toBeLessThan(3500);
      expect(refused, JSON.stringify(refused)).toMatchObject({ group, coordinator, error: expect.objectContaining({ phase: 'commit' }) });
      expect(refused.latencyMs).toBeUndefined();
      // The probe's runs while it is paused end in time (a run whose metadata request meets the paused broker
      // fails before it reads, and commits nothing); checked by expectNoFalseSignals below.
      await p.run();
      await waitUntilNoneLedBy(p.config.topic, coordinator);
      let after = await p.run();
      // A run or two may still fail as the cluster settles: the first that commits is the one judged.
      for (let i = 0; i < 8 && (after.offsetCommit?.latencyMs === undefined || after.offsetCommit.coordinator === coordinator); i++) after = await p.run();
      expect(after.offsetCommit).toMatchObject({ latencyMs: expect.any(Number) });
      expect(after.offsetCommit!.coordinator).not.toBe(coordinator);
      expectNoFalseSignals(p.reports);
    } finally {
      if (paused !== undefined) cluster.node(paused).resume();
      await p.close();
    }
    await waitUntilFullyReplicated();
  }, 180_000);

  it('a rolling restart with controlled shutdown, warm probe running throughout: every run healthy', async () => {
    const p = probe();
    let rolling = true;
    try {
      await p.runUntilHealthy(2);
      const from = p.reports.length;
      const loop = (async () => {
        while (rolling) {
          await p.run();
          await new Promise((r) => setTimeout(r, 300));
        }
      })();
      await rollingRestart(() => new Promise((r) => setTimeout(r, 1500)));
      rolling = false;
      await loop;
      const during = p.reports.slice(from);
      expect(during.length).toBeGreaterThanOrEqual(9);
      healthyEvery(during, () => describeRuns(during));
    } finally {
      rolling = false;
      await p.close();
    }
  }, 600_000);

  it('a rolling restart with controlled shutdown, the probe frozen between runs (SIGSTOP/SIGCONT): every run healthy', async () => {
    const frozen = frozenProbe(uniqueName('frozen-roll'), uniqueName('frozen-roll'));
    try {
      await frozen.run();
      const from = frozen.summaries.length;
      // Each step of the restart happens while the probe is frozen; it thaws for one run after each.
      await rollingRestart(async () => {
        await frozen.run();
      });
      const during = frozen.summaries.slice(from);
      expect(during.length).toBe(9);
      healthyEvery(during, () => frozen.errors.join('\n'));
    } finally {
      frozen.stop();
    }
  }, 600_000);
});
