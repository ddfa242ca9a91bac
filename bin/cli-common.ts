/** What the CLI's commands share: the schedule of runs and how a bad invocation ends. */
import { readFileSync } from 'node:fs';
import { CloudWatchPublisher, type ReportSink } from '../lambda/adapters/cloudwatch';
import type { LogLevel, ProbeLogger } from '../lambda/adapters/logger';
import { ConfigError } from '../lambda/config/fields';
import { DEFAULT_NAMESPACE, ENV, METRIC_SINKS, type MetricSink, PIPELINE_ENV } from '../lambda/contract';
import { screenOf } from '../lambda/core/serializers';

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

/** --log-level, checked: a typo must not quietly log at another level. */
export function logLevelFlag(value: string | undefined): LogLevel {
  const level = (value ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level: "${value}" is not one of ${LOG_LEVELS.join(', ')}`);
  return level as LogLevel;
}

/** Where a command's metrics go: checked together before anything starts. */
export interface MetricsTarget {
  readonly sink: MetricSink;
  readonly namespace: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly highResolution?: boolean;
}

/**
 * The metrics flags, checked: a sink that calls the API needs a region (or an emulator endpoint, which
 * gets a stand-in region). `sink` may come from a setting already parsed (the canary's configuration).
 */
export function metricsTarget(
  m: { sink?: string; namespace?: string; region?: string; endpoint?: string; highResolution?: boolean },
  sinks: readonly MetricSink[] = METRIC_SINKS,
): MetricsTarget {
  const sink = m.sink ?? 'none';
  if (!(sinks as readonly string[]).includes(sink)) throw new UsageError(`--metrics: "${sink}" is not one of ${sinks.join(', ')}`);
  const region = m.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (m.endpoint ? 'us-east-1' : undefined);
  if ((sink === 'api' || sink === 'both') && !region) throw new UsageError(`--metrics ${sink}: needs a region (--region or AWS_REGION) or --metrics-endpoint`);
  return { sink: sink as MetricSink, namespace: m.namespace ?? DEFAULT_NAMESPACE, region, endpoint: m.endpoint, highResolution: m.highResolution };
}

/** The sinks the pipeline and lag commands offer (the canary's also has `both`, from its configuration). */
export const CLI_SINKS: readonly MetricSink[] = ['api', 'emf', 'none'];

export function metricsPublisher(t: MetricsTarget, logger: ProbeLogger): CloudWatchPublisher {
  return new CloudWatchPublisher({ ...t, logger });
}

/** The readable form of every report on standard error (JSON logs keep standard output), each followed by `after`. */
export function screenSink(after = '\n'): ReportSink {
  return {
    async publish(report) {
      process.stderr.write(`${screenOf(report)}${after}`);
    },
  };
}

const usageLines = (column: number, lines: ReadonlyArray<[string, string]>) => lines.map(([flag, text]) => `  ${flag.padEnd(column - 2)}${text}`).join('\n');

/** The help lines of the metrics, logging and help flags every command shares; `screen` is what --quiet hides. */
export function reportingUsage(column: number, dimension: string, screen: string): string {
  return usageLines(column, [
    ['--metrics SINK', `api | emf | none (default: none); dimension ${dimension}`],
    ['--namespace NAME', 'CloudWatch namespace (default: StreamProbe)'],
    ['--metrics-endpoint URL', 'CloudWatch-compatible endpoint for --metrics api (an emulator)'],
    ['--log-level LEVEL', `${LOG_LEVELS.join(' | ')} (default: INFO)`],
    ['--quiet', `no ${screen} on stderr, JSON logs only`],
    ['-h, --help', 'this help'],
  ]);
}

/** The help lines every repeating command shares, aligned at `column`; `noun` is what one repetition is. */
export function repeatUsage(column: number, noun: 'run' | 'check', dimension: string): string {
  return `${usageLines(column, [
    ['--every DURATION', `${noun} repeatedly; Ctrl-C stops after the ${noun} in progress (default: once)`],
    ['--runs N', `with --every: stop after N ${noun}s`],
  ])}\n${reportingUsage(column, dimension, `readable ${noun === 'run' ? 'line' : 'table'}`)}`;
}

import { sleep } from '../lambda/adapters/deadline';
import { parseDuration } from '../lambda/core/duration';
import { startLocalKafka } from '../local-kafka/broker';
import { PACKAGE_VERSION } from '../local-kafka/package-paths';

export class UsageError extends Error {}

/** --help: the usage on standard output, exit 0 (it is what was asked for, not a mistake). */
export class HelpRequested extends Error {}

/** The package's version, for --version. */
export function version(): string {
  return PACKAGE_VERSION;
}

/** A duration flag (500ms, 10s, 2m); undefined when not given, a usage error naming the flag when bad. */
export function durationFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    const hint = /^\s*\d+(\.\d+)?\s*$/.test(value) ? ` (a unit is required: ${value.trim()}s or ${value.trim()}ms?)` : '';
    throw new UsageError(`${flag}: "${value}" is not a duration such as 500ms, 10s or 2m${hint}`);
  }
  return ms;
}

/**
 * Exit code 2 and the message for bad usage or configuration: an unknown flag with the nearest one in
 * `usage`, another parse error followed by `usage` when given; anything else is not ours to explain.
 */
export function exitForUsage(error: unknown, usage?: string): number {
  if (error instanceof HelpRequested) {
    process.stdout.write(`${error.message}\n`);
    return 0;
  }
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const unknown = /'(-[^']*)'/.exec((error as Error).message)?.[1] ?? '';
    const near = usage ? closestFlag(unknown, usage) : undefined;
    process.stderr.write(`unknown option ${unknown}${near ? `: did you mean ${near}?` : ''} (--help lists every option)\n`);
    return 2;
  }
  if (code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`${(error as Error).message}\n${usage ? `\n${usage}\n` : ''}`);
    return 2;
  }
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  throw error;
}

/**
 * The usage's flag nearest to a mistyped one (--metrics for --metrics-sink, --brokers for --broker), if
 * any is near enough to be a likely meaning: at most a third of the longer name differs.
 */
export function closestFlag(typed: string, usage: string): string | undefined {
  const flags = [...new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? [])];
  // A config field's name spelled as a flag (--metrics-sink for metricsSink) extends the real flag.
  const extended = flags.filter((f) => typed.startsWith(`${f}-`)).sort((a, b) => b.length - a.length)[0];
  if (extended) return extended;
  let best: { flag: string; distance: number } | undefined;
  for (const flag of flags) {
    const distance = editDistance(typed, flag);
    if (distance <= Math.max(typed.length, flag.length) / 3 && (!best || distance < best.distance)) best = { flag, distance };
  }
  return best?.flag;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** --every and --runs together: --runs alone would be silently ignored, so it is an error. */
export function scheduleFlags(every: string | undefined, runs: string | undefined): { everyMs?: number; runs?: number } {
  const everyMs = durationFlag(every, '--every');
  if (runs === undefined) return { everyMs };
  const n = Number(runs);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--runs: "${runs}" is not a whole number of at least 1`);
  if (everyMs === undefined) throw new UsageError('--runs needs --every (without it there is one run)');
  return { everyMs, runs: n };
}

