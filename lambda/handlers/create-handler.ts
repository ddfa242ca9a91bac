/**
 * Every deployed check's handler, made the same way: configuration validated once per container (a bad
 * setting fails the cold start naming the variable), a logger whose every line carries the check's name and
 * the Lambda context, the metrics publisher, SCRAM credentials read from Secrets Manager once per container,
 * and the runtime reused while the container is warm. A check run on demand (the load test) reads its
 * settings anew from each invocation's event and runs a runtime of its own.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { CheckKind } from '../contract';
import type { AnyCheckReport } from '../core/check-report';
import { handlerResultOf } from '../core/serializers';
import { type CheckRuntime, createRuntime, type RuntimeOptionsOf } from '../runtime';
import { type ConfigByKind, HANDLED_CHECKS, type HandledCheck } from './checks';
import { lambdaLogger, lambdaMetrics } from './wiring';

export type CheckResult = Record<string, unknown>;

export interface CheckHandler {
  /** The Lambda entry point (middy-wrapped). */
  readonly handler: (event: unknown, context: Context) => Promise<CheckResult>;
  /** Closes the container's connections (tests; Lambda never calls it). */
  close(): Promise<void>;
}

export function createHandler<K extends CheckKind>(kind: K, env: NodeJS.ProcessEnv): CheckHandler {
  const check = HANDLED_CHECKS[kind] as unknown as HandledCheck<K, ConfigByKind[K] & Parameters<typeof lambdaMetrics>[0]>;
  const config = check.fromEnv(env);
  const logger = lambdaLogger(check.logKey(config), check.secrets(config), env);
  const metrics = lambdaMetrics(config, logger);
  const runtimeFor = (c: ConfigByKind[K]): CheckRuntime<K> =>
    createRuntime(kind, { ...check.options(c, logger), logger, sinks: [metrics] } as RuntimeOptionsOf<K>);
  const warm = check.perInvocation ? undefined : runtimeFor(config);

  async function run(event: unknown, context: Context): Promise<CheckResult> {
    const runtime = warm ?? runtimeFor(check.perInvocation!(event, env));
    const report = await runtime.runOnce(context.getRemainingTimeInMillis());
    if (!warm) await runtime.close();
    return handlerResultOf(report as unknown as AnyCheckReport);
  }

  return {
    handler: middy(run).use(injectLambdaContext(logger.powertools)),
    close: async () => warm?.close(),
  };
}
