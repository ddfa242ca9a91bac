/**
 * streamprobe load: a bounded load at a target rate for a duration, produced and read back in this
 * process, with throughput, latency under load (from each record's intended send time) and errors, compared
 * with a saved baseline when asked. On demand only: it is never scheduled.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ProbeLogger } from '../lambda/adapters/logger';
import { connectionSecrets } from '../lambda/config/fields';
import { parseLoadConfig } from '../lambda/config/load';
import { isGood } from '../lambda/core/check-report';
import { parseBaseline, settingsDiffer } from '../lambda/core/load/baseline';
import type { LoadTally } from '../lambda/core/load/tally';
import { screenOf } from '../lambda/core/serializers';
import { createRuntime } from '../lambda/runtime';
import { loadTarget } from '../lambda/runtime/load';
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
  reportingUsage,
  startLocalBroker,
  UsageError,
  warningsToLog,
} from './cli-common';

export const LOAD_USAGE = `usage: streamprobe load --rate RATE --duration DURATION [options]

Produces records at a target rate for a duration and reads them back in the same process. Latency counts
from each record's intended send time, so a stall that holds the sender back counts against the records it
delayed. Without --brokers, a local Apache Kafka broker is started (and stopped on exit).

  --rate RATE               records per second (5000/s, 5k/s) or bytes per second (5MB/s)   (required)
  --duration DURATION       how long to send, e.g. 60s (required)
  --brokers host:port,...   Kafka bootstrap brokers
  --topic NAME              topic (default: streamprobe-load); made with --partitions if missing
  --partitions N            partitions of a topic the load creates (default: 6)
  --replication-factor N    of a topic the load creates (default: min(3, brokers))
  --message-bytes N         record value size (default: 1024)
  --keys N                  distinct keys, placed by Kafka's partitioner (default: 0, no key)
  --acks all|1|0            producer acks (default: all)
  --compression TYPE        none | gzip | snappy | lz4 | zstd (default: none)
  --max-in-flight N         produce requests in flight at once (default: 1: kafkajs may reorder more)
  --drain DURATION          after sending, how long records may take to arrive (default: 10s)
  --fetch-max-bytes N       consumer fetch size per partition
  --name NAME               the load's name, dimension LoadTest of its metrics (default: load)
  --report FILE             write the JSON report (a baseline for next time)
  --baseline FILE           compare with a saved report: what got worse, by how much
  --tolerance PERCENT       changes within this are noise, not regressions (default: 10)
${connectionUsage(28)}
${reportingUsage(28, 'LoadTest', 'progress or table')}

Exit code: 0 when the target was met with no error, loss or regression; 1 otherwise; 2 on bad usage.`;

const FLAG_OF: Record<string, string> = {
  ...CONNECTION_FLAG_OF,
  loadTest: '--name',
  brokers: '--brokers',
  topic: '--topic',
  rate: '--rate',
  durationMs: '--duration',
  messageBytes: '--message-bytes',
  keys: '--keys',
  partitions: '--partitions',
  replicationFactor: '--replication-factor',
  acks: '--acks',
  compression: '--compression',
  drainMs: '--drain',
  maxInFlight: '--max-in-flight',
  fetchMaxBytesPerPartition: '--fetch-max-bytes',
};

const ms = (v: number | null) => (v === null ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));

/** One line a second while the load runs: how far, how fast, and the worst latency so far. */
function progressWriter(out: NodeJS.WriteStream): { start(tally: LoadTally): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    start(tally) {
      const begun = Date.now();
      timer = setInterval(
        () => {
          const s = Math.round((Date.now() - begun) / 1000);
          const line = `t=${s}s  sent ${tally.sent}  acked ${tally.acked}  received ${tally.received}  failed ${tally.failed}  end-to-end max ${ms(tally.endToEnd.totalCount ? tally.endToEnd.maxValue / 1000 : null)} ms`;
          out.write(out.isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
        },
        out.isTTY ? 1000 : 5000,
      );
    },
    stop() {
      if (timer) clearInterval(timer);
      if (out.isTTY) out.write('\r\x1b[2K');
    },
  };
}

