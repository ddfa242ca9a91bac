/** Helpers for tests against the real local broker: unique names, configs, raw clients, captured logs. */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ProbeLogger } from '../../lambda/adapters/logger';
import { type ProbeConfig, parseConfig } from '../../lambda/config/roundtrip';
import { type CheckRuntime, createRuntime } from '../../lambda/runtime';

export const SCRAM_USER = { username: 'probe-user', password: 'scram-Pa55word-do-not-log' } as const;

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function probeConfig(brokers: string, overrides: Record<string, unknown> = {}): ProbeConfig {
  return parseConfig({ probeName: uniqueName('t'), brokers, topic: uniqueName('canary'), runTimeoutMs: 8000, ...overrides });
}

export function rawKafka(brokers: string): Kafka {
  return new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, clientId: 'test-helper' });
}

/** A topic with `numPartitions` partitions, its leaders elected before this returns. */
export async function createTopic(brokers: string, topic: string, numPartitions = 1): Promise<void> {
  const admin = rawKafka(brokers).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  await admin.disconnect();
}

/** Collects every line written to stdout and stderr while active (instead of printing it); JSON lines are parsed. */
export class CapturedOutput {
  readonly lines: string[] = [];
  private restore: Array<() => void> = [];
  constructor(private readonly echo = process.env.TEST_ECHO_LOGS === '1') {}

  start(): this {
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        this.lines.push(...String(chunk).split('\n').filter(Boolean));
        return this.echo ? (original as (...a: unknown[]) => boolean)(chunk, ...rest) : true;
      }) as typeof stream.write;
      this.restore.push(() => (stream.write = original as typeof stream.write));
    }
    return this;
  }

  stop(): void {
    for (const r of this.restore) r();
    this.restore = [];
  }

  get json(): Array<Record<string, unknown>> {
    return this.lines.flatMap((l) => {
      try {
        const v = JSON.parse(l);
        return v && typeof v === 'object' ? [v as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
  }

  events(kind: string): Array<Record<string, unknown>> {
    return this.json.filter((l) => l.event === kind);
  }

  get text(): string {
    return this.lines.join('\n');
  }
}

/** A runtime whose logs are captured; always closed afterwards. */
export async function withRuntime<T>(
  config: ProbeConfig,
  body: (runtime: CheckRuntime<'roundtrip'>, output: CapturedOutput) => Promise<T>,
  make: (config: ProbeConfig, logger: ProbeLogger) => CheckRuntime<'roundtrip'> = (c, logger) => createRuntime('roundtrip', { config: c, logger }),
): Promise<T> {
  const output = new CapturedOutput().start();
  const runtime = make(config, new ProbeLogger({ level: 'INFO' }));
  try {
    return await body(runtime, output);
  } finally {
    output.stop();
    await runtime.close();
  }
}
