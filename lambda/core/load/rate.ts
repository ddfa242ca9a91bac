/**
 * A load's target rate: records per second ("5000/s", "5k/s") or bytes per second ("5MB/s", "512KB/s",
 * decimal units as Kafka's tools print them). A bare number is refused: "5000" could mean either.
 */
export type Rate = { readonly recordsPerSecond: number } | { readonly bytesPerSecond: number };

const BYTES: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 };

export function parseRate(text: string): Rate | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(k?)\s*(B|KB|MB|GB)?\s*\/\s*s\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]) * (m[2] ? 1000 : 1);
  if (!(value > 0)) return undefined;
  if (m[3]) return m[2] ? undefined : { bytesPerSecond: value * BYTES[m[3]]! };
  return { recordsPerSecond: value };
}

/** Records per second, for a rate given in bytes: each record is `messageBytes` of value. */
export function recordsPerSecond(rate: Rate, messageBytes: number): number {
  return 'recordsPerSecond' in rate ? rate.recordsPerSecond : rate.bytesPerSecond / messageBytes;
}

export function formatRate(rate: Rate): string {
  return 'recordsPerSecond' in rate ? `${rate.recordsPerSecond}/s` : `${rate.bytesPerSecond / 1e6}MB/s`;
}
