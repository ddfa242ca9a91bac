/**
 * What streamprobe leaves on a cluster, as Kafka's own ConsumerGroupCommand lists it: every reading command
 * run as a cold one-shot process, and run warm then killed with SIGKILL (a Lambda container retired mid-life
 * says no goodbye). Only the commit groups the README names may remain, none with a member; and a lag
 * check by pattern never reports one of them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pipelineGroupId, roundTripCommitGroup } from '../../lambda/contract';
import { kafkaLibs, PROJECT_ROOT } from '../../local-kafka/broker';
import { groupAt } from '../helpers/consumer-groups';
import { rawKafka, uniqueName } from '../helpers/kafka';

const CLI = join(PROJECT_ROOT, 'dist', 'bin', 'streamprobe.js');
const kafka = inject('kafka');
const warm: ChildProcess[] = [];

afterAll(() => {
  for (const child of warm) child.kill('SIGKILL');
});

/** Kafka's own list of the cluster's consumer groups. */
function groupsListedByKafka(): string[] {
  const r = spawnSync(
    'java',
    ['-Xmx128m', '-cp', `${kafkaLibs()}/*`, 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', '--bootstrap-server', kafka.plaintext, '--list'],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ConsumerGroupCommand --list failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .sort();
}

function oneShot(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--log-level', 'INFO', '--quiet'], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a repeating process and kills it with SIGKILL once it has logged `runs` lines of `event`. */
function killAfterRuns(args: string[], event: string, runs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--every', '1s', '--log-level', 'INFO', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    warm.push(child);
    let seen = 0;
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${args[0]}: ${seen} of ${runs} runs in 60 s`)), 60_000);
    child.stdout!.on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      seen += lines.filter((l) => l.includes(`"event":"${event}"`)).length;
      if (seen >= runs) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        child.once('exit', () => resolve(seen));
      }
    });
  });
}

describe('the consumer groups streamprobe leaves on a cluster', () => {
  it('cold one-shot and SIGKILLed warm processes of every reading command leave only the named commit groups, never a member', async () => {
    // Every name of this test carries one tag: the shared broker also holds other test files' groups.
    const tag = uniqueName('gl');
    const probe = `${tag}-probe`;
    const flow = `${tag}-flow`;
    const flowTopic = `${tag}-flow`;
    const loadName = `${tag}-load`;
    const admin = rawKafka(kafka.plaintext).admin();
    await admin.connect();
    try {
      // A pipeline whose application is the identity: its output topic is its input topic.
      await admin.createTopics({ topics: [{ topic: flowTopic, numPartitions: 2 }], waitForLeaders: true });
      const before = groupsListedByKafka();
      const roundTrip = ['run', '--brokers', kafka.plaintext, '--probe-name', probe, '--topic', `${tag}-canary`, '--timeout', '6s'];
      const pipeline = [
        'pipeline',
        '--input-brokers',
        kafka.plaintext,
        '--input-topic',
        flowTopic,
        '--output-topic',
        flowTopic,
        '--name',
        flow,
        '--timeout',
        '6s',
      ];
      // The pattern would match every streamprobe group, and one caught-up group of this test (other test
      // files' groups on the shared broker may lag, and would make the check exit 1).
      const caughtUp = `${tag}-ok`;
      const quietTopic = `${tag}-quiet`;
      await admin.createTopics({ topics: [{ topic: quietTopic, numPartitions: 1 }], waitForLeaders: true });
      await groupAt(kafka.plaintext, quietTopic, caughtUp, { 0: 0 }, false);
      const lag = ['lag', '--brokers', kafka.plaintext, '--group-pattern', `^(streamprobe-.*|${caughtUp})$`, '--name', `${tag}-lag`, '--timeout', '6s'];
      const load = ['load', '--brokers', kafka.plaintext, '--rate', '200/s', '--duration', '1s', '--name', loadName, '--topic', `${tag}-loadtopic`];

      for (const args of [roundTrip, pipeline, lag, load]) {
        const r = oneShot(args);
        expect([args[0], r.code], r.stderr).toEqual([args[0], 0]);
      }
      await killAfterRuns(roundTrip, 'run_summary', 2);
      await killAfterRuns(pipeline, 'pipeline_summary', 2);
      await killAfterRuns(lag, 'lag_check', 2);

      const left = groupsListedByKafka().filter((g) => !before.includes(g) && g.includes(tag) && g !== caughtUp);
      expect(left).toEqual([pipelineGroupId(flow), roundTripCommitGroup(probe)].sort());
      const { groups } = await admin.describeGroups(left);
      for (const g of groups) expect([g.groupId, g.state, g.members.length]).toEqual([g.groupId, 'Empty', 0]);

      // A lag check by pattern over every group never reports one of streamprobe's own.
      const r = oneShot(lag);
      expect(r.code, r.stderr).toBe(0);
      const reported = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { event?: string; group?: string })
        .filter((l) => l.group !== undefined)
        .map((l) => l.group!);
      expect(reported).toEqual([caughtUp]);
    } finally {
      await admin.disconnect();
    }
  }, 240_000);
});
