/**
 * Pipeline canary ids: lowercase letters and digits only, so the id survives what applications do to
 * text (split on non-word characters, lowercase, embed in JSON, use as a key). The id carries its own send
 * time, so a process that did not send it (a Lambda after a cold start) still knows when it was due.
 *   sp + send time (epoch ms, base 36, 9 chars) + 6 random base-36 chars, e.g. "spmi3k2j9x0a7f3qz"
 */
const PREFIX = 'sp';
const TIME_CHARS = 9;
const RANDOM_CHARS = 6;
export const CANARY_ID_PATTERN = new RegExp(`^${PREFIX}([0-9a-z]{${TIME_CHARS}})([0-9a-z]{${RANDOM_CHARS}})$`);
/** Finds canary ids inside longer text (a value, a key). */
export const CANARY_ID_IN_TEXT = new RegExp(`\\b${PREFIX}[0-9a-z]{${TIME_CHARS + RANDOM_CHARS}}\\b`, 'g');

export function newCanaryId(sentAtMs: number, random: () => number = Math.random): string {
  const time = Math.floor(sentAtMs).toString(36).padStart(TIME_CHARS, '0').slice(-TIME_CHARS);
  let tail = '';
  for (let i = 0; i < RANDOM_CHARS; i++) tail += Math.floor(random() * 36).toString(36);
  return `${PREFIX}${time}${tail}`;
}

/** The send time an id carries, or undefined when the text is not a canary id. */
export function sentAtOf(id: string): number | undefined {
  const m = CANARY_ID_PATTERN.exec(id);
  return m ? parseInt(m[1]!, 36) : undefined;
}
