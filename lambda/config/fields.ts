/**
 * The field kit every check's configuration schema is built from: brokers, whole numbers with bounds,
 * booleans, how to reach a cluster (TLS, SCRAM, MSK IAM), where metrics go; and the one error that names
 * every bad field the way the user set it (a flag, a variable, a prop). One schema per check sits beside
 * this file; each is the one source of its fields' bounds and defaults.
 */
// zod/mini: the same schema language at a twentieth of the bundle size of the classic API.
import * as z from 'zod/mini';
import { AUTH_MODES, type AuthMode, BROKER_PATTERN, DEFAULT_NAMESPACE, DEPRECATED_ENV, ENV, METRIC_SINKS, TOOL_ENV } from '../contract';

export const brokerList = z.pipe(
  z.transform((v: unknown) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  ),
  z
    .array(z.string().check(z.regex(BROKER_PATTERN, 'each broker must be host:port, or [IPv6 address]:port')), { error: 'must be a list of host:port' })
    .check(z.minLength(1, 'at least one broker (host:port) is required')),
);
export const bool = z.pipe(
  z.transform((v: unknown) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : v;
  }),
  z.boolean({ error: 'must be true or false' }),
);
/** The smallest run budget that a cold start can fit in. */
export const MIN_RUN_TIMEOUT_MS = 6000;
const WHY_MIN_RUN_TIMEOUT =
  'a cold start connects to every broker (TLS and SASL handshakes) and reads where each partition ends before it sends or reads, and a quarter of the budget is kept for reporting';

/** A whole number in [min, max]; `labels` say the bounds as a user reads them (with their unit, say). */
export const int = (min: number, max: number, whyMin?: string, labels: { readonly min?: string; readonly max?: string } = {}) =>
  z.coerce.number({ error: 'must be a number' }).check(
    z.refine((n) => Number.isInteger(n), 'must be a whole number'),
    z.minimum(min, `must be at least ${labels.min ?? min}${whyMin ? `: ${whyMin}` : ''}`),
    z.maximum(max, `must be at most ${labels.max ?? max}`),
  );
/** One run's whole budget, reporting included (the Lambda also caps it by its remaining time): every check's. */
export const runTimeoutField = () =>
  z._default(
    int(MIN_RUN_TIMEOUT_MS, 900_000, WHY_MIN_RUN_TIMEOUT, {
      min: `${MIN_RUN_TIMEOUT_MS} ms (${MIN_RUN_TIMEOUT_MS / 1000} s)`,
      max: '900000 ms (15 minutes, the Lambda limit)',
    }),
    20_000,
  );

const pem = (marker: string, what: string) => z.string().check(z.includes(marker, `must hold a PEM ${what}`));
const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });

/**
 * How to reach a cluster: shared by the canary, the pipeline canary (its input and output) and the lag
 * check, so every check speaks TLS, SCRAM and MSK IAM the same way.
 */
export const authMode = oneOf(AUTH_MODES);

