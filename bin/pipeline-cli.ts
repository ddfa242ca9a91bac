/**
 * streamprobe pipeline: canaries through your own streaming application, input topic to output topic,
 * once or on a schedule, with the same JSON logs as the Lambda and a readable line per run.
 */
import { parseArgs } from 'node:util';
import { logLevel as kafkaLogLevel } from 'kafkajs';
import { createKafka } from '../lambda/adapters/kafka/client';
import { ProbeLogger } from '../lambda/adapters/logger';
import { connectionSecrets } from '../lambda/config/fields';
import { parsePipelineConfig } from '../lambda/config/pipeline';
import { isGood } from '../lambda/core/check-report';
import { createRuntime } from '../lambda/runtime';
import {
  CLI_SINKS,
  CONNECTION_FLAG_OF,
  CONNECTION_OPTIONS,
  cleanupList,
  connectionFlags,
  connectionUsage,
  durationFlag,
  exitForUsage,
  interruptible,
  logLevelFlag,
  metricsPublisher,
  metricsTarget,
  OUTPUT_CONNECTION_FLAG_OF,
  OUTPUT_CONNECTION_OPTIONS,
  OUTPUT_CONNECTION_USAGE,
  outputConnectionFlags,
  repeat,
  repeatUsage,
  scheduleFlags,
  screenSink,
  startLocalBroker,
  UsageError,
  warningsToLog,
} from './cli-common';

export const PIPELINE_USAGE = `usage: streamprobe pipeline --input-topic T --output-topic T [options]

Sends canaries into your application's input topic and finds them in its output topic: latency, loss,
duplicates, late canaries. Without --input-brokers, a local Apache Kafka broker is started.

  --input-brokers host:port,...   cluster of the input topic
  --input-topic NAME              where canaries go in (required)
  --output-brokers host:port,...  cluster of the output topic (default: the input's)
  --output-topic NAME             where they come out (required)
  --name NAME                     pipeline name, in logs and the output group (default: local)
  --value-template TEXT           canary value; placeholders {{id}}, {{sentAtMs}}, {{sentAtIso}}, {{pipeline}}
                                  (default: {"canary":"{{id}}","sentAt":"{{sentAtIso}}"})
  --key-template TEXT             canary key (default: none)
  --header NAME=TEXT              an extra canary header, placeholders allowed (repeatable)
  --match RULE                    where the id is in the output: header (default), header:NAME, key,
                                  jsonpath:$.path, regex:PATTERN-WITH-ONE-CAPTURE-GROUP
  --expect-outputs N              outputs per canary: 1 (default), N for fan-out, 0 if it must be filtered out
  --deadline DURATION             how long the application may take (default: 60s)
  --canaries N                    canaries per run (default: 1)
  --timeout DURATION              budget of one run (default: 20s)
${connectionUsage(34)}
${OUTPUT_CONNECTION_USAGE}
${repeatUsage(34, 'run', 'Pipeline')}`;

const FLAG_OF: Record<string, string> = {
  ...CONNECTION_FLAG_OF,
  ...OUTPUT_CONNECTION_FLAG_OF,
  pipelineName: '--name',
  inputBrokers: '--input-brokers',
  inputTopic: '--input-topic',
  outputBrokers: '--output-brokers',
  outputTopic: '--output-topic',
  valueTemplate: '--value-template',
  keyTemplate: '--key-template',
  match: '--match',
  expectOutputs: '--expect-outputs',
  headers: '--header',
  deadlineMs: '--deadline',
  canariesPerRun: '--canaries',
  runTimeoutMs: '--timeout',
};

/** --header NAME=TEXT, repeatable, into the headers setting. */
function headerFlags(flags: readonly string[] | undefined): Record<string, string> | undefined {
  if (!flags?.length) return undefined;
  return Object.fromEntries(
    flags.map((f) => {
      const at = f.indexOf('=');
      if (at < 1) throw new UsageError(`--header: "${f}" is not NAME=TEXT`);
      return [f.slice(0, at), f.slice(at + 1)];
    }),
  );
}

