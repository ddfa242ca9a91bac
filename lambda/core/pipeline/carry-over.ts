/**
 * What one pipeline process hands the next: the canaries still in flight when it committed where it read the
 * output to, written into the commit's metadata (one string per output partition). A new process (a Lambda
 * after a cold start, a CLI restarted) then knows exactly which of its predecessors' canaries were not yet
 * judged: those listed, and those sent after the commit. Everything else sent before the commit was judged
 * already, and is never judged again.
 *
 *   sp1;<commit time, ms base 36>;<canaries in all chunks>;<id>[.<arrival - sent, ms base 36>...],...
 */
import { sentAtOf } from './canary-id';

export interface CarriedCanary {
  readonly id: string;
  /** Wall-clock times its outputs arrived so far (fan-out: fewer than expected). */
  readonly arrivals: readonly number[];
}

export interface CarryOver {
  readonly committedAtMs: number;
  readonly inFlight: readonly CarriedCanary[];
}

const VERSION = 'sp1';
/** Kafka keeps at most offset.metadata.max.bytes (4096 by default) per partition; well under it. */
export const CHUNK_CHARS = 1000;

function encodeCanary(c: CarriedCanary): string {
  const sentAt = sentAtOf(c.id) ?? 0;
  return [c.id, ...c.arrivals.map((a) => Math.max(0, Math.round(a - sentAt)).toString(36))].join('.');
}

function decodeCanary(text: string): CarriedCanary | undefined {
  const [id, ...deltas] = text.split('.');
  const sentAt = id === undefined ? undefined : sentAtOf(id);
  if (sentAt === undefined || deltas.some((d) => !/^[0-9a-z]+$/.test(d))) return undefined;
  return { id: id!, arrivals: deltas.map((d) => sentAt + parseInt(d, 36)) };
}

/**
 * The metadata of each of `partitions` commits. When the canaries do not all fit, the newest that fit are
 * written with the true total, so the next process sees the list is incomplete and trusts none of it.
 */
export function encodeCarryOver(state: CarryOver, partitions: number, chunkChars = CHUNK_CHARS): string[] {
  const head = `${VERSION};${Math.round(state.committedAtMs).toString(36)};${state.inFlight.length};`;
  const chunks: string[][] = Array.from({ length: Math.max(1, partitions) }, () => []);
  const room = chunkChars - head.length;
  let at = 0;
  const newestFirst = [...state.inFlight].reverse();
  for (const c of newestFirst) {
    const text = encodeCanary(c);
    while (at < chunks.length && [...chunks[at]!, text].join(',').length > room) at++;
    if (at === chunks.length) break;
    chunks[at]!.push(text);
  }
  return chunks.map((items) => head + items.join(','));
}

/**
 * The state the last commit carried, from every partition's metadata; undefined when there is none (never
 * committed, or by a version before this one) or it is incomplete (too many canaries to fit, a partition
 * added since): then nothing of the predecessor's is judged, and nothing is invented.
 */
export function decodeCarryOver(metadata: ReadonlyArray<string | null | undefined>): CarryOver | undefined {
  let committedAt: string | undefined;
  let total: number | undefined;
  const inFlight: CarriedCanary[] = [];
  for (const m of metadata) {
    const [version, at, count, items, ...rest] = (m ?? '').split(';');
    if (version !== VERSION || at === undefined || count === undefined || items === undefined || rest.length > 0) return undefined;
    if (committedAt !== undefined && (at !== committedAt || Number(count) !== total)) return undefined;
    committedAt = at;
    total = Number(count);
    for (const text of items ? items.split(',') : []) {
      const c = decodeCanary(text);
      if (!c) return undefined;
      inFlight.push(c);
    }
  }
  if (committedAt === undefined || inFlight.length !== total || !/^[0-9a-z]+$/.test(committedAt)) return undefined;
  return { committedAtMs: parseInt(committedAt, 36), inFlight };
}
