/** What every Lambda handler wires the same way: its logger (level from Powertools' variable) and metrics publisher. */
import { CloudWatchPublisher } from '../adapters/cloudwatch';
import { ProbeLogger, type LogLevel } from '../adapters/logger';
import type { MetricSink } from '../contract';

export interface MetricsSettings {
  readonly metricsSink: MetricSink;
  readonly metricsNamespace: string;
  readonly metricsHighResolution: boolean;
  readonly region?: string;
}

export function lambdaLogger(persistentKeys: Record<string, string>, secrets: readonly string[] = []): ProbeLogger {
  return new ProbeLogger({ level: (process.env.POWERTOOLS_LOG_LEVEL as LogLevel | undefined) ?? 'INFO', secrets, persistentKeys });
}

export function lambdaMetrics(settings: MetricsSettings, logger: ProbeLogger): CloudWatchPublisher {
  return new CloudWatchPublisher({
    sink: settings.metricsSink, namespace: settings.metricsNamespace, highResolution: settings.metricsHighResolution, region: settings.region, logger,
  });
}
