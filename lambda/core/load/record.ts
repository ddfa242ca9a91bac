/**
 * The load's record value: a 4-byte magic, the load's 8-byte id, the record's sequence number, then
 * padding to the requested size. Binary, so that encoding thousands a second costs next to nothing.
 */
const MAGIC = 0x53504c44; // "SPLD"
export const LOAD_HEADER_BYTES = 4 + 8 + 8;

export function encodeLoadRecord(loadId: Buffer, seq: number, size: number): Buffer {
  const value = Buffer.alloc(Math.max(size, LOAD_HEADER_BYTES));
  value.writeUInt32BE(MAGIC, 0);
  loadId.copy(value, 4, 0, 8);
  value.writeDoubleBE(seq, 12);
  return value;
}

/** The sequence number of a record of this load; undefined for anything else (another load, foreign data). */
export function decodeLoadRecord(loadId: Buffer, value: Buffer | null): number | undefined {
  if (!value || value.length < LOAD_HEADER_BYTES || value.readUInt32BE(0) !== MAGIC) return undefined;
  if (value.compare(loadId, 0, 8, 4, 12) !== 0) return undefined;
  const seq = value.readDoubleBE(12);
  return Number.isInteger(seq) && seq >= 0 ? seq : undefined;
}
