/**
 * streamprobe lag: exact offset and time lag of consumer groups, per partition, with a status per group
 * (OK, LAGGING, STALLED, STOPPED, REWIND, RETENTION_LOSS), once or on a schedule.
 */
import { parseArgs } from 'node:util';
import { ProbeLogger } from '../lambda/adapters/logger';
import { connectionSecrets } from '../lambda/config/fields';
import { parseLagConfig } from '../lambda/config/lag';
import { isGood } from '../lambda/core/check-report';
import { type CheckRuntime, createRuntime } from '../lambda/runtime';
import {
  CLI_SINKS,
  CONNECTION_FLAG_OF,
  CONNECTION_OPTIONS,
  connectionFlags,
  connectionUsage,
  durationFlag,
  exitForUsage,
  interruptible,
  logLevelFlag,
  metricsPublisher,
  metricsTarget,
  repeat,
  repeatUsage,
  scheduleFlags,
  screenSink,
  warningsToLog,
} from './cli-common';

export const LAG_USAGE = `usage: streamprobe lag --brokers host:port,... (--group G ... | --group-pattern REGEX) [options]

Reads each group's committed offsets, the partitions' log start and end, and the timestamp of the record at
each lagging group's position: exact time lag, 0 when caught up, and a status per group.

  --brokers host:port,...   Kafka bootstrap brokers (required)
  --group G                 a consumer group (repeatable)
  --group-pattern REGEX     every listed group whose id matches
  --threshold DURATION      time lag above which a group is LAGGING (default: 60s)
  --stall-after DURATION    members present, lag, and no commit for this long: STALLED (default: 2m)
  --name NAME               the check's name, dimension LagCheck of its metrics (default: lag)
  --partition-metrics       with --metrics: also a time and offset lag series per topic-partition
  --timeout DURATION        budget of one check (default: 20s)
${connectionUsage(28)}
${repeatUsage(28, 'check', 'LagCheck and ConsumerGroup')}`;

const FLAG_OF: Record<string, string> = {
  ...CONNECTION_FLAG_OF,
  checkName: '--name',
  brokers: '--brokers',
  groups: '--group',
  groupPattern: '--group-pattern',
  timeLagThresholdMs: '--threshold',
  stallAfterMs: '--stall-after',
  runTimeoutMs: '--timeout',
  partitionMetrics: '--partition-metrics',
};

export async function lagMain(argv: readonly string[]): Promise<number> {
  let runtime: CheckRuntime<'lag'> | undefined;
  const { stopping } = interruptible(async () => runtime?.close());
  try {
    const { values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        brokers: { type: 'string' },
        group: { type: 'string', multiple: true },
        'group-pattern': { type: 'string' },
        threshold: { type: 'string' },
        'stall-after': { type: 'string' },
        timeout: { type: 'string' },
        every: { type: 'string' },
        runs: { type: 'string' },
        name: { type: 'string' },
        'partition-metrics': { type: 'boolean' },
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
      process.stdout.write(`${LAG_USAGE}\n`);
      return 0;
    }
    const config = parseLagConfig(
      Object.fromEntries(
        Object.entries({
          checkName: values.name,
          brokers: values.brokers,
          groups: values.group,
          groupPattern: values['group-pattern'],
          timeLagThresholdMs: durationFlag(values.threshold, '--threshold'),
          stallAfterMs: durationFlag(values['stall-after'], '--stall-after'),
          runTimeoutMs: durationFlag(values.timeout, '--timeout'),
          partitionMetrics: values['partition-metrics'],
          ...connectionFlags(values as Record<string, string | boolean | undefined>, process.env),
          metricsSink: 'none',
        }).filter(([, v]) => v !== undefined),
      ),
      (f) => FLAG_OF[f] ?? f,
    );
    const { everyMs, runs } = scheduleFlags(values.every, values.runs);
    const metricsTo = metricsTarget(
      { sink: values.metrics, namespace: values.namespace, region: values.region, endpoint: values['metrics-endpoint'] },
      CLI_SINKS,
    );
    const logger = new ProbeLogger({ level: logLevelFlag(values['log-level']), secrets: connectionSecrets(config) });
    warningsToLog(logger);
    const metrics = metricsPublisher(metricsTo, logger);
    runtime = createRuntime('lag', { config, logger, sinks: values.quiet ? [metrics] : [metrics, screenSink('\n\n')] });
    const r = runtime;
    const healthy = await repeat(async () => isGood(await r.runOnce()), { everyMs, runs, stopping });
    return healthy ? 0 : 1;
  } catch (error) {
    return exitForUsage(error, LAG_USAGE);
  } finally {
    await runtime?.close();
  }
}
