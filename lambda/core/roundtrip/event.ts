/**
 * The canary event format, version 1: one JSON object per Kafka record value.
 *   {"sp":1,"probe":..,"run":..,"p":partition,"seq":n,"t":monotonicMs,"wall":epochMs,"pad":"..","crc":"8 hex"}
 * The checksum covers every other field, so a flipped byte anywhere is caught. `t` is only comparable
 * inside the process that wrote it (same monotonic clock); `wall` dates events from earlier runs.
 * Decoding never throws: every byte string is classified.
 */
import { crc32Hex } from './crc32';

export const EVENT_FORMAT_VERSION = 1;
const MAGIC_PREFIX = '{"sp":';
const PAD_PATTERN = 'streamprobe-canary-';

export interface CanaryEvent {
  readonly probe: string;
  readonly run: string;
  readonly partition: number;
  readonly seq: number;
  /** Monotonic send time in ms, from the sending process's clock. */
  readonly sentAt: number;
  /** Wall-clock send time in ms since the epoch. */
  readonly wallAt: number;
}

export type Decoded =
  | { readonly kind: 'event'; readonly event: CanaryEvent }
  | { readonly kind: 'corrupt'; readonly reason: string; readonly claimed?: Partial<CanaryEvent> }
  | { readonly kind: 'foreign'; readonly reason: string };

export function eventId(e: Pick<CanaryEvent, 'run' | 'partition' | 'seq'>): string {
  return `${e.run}/${e.partition}/${e.seq}`;
}

function checksumInput(e: CanaryEvent, pad: string): string {
  return `${EVENT_FORMAT_VERSION}|${e.probe}|${e.run}|${e.partition}|${e.seq}|${e.sentAt}|${e.wallAt}|${pad}`;
}

function padFor(seq: number, length: number): string {
  if (length <= 0) return '';
  const unit = `${PAD_PATTERN}${seq}-`;
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

function serialize(e: CanaryEvent, pad: string): string {
  return JSON.stringify({
    sp: EVENT_FORMAT_VERSION,
    probe: e.probe,
    run: e.run,
    p: e.partition,
    seq: e.seq,
    t: e.sentAt,
    wall: e.wallAt,
    pad,
    crc: crc32Hex(checksumInput(e, pad)),
  });
}

/** Encodes an event padded so the value is `targetBytes` long (or its minimum size, if larger). */
export function encodeEvent(e: CanaryEvent, targetBytes: number): string {
  const bare = serialize(e, '');
  // ASCII-only content, so string length equals byte length.
  return serialize(e, padFor(e.seq, targetBytes - bare.length));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(value: Uint8Array | string | null | undefined): string | undefined {
  if (value == null) return undefined;
  if (typeof value === 'string') return value;
  try {
    return utf8.decode(value);
  } catch {
    return undefined;
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

function claimedFields(o: Record<string, unknown>): Partial<CanaryEvent> {
  const claimed: { -readonly [K in keyof CanaryEvent]?: CanaryEvent[K] } = {};
  if (isStr(o.probe)) claimed.probe = o.probe;
  if (isStr(o.run)) claimed.run = o.run;
  if (isInt(o.p)) claimed.partition = o.p;
  if (isInt(o.seq)) claimed.seq = o.seq;
  return claimed;
}

export function decodeEvent(value: Uint8Array | string | null | undefined): Decoded {
  const text = asText(value);
  if (text === undefined) return { kind: 'foreign', reason: value == null ? 'empty value' : 'not UTF-8' };
  if (!text.startsWith(MAGIC_PREFIX)) return { kind: 'foreign', reason: 'not a streamprobe event' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: 'corrupt', reason: 'streamprobe prefix but invalid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { kind: 'corrupt', reason: 'streamprobe prefix but not an object' };
  }
  const o = parsed as Record<string, unknown>;
  if (o.sp !== EVENT_FORMAT_VERSION) {
    return { kind: 'foreign', reason: `unsupported event format version ${JSON.stringify(o.sp)}` };
  }
  const claimed = claimedFields(o);
  if (
    !isStr(o.probe) ||
    !isStr(o.run) ||
    !isInt(o.p) ||
    !isInt(o.seq) ||
    !isNum(o.t) ||
    !isNum(o.wall) ||
    typeof o.pad !== 'string' ||
    typeof o.crc !== 'string'
  ) {
    return { kind: 'corrupt', reason: 'missing or mistyped field', claimed };
  }
  const event: CanaryEvent = { probe: o.probe, run: o.run, partition: o.p, seq: o.seq, sentAt: o.t, wallAt: o.wall };
  if (crc32Hex(checksumInput(event, o.pad)) !== o.crc) return { kind: 'corrupt', reason: 'checksum mismatch', claimed };
  return { kind: 'event', event };
}
