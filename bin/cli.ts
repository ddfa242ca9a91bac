/**
 * streamprobe command line: the same probe as the Lambda, run once or on a schedule, against any Kafka or
 * against a local Apache Kafka broker that it starts itself when --brokers is not given.
 */
import { parseArgs } from 'node:util';
import { type LogLevel, ProbeLogger } from '../lambda/adapters/logger';
import { ENV_FIELD_NAMER_FALLBACK, rawConfigFromEnv } from '../lambda/config/fields';
import { type ProbeConfig, parseConfig, secretsOf } from '../lambda/config/roundtrip';
import { type ConfigField, ENV } from '../lambda/contract';
import { isGood } from '../lambda/core/check-report';
import { SessionTally } from '../lambda/core/roundtrip/session-summary';
import { createRuntime } from '../lambda/runtime';
import {
  CONNECTION_OPTIONS,
  cleanupList,
  connectionFlags,
  connectionUsage,
  durationFlag,
  exitForUsage,
  HelpRequested,
  interruptible,
  logLevelFlag,
  type MetricsTarget,
  metricsPublisher,
  metricsTarget,
  NOT_ON_THE_COMMAND_LINE,
  repeat,
  scheduleFlags,
  screenSink,
  startLocalBroker,
  UsageError,
  version,
  warningsToLog,
} from './cli-common';
import { lagMain } from './lag-cli';
import { loadMain } from './load-cli';
import { pipelineMain } from './pipeline-cli';

const USAGE = `usage: streamprobe run [options]
       streamprobe pipeline --input-topic T --output-topic T [options]   (see streamprobe pipeline --help)
       streamprobe lag --brokers B --group G [options]                  (see streamprobe lag --help)
       streamprobe load --rate 5000/s --duration 60s [options]          (see streamprobe load --help)
       streamprobe --version

Runs the canary probe: one event per partition is produced, read back and reconciled.
Without --brokers, a local Apache Kafka broker is started (and stopped on exit).

  --brokers host:port,...       Kafka bootstrap brokers; IPv6 as [fd00::1]:9092 (env ${ENV.brokers})
  --probe-name NAME             probe name, used in events, metrics and logs (default: local)
  --topic NAME                  canary topic (default: streamprobe-canary)
  --every DURATION              run repeatedly, e.g. 10s; Ctrl-C stops (default: run once)
  --runs N                      with --every: stop after N runs
  --timeout DURATION            budget of one run, reporting included (default: 20s)
  --events-per-partition N      events per partition per run (default: 1)
  --message-bytes N             size of each canary event (default: 256)
  --min-partitions N            partitions wanted (at least one per broker)
  --replication-factor N        for a topic the probe creates (default: min(3, brokers))
  --expected-brokers N          brokers the cluster should have; fewer are reported missing
                                (default: the most seen since the probe started)
${connectionUsage(32)}
  --metrics SINK                none | api | emf | both (default: none; api needs AWS credentials)
  --metrics-endpoint URL        CloudWatch-compatible endpoint for --metrics api (an emulator)
  --namespace NAME              CloudWatch namespace (default: StreamProbe)
  --high-resolution             publish 1-second resolution metrics
  --log-level LEVEL             DEBUG | INFO | WARN | ERROR | SILENT (default: INFO)
  --quiet                       no readable table on stderr, JSON logs only
  -h, --help                    this help

JSON logs go to standard output (every level); the readable table goes to standard error.
Every setting can also come from its STREAMPROBE_* environment variable; flags win.`;

const FLAG_OF: Partial<Record<ConfigField | 'tlsCertPem' | 'tlsKeyPem', string>> = {
  brokers: '--brokers',
  probeName: '--probe-name',
  topic: '--topic',
  runTimeoutMs: '--timeout',
  eventsPerPartition: '--events-per-partition',
  messageBytes: '--message-bytes',
  minPartitions: '--min-partitions',
  replicationFactor: '--replication-factor',
  expectedBrokers: '--expected-brokers',
  auth: '--auth',
  saslUsername: '--username',
  tls: '--tls',
  tlsCaPem: '--tls-ca-file',
  tlsCertPem: '--tls-cert-file',
  tlsKeyPem: '--tls-key-file',
  tlsRejectUnauthorized: '--tls-insecure',
  region: '--region',
  metricsSink: '--metrics',
  metricsNamespace: '--namespace',
  metricsHighResolution: '--high-resolution',
  scramSecretArn: NOT_ON_THE_COMMAND_LINE.scramSecretArn,
};

function nameField(field: string): string {
  const flag = FLAG_OF[field as keyof typeof FLAG_OF];
  const env = ENV[field as ConfigField];
  return flag && env ? `${flag} (${env})` : (flag ?? env ?? ENV_FIELD_NAMER_FALLBACK(field));
}

export { UsageError };

export interface CliOptions {
  readonly raw: Record<string, unknown>;
  readonly everyMs?: number;
  readonly runs?: number;
  readonly quiet: boolean;
  readonly logLevel: LogLevel;
  readonly startLocalBroker: boolean;
  readonly metricsEndpoint?: string;
}

