/**
 * Starts a real Apache Kafka broker (KRaft, single node, 127.0.0.1) from the jars on Maven Central.
 * Used by the CLI when no --brokers is given, by the integration tests and by the benchmarks.
 * Listeners: PLAINTEXT always; SSL (client certificate required) and SASL_PLAINTEXT (SCRAM) on request.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { ProgressLine } from './download-progress';
import { cacheDir, PACKAGE_ROOT } from './package-paths';
import { makeTlsMaterial, type TlsMaterial } from './tls-material';

export const PROJECT_ROOT = PACKAGE_ROOT;
export const CACHE_DIR = cacheDir();
const KAFKA_LIBS = join(CACHE_DIR, 'kafka', 'libs');
const POM = join(PROJECT_ROOT, 'local-kafka', 'pom.xml');

export interface ScramUser {
  readonly username: string;
  readonly password: string;
}

export interface LocalKafkaOptions {
  /** Kafka's `group.initial.rebalance.delay.ms`; managed clusters keep the default 3000. */
  readonly initialRebalanceDelayMs?: number;
  readonly tls?: boolean;
  readonly scramUsers?: readonly ScramUser[];
  /** Where the broker's own log goes; defaults to a file in its data folder. */
  readonly logFile?: string;
  readonly startTimeoutMs?: number;
}

export interface LocalKafka {
  readonly plaintext: string;
  readonly ssl?: string;
  readonly sasl?: string;
  readonly tls?: TlsMaterial;
  readonly dataDir: string;
  readonly logFile: string;
  /** The broker JVM's process id. */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Fetches the broker jars once into the cache's kafka/libs; later calls only check a stamp. */
export function ensureKafkaJars(): Promise<string> {
  return ensureJars(POM, KAFKA_LIBS, 'Apache Kafka jars');
}

/** The broker jars, once a broker was started (which fetched them): for Kafka's own tools beside it. */
export function kafkaLibs(): string {
  if (!jarsFetched(POM, KAFKA_LIBS)) throw new Error('the Apache Kafka jars are not fetched yet: start a local broker first');
  return KAFKA_LIBS;
}

function jarsFetched(pomFile: string, dir: string): boolean {
  const stamp = join(dir, '.pom-stamp');
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === readFileSync(pomFile, 'utf8');
}

/**
 * Fetches the jars a pom lists (with their dependencies) into `dir` once, with Maven, showing progress on
 * `out`; later calls only check a stamp. Maven's own output is kept off standard output (which may be a
 * JSON log) and shown only when the fetch fails.
 */
export async function ensureJars(pomFile: string, dir: string, what: string, out: NodeJS.WriteStream = process.stderr): Promise<string> {
  if (jarsFetched(pomFile, dir)) return dir;
  const pom = readFileSync(pomFile, 'utf8');
  const expectedMb = /<streamprobe\.cold-fetch-mb>(\d+)</.exec(pom)?.[1];
  out.write(`fetching ${what} from Maven Central into ${dir} (first run only)\n`);
  mkdirSync(dir, { recursive: true });
  const progress = new ProgressLine(what, out, expectedMb ? Number(expectedMb) * 1e6 : undefined);
  const mvn = spawn(
    'mvn',
    [
      '-B',
      '-Dstyle.color=never',
      '-f',
      pomFile,
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${dir}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      progress.line(line);
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };
  mvn.stdout.on('data', keep);
  mvn.stderr.on('data', keep);
  const code = await new Promise<number | null>((ok, fail) => {
    mvn.on('error', (e: NodeJS.ErrnoException) =>
      fail(e.code === 'ENOENT' ? new Error(`fetching ${what} needs Maven (mvn) on the PATH, with Java 17+; or give --brokers to use your own Kafka`) : e),
    );
    mvn.on('exit', ok);
  });
  progress.done();
  if (code !== 0) throw new Error(`fetching ${what} failed (mvn exit ${code}):\n${tail.join('\n')}`);
  writeFileSync(join(dir, '.pom-stamp'), pom);
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port'))));
    });
  });
}

