/**
 * The scheduled pipeline-canary Lambda. Wiring only: configuration is validated once per container (a bad
 * setting fails the cold start naming the variable). Canaries in flight live in the container while it is
 * warm; a new container finds its predecessor's in the input topic (see PipelineRuntime).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { pipelineConfigFromEnv } from '../pipeline-config';
import { lambdaLogger, lambdaMetrics, secretCredentials } from './wiring';
import { connectionSecrets } from '../config';
import { PipelineRuntime } from '../pipeline-runtime';

const config = pipelineConfigFromEnv(process.env);
const logger = lambdaLogger({ pipeline: config.pipelineName }, [...connectionSecrets(config.input), ...connectionSecrets(config.output)]);
const metrics = lambdaMetrics(config, logger);
const runtime = new PipelineRuntime(config, logger, [metrics], {
  input: secretCredentials(config.input.saslSecretArn, logger),
  output: secretCredentials(config.output.saslSecretArn, logger),
});

async function pipeline(_event: unknown, context: Context) {
  const r = await runtime.runOnce(context.getRemainingTimeInMillis());
  return { runId: r.runId, outcome: r.outcome, sent: r.counts.sent, onTime: r.counts.onTime, late: r.counts.late, lost: r.counts.lost, inFlight: r.counts.inFlight };
}

export const handler = middy(pipeline).use(injectLambdaContext(logger.powertools));

/** The container's runtime, so tests can close its connections. */
export const runtimeForTests = runtime;
