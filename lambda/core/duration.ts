/**
 * Parses "250ms", "10s", "2m" or "1h". A bare number is refused: "--every 5" meaning 5 ms surprised users
 * who meant seconds. Returns undefined when it cannot.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}
