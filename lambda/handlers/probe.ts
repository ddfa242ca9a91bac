/**
 * The scheduled probe Lambda. Wiring only: configuration is validated once per container (a bad setting
 * fails the cold start with a message naming the field), and the Kafka clients are reused while warm.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { configFromEnv, secretsOf } from '../config';
import { lambdaLogger, lambdaMetrics } from './wiring';
import { scramSecretProvider } from '../adapters/secrets';
import { ProbeRuntime } from '../runtime';

const config = configFromEnv(process.env);
const logger = lambdaLogger({ probe: config.probeName }, secretsOf(config));
const metrics = lambdaMetrics(config, logger);
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
