/**
 * Keeps secrets out of logs: values under secret-looking keys are replaced, and every known secret
 * string is scrubbed from any text (error messages and stacks can quote a password or token).
 */
import type { ErrorInfo, RunPhase } from './report';

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

/** Turns anything thrown into a plain, secret-free error record. */
export function toErrorInfo(
  error: unknown,
  phase: RunPhase,
  secrets: readonly string[],
  where: { partition?: number; eventId?: string } = {},
): ErrorInfo {
  const e = error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error));
  const type = (e as { type?: unknown }).type;
  return {
    phase,
    type: typeof type === 'string' && type.length > 0 ? type : e.name || 'Error',
    message: scrubText(e.message, secrets),
    ...(e.stack ? { stack: scrubText(e.stack, secrets) } : {}),
    ...where,
  };
}