function java(classpath: string, args: string[], extraJvm: string[] = []): string[] {
  return [...extraJvm, '-cp', `${classpath}/*`, ...args];
}

const LOG4J_PROPERTIES = [
  'status = error',
  'appender.out.type = Console',
  'appender.out.name = out',
  'appender.out.layout.type = PatternLayout',
  'appender.out.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = WARN',
  'rootLogger.appenderRef.out.ref = out',
  'logger.server.name = kafka.server.KafkaRaftServer',
  'logger.server.level = INFO',
].join('\n');

export interface Ports {
  plaintext: number;
  controller: number;
  ssl?: number;
  sasl?: number;
}

/** A node's place in its cluster: its id, every controller (id@host:port), and the internal topics' replication. */
export interface NodePlace {
  readonly id: number;
  readonly voters: string;
  readonly replication: number;
}

export function serverProperties(dataDir: string, ports: Ports, options: LocalKafkaOptions, tls?: TlsMaterial, place?: NodePlace): string {
  const node = place ?? { id: 1, voters: `1@127.0.0.1:${ports.controller}`, replication: 1 };
  const minIsr = Math.min(2, node.replication);
  const listeners = [`PLAINTEXT://127.0.0.1:${ports.plaintext}`, `CONTROLLER://127.0.0.1:${ports.controller}`];
  const advertised = [`PLAINTEXT://127.0.0.1:${ports.plaintext}`];
  const lines = [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${node.voters}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${join(dataDir, 'logs')}`,
    'num.partitions=1',
    `offsets.topic.replication.factor=${node.replication}`,
    'offsets.topic.num.partitions=4',
    `transaction.state.log.replication.factor=${node.replication}`,
    `transaction.state.log.min.isr=${minIsr}`,
    `share.coordinator.state.topic.replication.factor=${node.replication}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    `group.initial.rebalance.delay.ms=${options.initialRebalanceDelayMs ?? 3000}`,
    'auto.create.topics.enable=false',
    'log.segment.bytes=16777216',
  ];
  if (ports.ssl && tls) {
    listeners.push(`SSL://127.0.0.1:${ports.ssl}`);
    advertised.push(`SSL://127.0.0.1:${ports.ssl}`);
    lines.push(
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${tls.brokerKeystore}`,
      `ssl.keystore.password=${tls.keystorePassword}`,
      `ssl.key.password=${tls.keystorePassword}`,
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${tls.caCertFile}`,
      'ssl.client.auth=required',
      'ssl.endpoint.identification.algorithm=',
    );
  }
  if (ports.sasl) {
    listeners.push(`SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`);
    advertised.push(`SASL_PLAINTEXT://127.0.0.1:${ports.sasl}`);
    lines.push('sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512');
    for (const mechanism of ['scram-sha-256', 'scram-sha-512']) {
      lines.push(`listener.name.sasl_plaintext.${mechanism}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`);
    }
  }
  lines.push(`listeners=${listeners.join(',')}`, `advertised.listeners=${advertised.join(',')}`);
  return `${lines.join('\n')}\n`;
}

async function waitForPort(port: number, child: ChildProcess, deadline: number, logFile: string): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`Kafka exited with code ${child.exitCode} during start-up; see ${logFile}`);
    }
    const open = await new Promise<boolean>((ok) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        ok(true);
      });
      socket.once('error', () => ok(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Kafka did not open port ${port} in time; see ${logFile}`);
}

/** Waits for one more "Kafka Server started" line than the log held before (a restart appends to it). */
async function waitForStartedLine(logFile: string, child: ChildProcess, deadline: number, before = 0): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Kafka exited with code ${child.exitCode}; see ${logFile}`);
    if (existsSync(logFile) && readFileSync(logFile, 'utf8').split('Kafka Server started').length - 1 > before) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`Kafka did not report "Kafka Server started" in time; see ${logFile}`);
}

export const NODE_JVM = ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];

