/**
 * The on-demand load-test Lambda: never scheduled, invoked by hand or by a pipeline step. Its environment
 * holds the cluster and the defaults (a bad one fails the cold start, naming the variable); the invocation's
 * event may override the load itself (rate, durationMs, messageBytes, keys, partitions, acks, compression,
 * topic, loadTest). The load ends hard before the Lambda's own timeout.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { rawConfigFromEnv, connectionSecrets } from '../config';
import { LOAD_ENV } from '../contract';
import { loadConfigFromEnv, parseLoadConfig } from '../load-config';
import { runLoadTest } from '../load-runtime';
import { monotonicNow } from '../adapters/deadline';
import { lambdaLogger, lambdaMetrics, secretCredentials } from './wiring';

const defaults = loadConfigFromEnv(process.env);
const logger = lambdaLogger({ loadTest: defaults.loadTest }, connectionSecrets(defaults));
const metrics = lambdaMetrics(defaults, logger);
const credentials = secretCredentials(defaults.saslSecretArn, logger);

/** What an invocation may change; the cluster, its credentials and the metrics stay the deployment's. */
export const LOAD_EVENT_FIELDS = ['loadTest', 'topic', 'rate', 'durationMs', 'messageBytes', 'keys', 'partitions', 'acks', 'compression', 'drainMs', 'maxInFlight'] as const;

async function load(event: Record<string, unknown> | null | undefined, context: Context) {
  const overrides = Object.fromEntries(Object.entries(event ?? {}).filter(([k]) => (LOAD_EVENT_FIELDS as readonly string[]).includes(k)));
  const unknown = Object.keys(event ?? {}).filter((k) => !(LOAD_EVENT_FIELDS as readonly string[]).includes(k));
  if (unknown.length) throw new Error(`unknown field(s) in the event: ${unknown.join(', ')} (allowed: ${LOAD_EVENT_FIELDS.join(', ')})`);
  const config = parseLoadConfig({ ...rawConfigFromEnv(process.env, LOAD_ENV), ...overrides }, (f) => (f in overrides ? `event.${f}` : `${LOAD_ENV[f as keyof typeof LOAD_ENV] ?? f}`));
  const deadlineAt = monotonicNow() + context.getRemainingTimeInMillis() - 1000;
  const { report } = await runLoadTest(config, logger, [metrics], { deadlineAt }, await credentials?.());
  const { seconds, ...summary } = report;
  return { ...summary, seconds: seconds.length };
}

export const handler = middy(load).use(injectLambdaContext(logger.powertools));
