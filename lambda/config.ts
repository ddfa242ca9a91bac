/**
 * The one schema for runtime configuration. The Lambda reads it from the environment, the CLI from flags;
 * both go through parseConfig, which names every bad field in one error.
 */
import { z } from 'zod';
import { AUTH_MODES, DEFAULT_NAMESPACE, DEFAULT_TOPIC, ENV, METRIC_SINKS, PROBE_NAME_PATTERN, type ConfigField } from './contract';

const BROKER = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const brokerList = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string().regex(BROKER, 'each broker must be host:port')).min(1, 'at least one broker (host:port) is required'),
);
const bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : v;
}, z.boolean({ error: 'must be true or false' }));
const int = (min: number, max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

export const configSchema = z
  .object({
    probeName: z.string().regex(PROBE_NAME_PATTERN, 'letters, digits, ".", "_" or "-", at most 64, starting with a letter or digit'),
    brokers: brokerList,
    topic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a valid Kafka topic name').default(DEFAULT_TOPIC),
    /** The canary topic gets max(this, number of brokers) partitions, so every broker can lead one. */
    minPartitions: int(1, 10_000).default(1),
    /** Unset: min(3, number of brokers). */
    replicationFactor: int(1, 16).optional(),
    eventsPerPartition: int(1, 1000).default(1),
    messageBytes: int(0, 900_000).default(256),
    /** Whole run budget, reporting included. The Lambda also caps it by its remaining time. */
    runTimeoutMs: int(1000, 900_000).default(20_000),
    fetchMaxWaitMs: int(10, 5000).default(100),
    /** Longer than the schedule interval, or a frozen Lambda is evicted from its group between runs. */
    sessionTimeoutMs: int(6000, 1_800_000).default(300_000),
    auth: z.enum(AUTH_MODES, { error: `must be one of ${AUTH_MODES.join(', ')}` }).default('none'),
    /** Unset: on for msk-iam, off otherwise. */
    tls: bool.optional(),
    tlsCaPem: z.string().includes('BEGIN CERTIFICATE', { message: 'must hold a PEM certificate' }).optional(),
    tlsCertPem: z.string().includes('BEGIN CERTIFICATE', { message: 'must hold a PEM certificate' }).optional(),
    tlsKeyPem: z.string().includes('PRIVATE KEY', { message: 'must hold a PEM private key' }).optional(),
    tlsRejectUnauthorized: bool.default(true),
    saslUsername: z.string().min(1).optional(),
    saslPassword: z.string().min(1).optional(),
    saslSecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a Secrets Manager secret ARN').optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1').optional(),
    metricsNamespace: z.string().regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'letters, digits and . _ / # : -').default(DEFAULT_NAMESPACE),
    metricsSink: z.enum(METRIC_SINKS, { error: `must be one of ${METRIC_SINKS.join(', ')}` }).default('api'),
    metricsHighResolution: bool.default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    const scram = c.auth === 'scram-sha-256' || c.auth === 'scram-sha-512';
    if (scram && !c.saslUsername && !c.saslSecretArn) {
      ctx.addIssue({ code: 'custom', path: ['saslUsername'], message: `is required for auth ${c.auth} (or set saslSecretArn)` });
    }
    if (scram && c.saslUsername && !c.saslPassword && !c.saslSecretArn) {
      ctx.addIssue({ code: 'custom', path: ['saslPassword'], message: `is required for auth ${c.auth} (or set saslSecretArn)` });
    }
    if (!scram && (c.saslUsername || c.saslPassword || c.saslSecretArn)) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'SASL credentials are set but auth is not scram-sha-256 or scram-sha-512' });
    }
    if ((c.tlsCertPem === undefined) !== (c.tlsKeyPem === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['tlsKeyPem'], message: 'a client certificate and its key go together' });
    }
    if (c.auth === 'msk-iam' && c.tls === false) {
      ctx.addIssue({ code: 'custom', path: ['tls'], message: 'msk-iam requires TLS' });
    }
  });

type Parsed = z.infer<typeof configSchema>;
export type ProbeConfig = Omit<Parsed, 'tls' | 'replicationFactor'> & { tls: boolean; replicationFactor?: number };

export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid streamprobe configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type FieldNamer = (field: string) => string;
const byField: FieldNamer = (field) => field;
export const ENV_FIELD_NAMER_FALLBACK = byField;
export const byEnvName: FieldNamer = (field) => (field in ENV ? `${ENV[field as ConfigField]} (${field})` : field);

export function parseConfig(raw: Record<string, unknown>, name: FieldNamer = byField): ProbeConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        if (issue.code === 'unrecognized_keys') return `unknown setting ${issue.keys.map(name).join(', ')}`;
        const key = issue.path.length ? String(issue.path[0]) : undefined;
        const missing = issue.code === 'invalid_type' && key !== undefined && raw[key] === undefined;
        return `${key === undefined ? 'configuration' : name(key)}: ${missing ? 'is required' : issue.message}`;
      }),
    );
  }
  const c = result.data;
  return { ...c, tls: c.tls ?? c.auth === 'msk-iam' };
}

/** Raw settings from STREAMPROBE_* variables; an unknown STREAMPROBE_ variable is an error (a typo must not pass silently). */
export function rawConfigFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const fieldByEnv = new Map<string, string>(Object.entries(ENV).map(([field, key]) => [key, field]));
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('STREAMPROBE_') || value === undefined || value === '') continue;
    const field = fieldByEnv.get(key);
    if (field) raw[field] = value;
    else unknown.push(key);
  }
  if (unknown.length) throw new ConfigError(unknown.map((k) => `unknown environment variable ${k}`));
  return raw;
}

export function configFromEnv(env: NodeJS.ProcessEnv): ProbeConfig {
  return parseConfig(rawConfigFromEnv(env), byEnvName);
}

/** Secrets held by the configuration, for scrubbing from logs. */
export function secretsOf(config: ProbeConfig): string[] {
  return [config.saslPassword, config.tlsKeyPem].filter((s): s is string => typeof s === 'string');
}
