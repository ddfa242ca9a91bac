/**
 * MirrorMaker 2 (Apache Kafka's connect-mirror, from Maven Central) in its dedicated mode between two local
 * brokers: a real replication application for the pipeline canary. Each flow mirrors named topics; a flow
 * may drop canaries with Kafka Connect's Filter transform and HasHeaderKey predicate, as a sink would.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, ensureJars, PROJECT_ROOT } from '../../local-kafka/broker';
import { tempDir } from './cdk';
import { type RunningApp, startJavaApp } from './java-app';

export interface MirrorFlow {
  readonly from: 'a' | 'b';
  readonly to: 'a' | 'b';
  readonly topics: readonly string[];
  /** Drop records carrying this header (Filter + HasHeaderKey). */
  readonly dropHeader?: string;
}

export function ensureMirrorMaker(): Promise<string> {
  return ensureJars(join(PROJECT_ROOT, 'test', 'apps', 'mirror-maker', 'pom.xml'), join(CACHE_DIR, 'kafka', 'mirror-maker'), 'MirrorMaker 2');
}

function properties(a: string, b: string, flows: readonly MirrorFlow[]): string {
  const lines = [
    'clusters = a, b',
    `a.bootstrap.servers = ${a}`,
    `b.bootstrap.servers = ${b}`,
    // One broker per cluster: every internal topic has one replica.
    'replication.factor = 1',
    'checkpoints.topic.replication.factor = 1',
    'heartbeats.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1',
    'offset.storage.replication.factor = 1',
    'status.storage.replication.factor = 1',
    'config.storage.replication.factor = 1',
    'sync.topic.acls.enabled = false',
    'emit.checkpoints.enabled = false',
    'refresh.topics.interval.seconds = 2',
    'sync.topic.configs.enabled = false',
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
  const libs = await ensureMirrorMaker();
  const dir = tempDir('mm2');
  const props = join(dir, 'mm2.properties');
  writeFileSync(props, properties(a, b, flows));
  return startJavaApp({
    name: 'MirrorMaker 2',
    libs,
    mainClass: 'org.apache.kafka.connect.mirror.MirrorMaker',
    args: [props],
    heapMb: 256,
    logFile: join(dir, 'mm2.log'),
    timeoutMs: 120_000,
    ready,
  });
}
