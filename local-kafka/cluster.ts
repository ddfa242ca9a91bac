/**
 * A real 3-node Apache Kafka cluster on 127.0.0.1 (KRaft, every node broker and controller, small heaps),
 * for failover tests: nodes can be killed (SIGKILL) or shut down cleanly (SIGTERM), restarted on their data,
 * paused (SIGSTOP) and resumed.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CACHE_DIR,
  ensureKafkaJars,
  freePort,
  type LocalKafkaOptions,
  launchNode,
  newClusterId,
  type Ports,
  prepareNode,
  type RunningNode,
  serverProperties,
} from './broker';

// Three JVMs share two cores: small heaps, the C1 compiler only, a serial collector.
const CLUSTER_JVM = ['-Xms128m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:CICompilerCount=1'];

export interface ClusterNode {
  readonly id: number;
  readonly address: string;
  readonly logFile: string;
  /** SIGKILL: no clean shutdown, as a crashed host. */
  kill(): Promise<void>;
  /** SIGTERM: a clean, controlled shutdown (its leadership moves away first), as a rolling restart does. */
  terminate(): Promise<void>;
  /** Starts the node again on its own data and waits until it is up. */
  restart(): Promise<void>;
  /** SIGSTOP: the process hangs, its sockets stay open. */
  pause(): void;
  resume(): void;
  readonly running: boolean;
  /** Running and not paused: it answers requests. */
  readonly answering: boolean;
}

export interface LocalKafkaCluster {
  readonly nodes: readonly ClusterNode[];
  /** Every node's address, comma separated. */
  readonly bootstrap: string;
  node(id: number): ClusterNode;
  stop(): Promise<void>;
}

export async function startLocalKafkaCluster(options: LocalKafkaOptions & { size?: number } = {}): Promise<LocalKafkaCluster> {
  const size = options.size ?? 3;
  const libs = await ensureKafkaJars();
  mkdirSync(join(CACHE_DIR, 'run'), { recursive: true });
  const root = mkdtempSync(join(CACHE_DIR, 'run', 'cluster-'));
  const ports: Ports[] = [];
  for (let i = 0; i < size; i++) ports.push({ plaintext: await freePort(), controller: await freePort() });
  const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p.controller}`).join(',');
  const clusterId = newClusterId();

  const prepared = ports.map((p, i) => {
    const dataDir = join(root, `node-${i + 1}`);
    mkdirSync(dataDir, { recursive: true });
    const place = { id: i + 1, voters, replication: Math.min(3, size) };
    return { dataDir, ports: p, node: prepareNode(libs, dataDir, serverProperties(dataDir, p, options, undefined, place), clusterId, CLUSTER_JVM) };
  });
  const running: Array<RunningNode | undefined> = [];
  const paused = new Set<number>();
  // A KRaft quorum needs a majority up before any node reports itself started: launch them together.
  const launched = await Promise.allSettled(
    prepared.map((n) => launchNode(libs, n.node, n.ports.plaintext, join(n.dataDir, 'kafka.log'), options.startTimeoutMs ?? 120_000)),
  );
  for (const [i, r] of launched.entries()) running[i] = r.status === 'fulfilled' ? r.value : undefined;
  const failed = launched.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  if (failed) {
    await Promise.all(running.map((n) => n?.stop()));
    throw failed.reason;
  }

  const nodes: ClusterNode[] = prepared.map((n, i) => ({
    id: i + 1,
    address: `127.0.0.1:${n.ports.plaintext}`,
    logFile: join(n.dataDir, 'kafka.log'),
    get running() {
      const c = running[i]?.child;
      return c !== undefined && c.exitCode === null && c.signalCode === null;
    },
    get answering() {
      return this.running && !paused.has(i);
    },
    async kill() {
      const node = running[i];
      if (!node) return;
      node.child.kill('SIGKILL');
      await node.exited;
      running[i] = undefined;
    },
    async terminate() {
      const node = running[i];
      if (!node) return;
      await node.stop(120_000);
      running[i] = undefined;
    },
    async restart() {
      if (running[i]) throw new Error(`node ${i + 1} is still running`);
      running[i] = await launchNode(libs, n.node, n.ports.plaintext, join(n.dataDir, 'kafka.log'), 120_000);
    },
    pause() {
      running[i]?.child.kill('SIGSTOP');
      paused.add(i);
    },
    resume() {
      running[i]?.child.kill('SIGCONT');
      paused.delete(i);
    },
  }));

  return {
    nodes,
    bootstrap: nodes.map((n) => n.address).join(','),
    node: (id) => nodes[id - 1]!,
    async stop() {
      await Promise.all(running.map((n) => n?.stop()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