export async function loadMain(argv: readonly string[]): Promise<number> {
  const cleanups = cleanupList();
  const { stopping } = interruptible(async () => cleanups.run());
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        brokers: { type: 'string' },
        topic: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        'message-bytes': { type: 'string' },
        keys: { type: 'string' },
        partitions: { type: 'string' },
        'replication-factor': { type: 'string' },
        acks: { type: 'string' },
        compression: { type: 'string' },
        'max-in-flight': { type: 'string' },
        drain: { type: 'string' },
        'fetch-max-bytes': { type: 'string' },
        name: { type: 'string' },
        report: { type: 'string' },
        baseline: { type: 'string' },
        tolerance: { type: 'string' },
        'log-level': { type: 'string' },
        metrics: { type: 'string' },
        namespace: { type: 'string' },
        'metrics-endpoint': { type: 'string' },
        ...CONNECTION_OPTIONS,
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${LOAD_USAGE}\n`);
      return 0;
    }
    if (values.rate === undefined) throw new UsageError('--rate is required: records per second (5000/s) or bytes per second (5MB/s)');
    if (values.duration === undefined) throw new UsageError('--duration is required, with a unit (60s, 2m)');
    const tolerancePct = values.tolerance === undefined ? 10 : Number(values.tolerance);
    if (!(tolerancePct >= 0)) throw new UsageError(`--tolerance: "${values.tolerance}" is not a percentage`);
    const baseline = values.baseline === undefined ? undefined : readBaseline(values.baseline);
    const raw = (brokers: string | undefined) =>
      Object.fromEntries(
        Object.entries({
          loadTest: values.name,
          brokers,
          topic: values.topic,
          rate: values.rate,
          durationMs: durationFlag(values.duration, '--duration'),
          messageBytes: values['message-bytes'],
          keys: values.keys,
          partitions: values.partitions,
          replicationFactor: values['replication-factor'],
          acks: values.acks,
          compression: values.compression,
          drainMs: durationFlag(values.drain, '--drain'),
          maxInFlight: values['max-in-flight'],
          fetchMaxBytesPerPartition: values['fetch-max-bytes'],
          ...connectionFlags(values as Record<string, string | boolean | undefined>, process.env),
          metricsSink: 'none',
        }).filter(([, v]) => v !== undefined),
      );
    const name = (f: string) => FLAG_OF[f] ?? f;
    // Every flag is checked before a local broker is fetched or started.
    const checked = parseLoadConfig(raw(values.brokers ?? '127.0.0.1:9092'), name);
    // A regression is a change under the same load: a baseline of other settings compares nothing.
    const differ = baseline ? settingsDiffer(baseline.target, loadTarget(checked, 0)) : [];
    if (differ.length)
      throw new UsageError(`--baseline ${values.baseline}: made with other settings (${differ.join(', ')}); compare loads run with the same settings`);
    const metricsTo = metricsTarget(
      { sink: values.metrics, namespace: values.namespace, region: values.region, endpoint: values['metrics-endpoint'] },
      CLI_SINKS,
    );

    const brokers = values.brokers ?? (await startLocalBroker(cleanups, '--brokers'));
    const config = parseLoadConfig(raw(brokers), name);
    const logger = new ProbeLogger({ level: logLevelFlag(values['log-level']), secrets: connectionSecrets(config) });
    warningsToLog(logger);
    const progress = values.quiet ? undefined : progressWriter(process.stderr);
    const runtime = createRuntime('load', {
      config,
      logger,
      sinks: [metricsPublisher(metricsTo, logger)],
      stopping,
      onStart: (tally: LoadTally) => progress?.start(tally),
      baseline: baseline && { report: baseline, tolerancePct },
    });
    const report = await runtime.runOnce().finally(() => progress?.stop());
    if (!values.quiet) process.stderr.write(`${screenOf(report)}\n`);
    // The saved report is the load's own figures: a baseline for the next load, without this one's comparison.
    const { baseline: _comparison, ...saved } = report.details;
    if (values.report) writeFileSync(values.report, `${JSON.stringify(saved, null, 2)}\n`);
    return isGood(report) && !report.details.baseline?.regressions ? 0 : 1;
  } catch (error) {
    return exitForUsage(error, LOAD_USAGE);
  } finally {
    await cleanups.run();
  }
}

function readText(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The saved report --baseline names; any problem with it is a usage error naming the file. */
function readBaseline(file: string) {
  try {
    return parseBaseline(readText(file, '--baseline'), file);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--baseline ${(error as Error).message}`);
  }
}
