/**
 * What each deployed check's handler needs to know of its check, and nothing else: how its configuration
 * is read from the environment, the log key that carries its name, the secrets its configuration holds,
 * and the runtime options its Lambda gives it (SCRAM credentials from Secrets Manager).
 */

import type { ProbeLogger } from '../adapters/logger';
import { type ConnectionSettings, connectionSecrets, rawConfigFromEnv } from '../config/fields';
import { type LagConfig, lagConfigFromEnv } from '../config/lag';
import { type LoadConfig, loadConfigFromEnv, parseLoadConfig } from '../config/load';
import { type PipelineConfig, pipelineConfigFromEnv } from '../config/pipeline';
import { configFromEnv, type ProbeConfig } from '../config/roundtrip';
import { type CheckKind, LOAD_ENV } from '../contract';
import type { OptionsByKind } from '../runtime';
import { secretCredentials } from './wiring';

export interface ConfigByKind {
  readonly roundtrip: ProbeConfig;
  readonly pipeline: PipelineConfig;
  readonly lag: LagConfig;
  readonly load: LoadConfig;
}

export interface HandledCheck<K extends CheckKind, C = ConfigByKind[K]> {
  /** The check's configuration from its STREAMPROBE_* variables; an error names each bad variable. */
  fromEnv(env: NodeJS.ProcessEnv): C;
  /** The log key every line of this check carries, and its value. */
  logKey(config: C): Record<string, string>;
  secrets(config: C): string[];
  options(config: C, logger: ProbeLogger): OptionsByKind[K];
  /** A check run on demand reads its settings anew for each invocation, from the event over the environment. */
  perInvocation?(event: unknown, env: NodeJS.ProcessEnv): C;
}

/** What a load-test invocation may change; the cluster, its credentials and the metrics stay the deployment's. */
export const LOAD_EVENT_FIELDS = [
  'loadTest',
  'topic',
  'rate',
  'durationMs',
  'messageBytes',
  'keys',
  'partitions',
  'acks',
  'compression',
  'drainMs',
  'maxInFlight',
] as const;

function loadConfigForEvent(event: unknown, env: NodeJS.ProcessEnv): LoadConfig {
  const fields = (event ?? {}) as Record<string, unknown>;
  const allowed = LOAD_EVENT_FIELDS as readonly string[];
  const unknown = Object.keys(fields).filter((k) => !allowed.includes(k));
  if (unknown.length) throw new Error(`unknown field(s) in the event: ${unknown.join(', ')} (allowed: ${LOAD_EVENT_FIELDS.join(', ')})`);
  return parseLoadConfig({ ...rawConfigFromEnv(env, LOAD_ENV), ...fields }, (f) =>
    f in fields ? `event.${f}` : `${LOAD_ENV[f as keyof typeof LOAD_ENV] ?? f}`,
  );
}

const single = (c: ConnectionSettings & { scramSecretArn?: string }, logger: ProbeLogger) => secretCredentials(c.scramSecretArn, logger);

export const HANDLED_CHECKS: { readonly [K in CheckKind]: HandledCheck<K> } = {
  roundtrip: {
    fromEnv: configFromEnv,
    logKey: (c) => ({ probe: c.probeName }),
    secrets: connectionSecrets,
    options: (config, logger) => ({ config, logger, credentials: single(config, logger) }),
  },
  pipeline: {
    fromEnv: pipelineConfigFromEnv,
    logKey: (c) => ({ pipeline: c.pipelineName }),
    secrets: (c) => [...connectionSecrets(c.input), ...connectionSecrets(c.output)],
    options: (config, logger) => ({ config, logger, credentials: { input: single(config.input, logger), output: single(config.output, logger) } }),
  },
  lag: {
    fromEnv: lagConfigFromEnv,
    logKey: (c) => ({ check: c.checkName }),
    secrets: connectionSecrets,
    options: (config, logger) => ({ config, credentials: single(config, logger) }),
  },
  load: {
    fromEnv: loadConfigFromEnv,
    logKey: (c) => ({ loadTest: c.loadTest }),
    secrets: connectionSecrets,
    options: (config, logger) => ({ config, logger, credentials: single(config, logger) }),
    perInvocation: loadConfigForEvent,
  },
};
