/**
 * MirrorMaker 2 (Apache Kafka's connect-mirror, from Maven Central) in its dedicated mode between two local
 * brokers: a real replication application for the pipeline canary. Each flow mirrors named topics; a flow
 * may drop canaries with Kafka Connect's Filter transform and HasHeaderKey predicate, as a sink would.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, PROJECT_ROOT, ensureJars } from '../../scripts/local-kafka';
import { tempDir } from './cdk';
import type { RunningApp } from './streams-app';

export interface MirrorFlow {
  readonly from: 'a' | 'b';
  readonly to: 'a' | 'b';
  readonly topics: readonly string[];
  /** Drop records carrying this header (Filter + HasHeaderKey). */
  readonly dropHeader?: string;
}

export function ensureMirrorMaker(): string {
  return ensureJars(join(PROJECT_ROOT, 'scripts', 'kafka', 'mirror-maker', 'pom.xml'), join(CACHE_DIR, 'kafka', 'mirror-maker'), 'MirrorMaker 2');
}

function properties(a: string, b: string, flows: readonly MirrorFlow[]): string {
  const lines = [
    'clusters = a, b', `a.bootstrap.servers = ${a}`, `b.bootstrap.servers = ${b}`,
    // One broker per cluster: every internal topic has one replica.
    'replication.factor = 1', 'checkpoints.topic.replication.factor = 1', 'heartbeats.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1', 'offset.storage.replication.factor = 1', 'status.storage.replication.factor = 1',
    'config.storage.replication.factor = 1', 'sync.topic.acls.enabled = false', 'emit.checkpoints.enabled = false',
    'refresh.topics.interval.seconds = 2', 'sync.topic.configs.enabled = false',
    // Source offsets committed every second (Connect's default is a minute): a kill re-copies less.
    'offset.flush.interval.ms = 1000',
  ];
  for (const f of flows) {
    const flow = `${f.from}->${f.to}`;
    lines.push(`${flow}.enabled = true`, `${flow}.topics = ${f.topics.join(',')}`, `${flow}.consumer.auto.offset.reset = earliest`);
    if (f.dropHeader) {
      lines.push(
        `${flow}.transforms = dropCanaries`,
        `${flow}.transforms.dropCanaries.type = org.apache.kafka.connect.transforms.Filter`,
        `${flow}.transforms.dropCanaries.predicate = isCanary`,
        `${flow}.predicates = isCanary`,
        `${flow}.predicates.isCanary.type = org.apache.kafka.connect.transforms.predicates.HasHeaderKey`,
        `${flow}.predicates.isCanary.name = ${f.dropHeader}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Starts MirrorMaker 2; `ready` resolves once every flow's first mirrored topic exists on its target. */
export async function startMirrorMaker(a: string, b: string, flows: readonly MirrorFlow[], ready: () => Promise<boolean>): Promise<RunningApp> {
  const libs = ensureMirrorMaker();
  const dir = tempDir('mm2');
  const props = join(dir, 'mm2.properties');
  writeFileSync(props, properties(a, b, flows));
  const logFile = join(dir, 'mm2.log');
  const out = createWriteStream(logFile);
  await new Promise((r) => out.once('open', r));
  const child = spawn('java', ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', `${libs}/*`,
    'org.apache.kafka.connect.mirror.MirrorMaker', props], { stdio: ['ignore', out, out] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 120_000;
  while (!(await ready().catch(() => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`MirrorMaker 2 did not start mirroring: ${readFileSync(logFile, 'utf8').slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    logFile,
    async kill() {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}