export const connectionFields = {
  auth: z._default(authMode, 'none'),
  /** Unset: on for msk-iam, off otherwise. */
  tls: z.optional(bool),
  tlsCaPem: z.optional(pem('BEGIN CERTIFICATE', 'certificate')),
  tlsCertPem: z.optional(pem('BEGIN CERTIFICATE', 'certificate')),
  tlsKeyPem: z.optional(pem('PRIVATE KEY', 'private key')),
  tlsRejectUnauthorized: z._default(bool, true),
  saslUsername: z.optional(z.string().check(z.minLength(1))),
  saslPassword: z.optional(z.string().check(z.minLength(1))),
  scramSecretArn: z.optional(z.string().check(z.regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a Secrets Manager secret ARN'))),
  region: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'))),
};

/** The settings of one connection after parsing, TLS resolved. */
export interface ConnectionSettings {
  readonly auth: AuthMode;
  readonly tls: boolean;
  readonly tlsCaPem?: string;
  readonly tlsCertPem?: string;
  readonly tlsKeyPem?: string;
  readonly tlsRejectUnauthorized: boolean;
  readonly saslUsername?: string;
  readonly saslPassword?: string;
  readonly scramSecretArn?: string;
  readonly region?: string;
}

type RawConnection = Omit<ConnectionSettings, 'tls'> & { tls?: boolean };

/**
 * The rules a connection's settings obey together; `field` names a field as the schema knows it. Another
 * field a message mentions is written @{field}, for configError to name it as the user sets it.
 */
export function connectionIssues(c: RawConnection, field: (name: keyof ConnectionSettings) => string = (n) => n): Array<[string, string]> {
  const scram = c.auth === 'scram-sha-256' || c.auth === 'scram-sha-512';
  const issues: Array<[string, string]> = [];
  if (scram && !c.saslUsername && !c.scramSecretArn)
    issues.push([field('saslUsername'), `is required for auth ${c.auth} (or set @{${field('scramSecretArn')}})`]);
  if (scram && c.saslUsername && !c.saslPassword && !c.scramSecretArn)
    issues.push([field('saslPassword'), `is required for auth ${c.auth} (or set @{${field('scramSecretArn')}})`]);
  if (!scram && (c.saslUsername || c.saslPassword || c.scramSecretArn))
    issues.push([field('auth'), 'SASL credentials are set but auth is not scram-sha-256 or scram-sha-512']);
  if ((c.tlsCertPem === undefined) !== (c.tlsKeyPem === undefined)) issues.push([field('tlsKeyPem'), 'a client certificate and its key go together']);
  if (c.auth === 'msk-iam' && c.tls === false) issues.push([field('tls'), 'msk-iam requires TLS']);
  return issues;
}

export function resolveConnection(c: RawConnection): ConnectionSettings {
  return { ...c, tls: c.tls ?? c.auth === 'msk-iam' };
}

/** Secrets a connection holds, for scrubbing from logs. */
export function connectionSecrets(c: Partial<ConnectionSettings>): string[] {
  return [c.saslPassword, c.tlsKeyPem].filter((s): s is string => typeof s === 'string');
}

/** Where metrics go: shared by the canary, the pipeline canary and the lag check. */
export const metricsFields = {
  metricsNamespace: z._default(z.string().check(z.regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'letters, digits and . _ / # : -')), DEFAULT_NAMESPACE),
  metricsSink: z._default(oneOf(METRIC_SINKS), 'api'),
  metricsHighResolution: z._default(bool, false),
};

export class ConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid streamprobe configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type FieldNamer = (field: string) => string;
export const byField: FieldNamer = (field) => field;
export const ENV_FIELD_NAMER_FALLBACK = byField;

/** Names a field by the variable that sets it, for errors at cold start. */
export function envNamer(names: Readonly<Record<string, string>>): FieldNamer {
  return (field) => (field in names ? `${names[field]} (${field})` : field);
}

/** One line per schema issue, naming the field as the user set it (flag, variable or field name). */
export function configError(issues: readonly z.core.$ZodIssue[], raw: Record<string, unknown>, name: FieldNamer): ConfigError {
  return new ConfigError(
    issues.map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown setting ${issue.keys.map(name).join(', ')}`;
      const key = issue.path.length ? String(issue.path[0]) : undefined;
      const missing = issue.code === 'invalid_type' && key !== undefined && raw[key] === undefined;
      // A message may name another field as @{field}: named the way the user sets it, like the key; an
      // "(or set @{field})" the user cannot set here (the namer gives '') is left out.
      const message = issue.message
        .replace(/ \(or set @\{(\w+)\}\)/g, (_, other: string) => (name(other) ? ` (or set ${name(other)})` : ''))
        .replace(/@\{(\w+)\}/g, (_, other: string) => name(other));
      return `${key === undefined ? 'configuration' : name(key)}: ${missing ? 'is required' : message}`;
    }),
  );
}

/** Variables of the command line's own machinery, not of any check. */
const TOOL_VARIABLES: ReadonlySet<string> = new Set(Object.values(TOOL_ENV));

/**
 * Raw settings from STREAMPROBE_* variables, by the given field-to-variable map (the probe's, a pipeline's,
 * a lag check's); an unknown STREAMPROBE_ variable is an error (a typo must not pass silently).
 */
export function rawConfigFromEnv(env: NodeJS.ProcessEnv, names: Readonly<Record<string, string>> = ENV): Record<string, unknown> {
  const fieldByEnv = new Map<string, string>(Object.entries(names).map(([field, key]) => [key, field]));
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [given, value] of Object.entries(env)) {
    if (!given.startsWith('STREAMPROBE_') || value === undefined || value === '' || TOOL_VARIABLES.has(given)) continue;
    const renamed = DEPRECATED_ENV[given];
    if (renamed !== undefined && env[renamed]) continue;
    const key = renamed ?? given;
    const field = fieldByEnv.get(key);
    if (field) raw[field] = value;
    else unknown.push(key);
  }
  if (unknown.length) throw new ConfigError(unknown.map((k) => `unknown environment variable ${k}`));
  return raw;
}