/** Runs once, or every interval until a run limit or Ctrl-C; returns whether the last run was healthy. */
export interface Schedule {
  readonly everyMs?: number;
  readonly runs?: number;
  readonly stopping: () => boolean;
}

export async function repeat(runOnce: () => Promise<boolean>, s: Schedule): Promise<boolean> {
  let healthy = true;
  for (let n = 1; !s.stopping(); n++) {
    const started = Date.now();
    healthy = await runOnce();
    if (s.everyMs === undefined || (s.runs !== undefined && n >= s.runs)) break;
    for (const until = started + s.everyMs; !s.stopping() && Date.now() < until; ) await sleep(Math.min(200, until - Date.now()));
  }
  return healthy;
}

export function readPem(file: string | undefined, flag: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** The flags that say how to reach a cluster, shared by run, pipeline (its input) and lag. */
export const CONNECTION_OPTIONS = {
  auth: { type: 'string' },
  username: { type: 'string' },
  tls: { type: 'boolean' },
  'tls-ca-file': { type: 'string' },
  'tls-cert-file': { type: 'string' },
  'tls-key-file': { type: 'string' },
  'tls-insecure': { type: 'boolean' },
  region: { type: 'string' },
} as const;

const CONNECTION_HELP: ReadonlyArray<readonly [string, string]> = [
  ['--auth MODE', 'none | scram-sha-256 | scram-sha-512 | msk-iam'],
  ['--username NAME', `SASL/SCRAM user; the password comes from ${ENV.saslPassword}`],
  ['--tls', 'connect with TLS (implied by msk-iam)'],
  ['--tls-ca-file FILE', 'PEM CA bundle to trust'],
  ['--tls-cert-file FILE', 'PEM client certificate (with --tls-key-file)'],
  ['--tls-key-file FILE', 'PEM client private key'],
  ['--tls-insecure', 'do not verify the broker certificate'],
  ['--region REGION', 'AWS region for msk-iam and CloudWatch'],
];

/** The connection flags' help, its descriptions starting at column `column` like the rest of a command's help. */
export function connectionUsage(column: number): string {
  return CONNECTION_HELP.map(([flag, text]) => `  ${flag.padEnd(column - 2)}${text}`).join('\n');
}

/** Settings only a deployed check reads (its SCRAM secret): '' tells configError not to suggest them here. */
export const NOT_ON_THE_COMMAND_LINE = { scramSecretArn: '', outputScramSecretArn: '' } as const;

export const CONNECTION_FLAG_OF: Record<string, string> = {
  auth: '--auth',
  saslUsername: '--username',
  saslPassword: ENV.saslPassword,
  tls: '--tls',
  tlsCaPem: '--tls-ca-file',
  tlsCertPem: '--tls-cert-file',
  tlsKeyPem: '--tls-key-file',
  tlsRejectUnauthorized: '--tls-insecure',
  region: '--region',
  ...NOT_ON_THE_COMMAND_LINE,
};

/** Connection settings from the flags; the password only from the environment (never a flag: shells keep history). */
export function connectionFlags(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const str = (k: string) => values[k] as string | undefined;
  return {
    auth: str('auth'),
    saslUsername: str('username'),
    saslPassword: env[ENV.saslPassword] || undefined,
    tls: values.tls,
    region: str('region'),
    tlsCaPem: readPem(str('tls-ca-file'), '--tls-ca-file'),
    tlsCertPem: readPem(str('tls-cert-file'), '--tls-cert-file'),
    tlsKeyPem: readPem(str('tls-key-file'), '--tls-key-file'),
    tlsRejectUnauthorized: values['tls-insecure'] ? false : undefined,
  };
}

/** A pipeline's output cluster, when it is reached differently from its input. */
export const OUTPUT_CONNECTION_OPTIONS = {
  'output-auth': { type: 'string' },
  'output-username': { type: 'string' },
  'output-tls': { type: 'boolean' },
  'output-tls-ca-file': { type: 'string' },
} as const;

export const OUTPUT_CONNECTION_USAGE = `  --output-auth MODE              the output cluster's auth, when not the input's
  --output-username NAME          its SCRAM user; the password comes from ${PIPELINE_ENV.outputSaslPassword}
  --output-tls                    TLS to the output cluster
  --output-tls-ca-file FILE       its PEM CA bundle`;

export const OUTPUT_CONNECTION_FLAG_OF: Record<string, string> = {
  outputAuth: '--output-auth',
  outputSaslUsername: '--output-username',
  outputSaslPassword: PIPELINE_ENV.outputSaslPassword,
  outputTls: '--output-tls',
  outputTlsCaPem: '--output-tls-ca-file',
};

export function outputConnectionFlags(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {
    outputAuth: values['output-auth'],
    outputSaslUsername: values['output-username'],
    outputSaslPassword: env[PIPELINE_ENV.outputSaslPassword] || undefined,
    outputTls: values['output-tls'],
    outputTlsCaPem: readPem(values['output-tls-ca-file'] as string | undefined, '--output-tls-ca-file'),
  };
}

/**
 * Ctrl-C or SIGTERM: the first lets the current run finish and then stops (cleanups run as usual); the
 * second abandons the run, runs the cleanups at once (the local broker is stopped every time) and exits 130.
 */
export function interruptible(cleanupNow: () => Promise<void>): { readonly stopping: () => boolean } {
  let stopping = false;
  let abandoning = false;
  let firstAt = 0;
  const onSignal = () => {
    // One Ctrl-C can arrive twice: the terminal signals the whole group (npm, tsx, node) and npm and tsx
    // relay it as well. A second signal within a second is the same keypress.
    if (stopping && Date.now() - firstAt < 1000) return;
    if (!stopping) {
      stopping = true;
      firstAt = Date.now();
      process.stderr.write('\nstopping after this run (Ctrl-C again to abandon it)...\n');
      return;
    }
    if (abandoning) return;
    abandoning = true;
    process.stderr.write('abandoning the current run, cleaning up...\n');
    void cleanupNow().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { stopping: () => stopping };
}

/** Runs cleanups once, in order, whoever asks first (the normal end or an abandoning Ctrl-C). */
export function cleanupList(): { add(cleanup: () => Promise<void>): void; run(): Promise<void> } {
  const list: Array<() => Promise<void>> = [];
  let running: Promise<void> | undefined;
  return {
    add: (cleanup) => void list.unshift(cleanup),
    run: () =>
      (running ??= (async () => {
        for (const cleanup of list) await cleanup().catch(() => {});
      })()),
  };
}

/**
 * Node's process warnings (a dependency's deprecation notice) go into the JSON log as WARN lines instead
 * of onto the screen, where only the table belongs; nothing is lost, `> logs.jsonl` keeps them.
 */
export function warningsToLog(logger: { warn(message: string, extra?: Record<string, unknown>): void }): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn(warning.message.replace(/\s+/g, ' ').trim(), { event: 'node_warning', name: warning.name }));
}

/**
 * The throwaway local broker a command starts when no brokers are given (`missing` names the flag), stopped
 * with the command's cleanups; its address.
 */
export async function startLocalBroker(cleanups: { add(cleanup: () => Promise<void>): void }, missing: string): Promise<string> {
  process.stderr.write(`no ${missing} given: starting a local Apache Kafka broker...\n`);
  const started = Date.now();
  // The local broker skips the 3 s initial rebalance delay that managed clusters keep, for a quick first run.
  const broker = await startLocalKafka({ initialRebalanceDelayMs: 0 });
  cleanups.add(() => broker.stop());
  process.stderr.write(`local broker ready at ${broker.plaintext} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return broker.plaintext;
}