export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      brokers: { type: 'string' },
      'probe-name': { type: 'string' },
      topic: { type: 'string' },
      every: { type: 'string' },
      runs: { type: 'string' },
      timeout: { type: 'string' },
      'events-per-partition': { type: 'string' },
      'message-bytes': { type: 'string' },
      'min-partitions': { type: 'string' },
      'replication-factor': { type: 'string' },
      'expected-brokers': { type: 'string' },
      ...CONNECTION_OPTIONS,
      'log-level': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      metrics: { type: 'string' },
      'metrics-endpoint': { type: 'string' },
      namespace: { type: 'string' },
      'high-resolution': { type: 'boolean' },
    },
  });
  if (values.help) throw new HelpRequested(USAGE);
  if (positionals[0] !== 'run' || positionals.length > 1) throw new UsageError(USAGE);
  const flags: Record<string, unknown> = {
    brokers: values.brokers,
    probeName: values['probe-name'],
    topic: values.topic,
    runTimeoutMs: durationFlag(values.timeout, '--timeout'),
    eventsPerPartition: values['events-per-partition'],
    messageBytes: values['message-bytes'],
    minPartitions: values['min-partitions'],
    replicationFactor: values['replication-factor'],
    expectedBrokers: values['expected-brokers'],
    ...connectionFlags(values, {}),
    metricsSink: values.metrics,
    metricsNamespace: values.namespace,
    metricsHighResolution: values['high-resolution'],
  };
  // Locally the default publishes nowhere, so a first run needs no AWS account.
  const raw: Record<string, unknown> = { probeName: 'local', metricsSink: 'none', ...rawConfigFromEnv(env) };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) raw[k] = v;
  const schedule = scheduleFlags(values.every, values.runs);
  return {
    raw,
    ...schedule,
    quiet: values.quiet ?? false,
    logLevel: logLevelFlag(values['log-level']),
    startLocalBroker: raw.brokers === undefined,
    metricsEndpoint: values['metrics-endpoint'],
  };
}

export function buildConfig(options: CliOptions, brokers?: string): ProbeConfig {
  return parseConfig(brokers ? { ...options.raw, brokers } : options.raw, nameField);
}

async function main(): Promise<number> {
  if (process.argv[2] === '--version' || process.argv[2] === '-V') {
    process.stdout.write(`streamprobe ${version()}\n`);
    return 0;
  }
  if (process.argv[2] === '--help' || process.argv[2] === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.argv[2] === 'pipeline') return pipelineMain(process.argv.slice(3));
  if (process.argv[2] === 'lag') return lagMain(process.argv.slice(3));
  if (process.argv[2] === 'load') return loadMain(process.argv.slice(3));
  let options: CliOptions;
  let metricsTo: MetricsTarget;
  try {
    options = parseCli(process.argv.slice(2), process.env);
    // Every setting fails here, before a local broker is fetched or started (a stand-in takes its place).
    const early = buildConfig(options, options.startLocalBroker ? '127.0.0.1:9092' : undefined);
    metricsTo = metricsTarget({
      sink: early.metricsSink,
      namespace: early.metricsNamespace,
      region: early.region,
      endpoint: options.metricsEndpoint,
      highResolution: early.metricsHighResolution,
    });
  } catch (error) {
    return exitForUsage(error, USAGE);
  }

  const cleanups = cleanupList();
  const session = new SessionTally();
  const sessionStarted = Date.now();
  let summarized = false;
  const summary = () => {
    const line = options.everyMs === undefined || summarized ? undefined : session.format((Date.now() - sessionStarted) / 1000);
    summarized = true;
    if (line) process.stderr.write(`${line}\n`);
  };
  const { stopping } = interruptible(async () => {
    summary();
    await cleanups.run();
  });

  try {
    const brokers = options.startLocalBroker ? await startLocalBroker(cleanups, '--brokers') : undefined;
    const config = buildConfig(options, brokers);
    const logger = new ProbeLogger({ level: options.logLevel, secrets: secretsOf(config) });
    warningsToLog(logger);
    const metrics = metricsPublisher(metricsTo, logger);
    const runtime = createRuntime('roundtrip', { config, logger, sinks: options.quiet ? [metrics] : [metrics, screenSink('\n\n')] });
    cleanups.add(() => runtime.close());

    const healthy = await repeat(
      async () => {
        const report = await runtime.runOnce();
        session.record({ outcome: report.outcome, samples: report.details.samples.endToEnd, lost: report.details.counts.lost });
        return isGood(report);
      },
      { everyMs: options.everyMs, runs: options.runs, stopping },
    );
    summary();
    return healthy ? 0 : 1;
  } catch (error) {
    return exitForUsage(error);
  } finally {
    await cleanups.run();
  }
}

export function runCli(): void {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`streamprobe: ${(error as Error).stack ?? error}\n`);
      process.exit(1);
    },
  );
}

if (require.main === module) runCli();
