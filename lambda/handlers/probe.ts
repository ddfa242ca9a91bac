/**
 * The scheduled probe Lambda. Wiring only: configuration is validated once per container (a bad setting
 * fails the cold start with a message naming the field), and the Kafka clients are reused while warm.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { configFromEnv, secretsOf } from '../config';
import { ProbeLogger, type LogLevel } from '../adapters/logger';
import { CloudWatchPublisher } from '../adapters/cloudwatch';
import { scramSecretProvider } from '../adapters/secrets';
import { ProbeRuntime } from '../runtime';

const config = configFromEnv(process.env);
const logger = new ProbeLogger({
  level: (process.env.POWERTOOLS_LOG_LEVEL as LogLevel | undefined) ?? 'INFO',
  secrets: secretsOf(config),
  persistentKeys: { probe: config.probeName },
});
const metrics = new CloudWatchPublisher({
  sink: config.metricsSink,
  namespace: config.metricsNamespace,
  highResolution: config.metricsHighResolution,
  region: config.region,
  logger,
});
const runtime = new ProbeRuntime({
  config,
  logger,
  sinks: [metrics],
  credentials: config.saslSecretArn ? scramSecretProvider(config.saslSecretArn) : undefined,
});

export interface ProbeResult {
  readonly runId: string;
  readonly outcome: string;
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
}

async function probe(_event: unknown, context: Context): Promise<ProbeResult> {
  const report = await runtime.runOnce(context.getRemainingTimeInMillis());
  return { runId: report.runId, outcome: report.outcome, sent: report.counts.sent, received: report.counts.received, lost: report.counts.lost };
}

export const handler = middy(probe).use(injectLambdaContext(logger.powertools));

/** The container's runtime, so tests can close its connections. */
export const runtimeForTests = runtime;
