/**
 * The round trip's configuration: the one schema of its fields, their bounds and defaults. The Lambda reads
 * it from the environment, the CLI from flags, the construct checks its environment with it at synth time;
 * all go through parseConfig, which names every bad field in one error.
 */
import * as z from 'zod/mini';
import { DEFAULT_TOPIC, ENV, PROBE_NAME_PATTERN } from '../contract';
import {
  brokerList,
  byField,
  configError,
  connectionFields,
  connectionIssues,
  connectionSecrets,
  envNamer,
  type FieldNamer,
  int,
  metricsFields,
  rawConfigFromEnv,
  resolveConnection,
  runTimeoutField,
} from './fields';

export const configSchema = z
  .strictObject({
    probeName: z
      .string({ error: 'must be a string' })
      .check(z.regex(PROBE_NAME_PATTERN, 'letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit')),
    brokers: brokerList,
    topic: z._default(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,249}$/, 'a valid Kafka topic name')), DEFAULT_TOPIC),
    /** The canary topic gets max(this, number of brokers) partitions, so every broker can lead one. */
    minPartitions: z._default(int(1, 10_000), 1),
    /** Unset: min(3, number of brokers). */
    replicationFactor: z.optional(int(1, 16)),
    /** Brokers the cluster should have; unset, the most seen while warm. Fewer in a run are reported missing. */
    expectedBrokers: z.optional(int(1, 1000)),
    eventsPerPartition: z._default(int(1, 1000), 1),
    messageBytes: z._default(int(0, 900_000), 256),
    /**
     * Whole run budget, reporting included. The Lambda also caps it by its remaining time. The floor is what
     * a cold start on a secured cluster needs, with a quarter of the budget kept for reporting.
     */
    runTimeoutMs: runTimeoutField(),
    fetchMaxWaitMs: z._default(int(10, 5000), 100),
    ...connectionFields,
    ...metricsFields,
  })
  .check(
    z.superRefine((c, ctx) => {
      for (const [path, message] of connectionIssues(c)) ctx.addIssue({ code: 'custom', path: [path], message, input: c });
    }),
  );

type Parsed = z.output<typeof configSchema>;
export type ProbeConfig = Omit<Parsed, 'tls' | 'replicationFactor'> & { tls: boolean; replicationFactor?: number };

/** Names a round-trip field by the variable that sets it, for errors at cold start. */
export const byEnvName: FieldNamer = envNamer(ENV);

export function parseConfig(raw: Record<string, unknown>, name: FieldNamer = byField): ProbeConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw configError(result.error.issues, raw, name);
  const c = result.data;
  return { ...c, ...resolveConnection(c) };
}

export function configFromEnv(env: NodeJS.ProcessEnv): ProbeConfig {
  return parseConfig(rawConfigFromEnv(env), byEnvName);
}

/** Secrets held by the configuration, for scrubbing from logs. */
export function secretsOf(config: ProbeConfig): string[] {
  return connectionSecrets(config);
}