/** Writes a node's configuration and formats its storage; returns what `launchNode` needs. */
export function prepareNode(
  libs: string,
  dataDir: string,
  properties: string,
  clusterId: string,
  jvm: readonly string[],
  extraFormatArgs: readonly string[] = [],
) {
  const propsFile = join(dataDir, 'server.properties');
  writeFileSync(propsFile, properties);
  const log4jFile = join(dataDir, 'log4j2.properties');
  writeFileSync(log4jFile, LOG4J_PROPERTIES);
  const nodeJvm = [...jvm, `-Dlog4j2.configurationFile=${log4jFile}`];
  const format = spawnSync('java', java(libs, ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, ...extraFormatArgs], nodeJvm), {
    encoding: 'utf8',
  });
  if (format.status !== 0) throw new Error(`formatting Kafka storage failed: ${format.stderr || format.stdout}`);
  return { propsFile, jvm: nodeJvm };
}

export function newClusterId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 22);
}

export interface RunningNode {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The broker goes when this process goes, even on kill -9 (no exit handler runs then): a detached shell
 * polls this process and stops the JVM once it is gone, continuing it first in case it was paused.
 */
function dieWithParent(jvmPid: number): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -CONT ${jvmPid} 2>/dev/null; kill -TERM ${jvmPid} 2>/dev/null; sleep 10; kill -KILL ${jvmPid} 2>/dev/null`;
  const watchdog = spawn('sh', ['-c', script], { stdio: 'ignore', detached: true });
  watchdog.unref();
  return watchdog;
}

/** Starts a formatted node and waits until it says "Kafka Server started" (appending to its log file). */
export async function launchNode(
  libs: string,
  node: { propsFile: string; jvm: readonly string[] },
  port: number,
  logFile: string,
  startTimeoutMs = 90_000,
): Promise<RunningNode> {
  const out = createWriteStream(logFile, { flags: 'a' });
  await new Promise((r) => out.once('open', r));
  const startedLines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('Kafka Server started').length - 1 : 0;
  // Its own process group: a Ctrl-C in the terminal reaches the command, which stops the broker after its
  // run, instead of reaching the broker mid-run (and the watchdog still stops it if the command dies).
  const child = spawn('java', java(libs, ['kafka.Kafka', node.propsFile], [...node.jvm]), { stdio: ['ignore', out, out], detached: true });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const watchdog = dieWithParent(child.pid!);
  void exited.then(() => {
    out.close();
    watchdog.kill('SIGKILL');
  });
  const deadline = Date.now() + startTimeoutMs;
  try {
    await waitForPort(port, child, deadline, logFile);
    await waitForStartedLine(logFile, child, deadline, startedLines);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000) =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT'); // a paused node cannot act on SIGTERM
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    })());
  return { child, exited, stop };
}

export async function startLocalKafka(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
  const libs = await ensureKafkaJars();
  mkdirSync(join(CACHE_DIR, 'run'), { recursive: true });
  const dataDir = mkdtempSync(join(CACHE_DIR, 'run', 'kafka-'));
  const ports: Ports = { plaintext: await freePort(), controller: await freePort() };
  if (options.tls) ports.ssl = await freePort();
  if (options.scramUsers?.length) ports.sasl = await freePort();
  const tls = options.tls ? makeTlsMaterial(join(dataDir, 'tls')) : undefined;

  const scram = (options.scramUsers ?? []).flatMap((u) =>
    ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.username},password=${u.password}]`]),
  );
  const node = prepareNode(libs, dataDir, serverProperties(dataDir, ports, options, tls), newClusterId(), NODE_JVM, scram);
  const logFile = options.logFile ?? join(dataDir, 'kafka.log');
  const running = await launchNode(libs, node, ports.plaintext, logFile, options.startTimeoutMs);

  // Its data is thrown away: no need to wait out a controlled shutdown, so the command exits promptly.
  const stop = async (): Promise<void> => {
    await running.stop(2000);
    rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    plaintext: `127.0.0.1:${ports.plaintext}`,
    ssl: ports.ssl ? `127.0.0.1:${ports.ssl}` : undefined,
    sasl: ports.sasl ? `127.0.0.1:${ports.sasl}` : undefined,
    tls,
    dataDir,
    logFile,
    pid: running.child.pid!,
    stop,
  };
}