export async function pipelineMain(argv: readonly string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: Object.fromEntries([
        ...[
          'input-brokers',
          'input-topic',
          'output-brokers',
          'output-topic',
          'name',
          'value-template',
          'key-template',
          'match',
          'expect-outputs',
          'deadline',
          'canaries',
          'timeout',
          'every',
          'runs',
          'log-level',
          'metrics',
          'namespace',
          'metrics-endpoint',
        ].map((k) => [k, { type: 'string' as const }]),
        ...Object.entries(CONNECTION_OPTIONS),
        ...Object.entries(OUTPUT_CONNECTION_OPTIONS),
        ['header', { type: 'string' as const, multiple: true }],
        ['quiet', { type: 'boolean' as const }],
        ['help', { type: 'boolean' as const, short: 'h' }],
      ]),
    }) as { values: Record<string, string | boolean | undefined> });
  } catch (error) {
    return exitForUsage(error, PIPELINE_USAGE);
  }
  if (values.help) {
    process.stdout.write(`${PIPELINE_USAGE}\n`);
    return 0;
  }
  const cleanups = cleanupList();
  const { stopping } = interruptible(() => cleanups.run());
  try {
    const str = (k: string) => values[k] as string | undefined;
    const raw: Record<string, unknown> = {
      pipelineName: str('name') ?? 'local',
      inputBrokers: str('input-brokers'),
      inputTopic: str('input-topic'),
      outputBrokers: str('output-brokers'),
      outputTopic: str('output-topic'),
      valueTemplate: str('value-template'),
      keyTemplate: str('key-template'),
      headers: headerFlags(values.header as unknown as string[] | undefined),
      match: str('match'),
      expectOutputs: str('expect-outputs'),
      deadlineMs: durationFlag(str('deadline'), '--deadline'),
      canariesPerRun: str('canaries'),
      runTimeoutMs: durationFlag(str('timeout'), '--timeout'),
      ...connectionFlags(values, process.env),
      ...outputConnectionFlags(values, process.env),
      metricsSink: 'none',
    };
    for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
    const { everyMs, runs } = scheduleFlags(str('every'), str('runs'));
    const name = (f: string) => FLAG_OF[f] ?? f;
    // Bad settings fail before a local broker is started.
    parsePipelineConfig({ inputBrokers: '127.0.0.1:9092', ...raw }, name);
    const logLevel = logLevelFlag(str('log-level'));
    const metricsTo = metricsTarget({ sink: str('metrics'), namespace: str('namespace'), region: str('region'), endpoint: str('metrics-endpoint') }, CLI_SINKS);
    if (raw.inputBrokers === undefined) {
      const brokers = await startLocalBroker(cleanups, '--input-brokers');
      raw.inputBrokers = brokers;
      await createTopics(brokers, [...new Set([raw.inputTopic as string, raw.outputTopic as string])]);
      process.stderr.write(
        raw.inputTopic === raw.outputTopic
          ? `input and output are one topic: each canary is its own output (an identity pipeline)\n`
          : `no application reads ${String(raw.inputTopic)} there, so canaries will be reported lost after the deadline\n`,
      );
    }
    const config = parsePipelineConfig(raw, name);
    const logger = new ProbeLogger({ level: logLevel, secrets: [...connectionSecrets(config.input), ...connectionSecrets(config.output)] });
    warningsToLog(logger);
    const metrics = metricsPublisher(metricsTo, logger);
    const runtime = createRuntime('pipeline', { config, logger, sinks: values.quiet ? [metrics] : [metrics, screenSink()] });
    cleanups.add(() => runtime.close());
    const healthy = await repeat(async () => isGood(await runtime.runOnce()), { everyMs, runs, stopping });
    return healthy ? 0 : 1;
  } catch (error) {
    return exitForUsage(error);
  } finally {
    await cleanups.run();
  }
}

async function createTopics(brokers: string, topics: string[]): Promise<void> {
  const admin = createKafka({ brokers: [brokers], logLevel: kafkaLogLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: topics.map((topic) => ({ topic })), waitForLeaders: true });
  await admin.disconnect();
}
