/**
 * The scheduled consumer-lag Lambda. Wiring only: configuration is validated once per container (a bad
 * setting fails the cold start naming the variable). The previous check, which STALLED and REWIND need,
 * lives in the container while it is warm; a new container judges neither on its first check.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { lagConfigFromEnv } from '../lag-config';
import { lambdaLogger, lambdaMetrics, secretCredentials } from './wiring';
import { connectionSecrets } from '../config';
import { LagRuntime } from '../lag-runtime';

const config = lagConfigFromEnv(process.env);
const logger = lambdaLogger({ check: config.checkName }, connectionSecrets(config));
const metrics = lambdaMetrics(config, logger);
const runtime = new LagRuntime(config, logger, [metrics], secretCredentials(config.saslSecretArn, logger));

async function lag(_event: unknown, context: Context) {
  const r = await runtime.runOnce(context.getRemainingTimeInMillis());
  return { runId: r.runId, succeeded: r.succeeded, groups: Object.fromEntries(r.groups.map((g) => [g.group, g.status])) };
}

export const handler = middy(lag).use(injectLambdaContext(logger.powertools));

/** The container's runtime, so tests can close its connections. */
export const runtimeForTests = runtime;
