/**
 * Apache Kafka's own WordCountDemo (kafka-streams-examples, from Maven Central) as a real streaming
 * application under test: it reads lines from streams-plaintext-input and writes (word, count) to
 * streams-wordcount-output, so a canary id in a line comes out as a record key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, PROJECT_ROOT, ensureJars } from '../../scripts/local-kafka';
import { tempDir } from './cdk';

export const WORDCOUNT_INPUT = 'streams-plaintext-input';
export const WORDCOUNT_OUTPUT = 'streams-wordcount-output';

export interface RunningApp {
  readonly logFile: string;
  /** SIGKILL: the application is gone, as after a crash. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
}

export function ensureStreamsApp(): string {
  return ensureJars(join(PROJECT_ROOT, 'scripts', 'kafka', 'streams-app', 'pom.xml'), join(CACHE_DIR, 'kafka', 'streams-app'), 'the Kafka Streams example application');
}

export async function startWordCount(brokers: string, options: { applicationId: string; compression?: string }): Promise<RunningApp> {
  const libs = ensureStreamsApp();
  const dir = tempDir('wordcount');
  const props = join(dir, 'app.properties');
  writeFileSync(props, [
    `bootstrap.servers=${brokers}`,
    `application.id=${options.applicationId}`,
    `state.dir=${join(dir, 'state')}`,
    'commit.interval.ms=100',
    // Output batches as stream applications often write them.
    ...(options.compression ? [`producer.compression.type=${options.compression}`] : []),
  ].join('\n'));
  const logFile = join(dir, 'app.log');
  const out = createWriteStream(logFile);
  await new Promise((r) => out.once('open', r));
  const child: ChildProcess = spawn('java', ['-Xmx192m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', `${libs}/*`,
    'org.apache.kafka.streams.examples.wordcount.WordCountDemo', props], { stdio: ['ignore', out, out] });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 60_000;
  while (!(existsSync(logFile) && /State transition from REBALANCING to RUNNING/.test(readFileSync(logFile, 'utf8')))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`WordCountDemo did not reach RUNNING: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
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
