/** What every Lambda handler wires the same way: its logger (level from Powertools' variable) and metrics publisher. */
import { CloudWatchPublisher } from '../adapters/cloudwatch';
import { type LogLevel, ProbeLogger } from '../adapters/logger';
import { scramSecretProvider } from '../adapters/secrets';
import type { MetricSink } from '../contract';
import type { CredentialsProvider } from '../runtime/check-runtime';

export interface MetricsSettings {
  readonly metricsSink: MetricSink;
  readonly metricsNamespace: string;
  readonly metricsHighResolution: boolean;
  readonly region?: string;
}

export function lambdaLogger(persistentKeys: Record<string, string>, secrets: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): ProbeLogger {
  return new ProbeLogger({ level: (env.POWERTOOLS_LOG_LEVEL as LogLevel | undefined) ?? 'INFO', secrets, persistentKeys });
}

export function lambdaMetrics(settings: MetricsSettings, logger: ProbeLogger): CloudWatchPublisher {
  return new CloudWatchPublisher({
    sink: settings.metricsSink,
    namespace: settings.metricsNamespace,
    highResolution: settings.metricsHighResolution,
    region: settings.region,
    logger,
  });
}

/** SCRAM credentials read from the secret once per container; the password is scrubbed from every log line. */
export function secretCredentials(arn: string | undefined, logger: ProbeLogger): CredentialsProvider | undefined {
  if (!arn) return undefined;
  const read = scramSecretProvider(arn);
  return async () => {
    const credentials = await read();
    logger.addSecrets([credentials.password]);
    return credentials;
  };
}
