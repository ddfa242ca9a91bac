/**
 * Where reading goes on after a fetch answered OFFSET_OUT_OF_RANGE: the records at the position were
 * deleted (retention, deleteRecords) or the log was cut back, and the answer says neither where the log
 * starts nor where it ends. From the log start when the position is below it, from the log end when it is
 * beyond it; undefined when the position is inside the log after all (nothing to move).
 */
export function positionInLog(at: string, log: { readonly low: string; readonly high: string }): string | undefined {
  if (BigInt(log.low) > BigInt(at)) return log.low;
  if (BigInt(log.high) < BigInt(at)) return log.high;
  return undefined;
}
