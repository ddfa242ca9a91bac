/**
 * Apache Kafka's own WordCountDemo (kafka-streams-examples, from Maven Central) as a real streaming
 * application under test: it reads lines from streams-plaintext-input and writes (word, count) to
 * streams-wordcount-output, so a canary id in a line comes out as a record key.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, ensureJars, PROJECT_ROOT } from '../../local-kafka/broker';
import { tempDir } from './cdk';
import { type RunningApp, startJavaApp } from './java-app';

export type { RunningApp };

export const WORDCOUNT_INPUT = 'streams-plaintext-input';
export const WORDCOUNT_OUTPUT = 'streams-wordcount-output';

export function ensureStreamsApp(): Promise<string> {
  return ensureJars(
    join(PROJECT_ROOT, 'test', 'apps', 'streams-app', 'pom.xml'),
    join(CACHE_DIR, 'kafka', 'streams-app'),
    'the Kafka Streams example application',
  );
}

export interface WordCountOptions {
  readonly applicationId: string;
  readonly compression?: string;
  /** exactly_once_v2: outputs written in transactions, as exactly-once applications in production write them. */
  readonly processingGuarantee?: 'at_least_once' | 'exactly_once_v2';
}

export async function startWordCount(brokers: string, options: WordCountOptions): Promise<RunningApp> {
  const libs = await ensureStreamsApp();
  const dir = tempDir('wordcount');
  const props = join(dir, 'app.properties');
  writeFileSync(
    props,
    [
      `bootstrap.servers=${brokers}`,
      `application.id=${options.applicationId}`,
      `state.dir=${join(dir, 'state')}`,
      'commit.interval.ms=100',
      // Output batches as stream applications often write them.
      ...(options.compression ? [`producer.compression.type=${options.compression}`] : []),
      ...(options.processingGuarantee ? [`processing.guarantee=${options.processingGuarantee}`] : []),
      // A killed instance's partitions move to its successor in seconds, not the default 45.
      'consumer.session.timeout.ms=6000',
    ].join('\n'),
  );
  const logFile = join(dir, 'app.log');
  return startJavaApp({
    name: 'WordCountDemo',
    libs,
    mainClass: 'org.apache.kafka.streams.examples.wordcount.WordCountDemo',
    args: [props],
    heapMb: 192,
    logFile,
    timeoutMs: 60_000,
    ready: async () => existsSync(logFile) && /State transition from REBALANCING to RUNNING/.test(readFileSync(logFile, 'utf8')),
  });
}
