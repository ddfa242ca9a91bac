/**
 * Keeps secrets out of logs: values under secret-looking keys are replaced, and every known secret
 * string is scrubbed from any text (error messages and stacks can quote a password or token).
 */
import type { ErrorInfo, RunPhase } from './check-report';

const SECRET_KEY = /pass(word)?|secret|token|credential|private.?key|^key$|sasl|authorization|cookie/i;
export const REDACTED = '[REDACTED]';

export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Short strings would scrub ordinary words; real secrets are longer than this.
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Every known secret string scrubbed from every text in a value, at any depth; nothing else changes. */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') return scrubText(value, secrets) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, secrets)) as T;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, scrubSecrets(v, secrets)])) as T;
}

export function redact<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (typeof value === 'string') return scrubText(value, secrets) as T;
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && v != null && typeof v !== 'boolean' ? REDACTED : redact(v, secrets, depth + 1);
  }
  return out as T;
}

/**
 * The error that says what went wrong: client wrappers (kafkajs's "retries exceeded", say) carry the Kafka
 * error, such as NOT_ENOUGH_REPLICAS, as their cause.
 */
/** The error at the bottom of kafkajs's wrappers (retries exceeded, non-retriable), which says what happened. */
export function innermostCause(e: Error): Error {
  let current = e;
  for (let depth = 0; depth < 5; depth++) {
    const next = (current as { originalError?: unknown; cause?: unknown }).originalError ?? (current as { cause?: unknown }).cause;
    if (!(next instanceof Error)) break;
    current = next;
  }
  return current;
}

/** Turns anything thrown into a plain, secret-free error record; its type is the Kafka error code when there is one. */
/** A Kafka error code (NOT_LEADER_OR_FOLLOWER): the broker answered, unlike a timeout or a closed connection. */
export const isKafkaErrorCode = (type: string) => /^[A-Z][A-Z_]+$/.test(type);

export function toErrorInfo(error: unknown, phase: RunPhase, secrets: readonly string[] = [], where: { partition?: number; eventId?: string } = {}): ErrorInfo {
  const e = error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error));
  const cause = innermostCause(e);
  const type = (cause as { type?: unknown }).type;
  const message = cause === e ? e.message : `${cause.message} (${e.name}: ${e.message})`;
  const errorType = typeof type === 'string' && type.length > 0 ? type : cause.name || 'Error';
  return {
    phase,
    type: errorType,
    message: scrubText(message + hintFor(phase, errorType), secrets),
    ...(e.stack ? { stack: scrubText(e.stack, secrets) } : {}),
    ...where,
  };
}

/** What an operator should check when the first exchange with an endpoint goes wrong. */
function hintFor(phase: RunPhase, type: string): string {
  if (phase !== 'connect') return '';
  if (type === 'KafkaJSConnectionClosedError') {
    return ': the endpoint closed the connection during the Kafka handshake; check that it is a Kafka listener and that its protocol matches (TLS, SASL)';
  }
  return '';
}
