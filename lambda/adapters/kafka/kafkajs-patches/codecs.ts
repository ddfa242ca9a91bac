/**
 * Registers the compression codecs kafkajs lacks (it reads only gzip): snappy, lz4 and zstd. Without them a
 * compressed batch on the canary topic makes the consumer throw, and the events behind it look lost.
 * Pure JavaScript on purpose: the probe runs on arm64 Lambda from one esbuild bundle, where a native addon
 * would need a binary per platform. The probe never writes compressed batches: lz4 and zstd are read only,
 * and the snappy writer (xerial framing) has not been tried against a broker.
 */

import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import * as lz4 from 'lz4js';
import * as snappy from 'snappyjs';

/** Java clients frame snappy the xerial way: a 16-byte header, then blocks of (int32 length, snappy data). */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

export function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length < 16 || !buffer.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappy.uncompress(buffer));
  const blocks: Buffer[] = [];
  for (let at = 16; at < buffer.length; ) {
    const length = buffer.readInt32BE(at);
    blocks.push(Buffer.from(snappy.uncompress(buffer.subarray(at + 4, at + 4 + length))));
    at += 4 + length;
  }
  return Buffer.concat(blocks);
}

export function snappyCompress(buffer: Buffer): Buffer {
  const block = Buffer.from(snappy.compress(buffer));
  const header = Buffer.alloc(16);
  XERIAL_MAGIC.copy(header);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const length = Buffer.alloc(4);
  length.writeInt32BE(block.length);
  return Buffer.concat([header, length, block]);
}

interface Encoder {
  readonly buffer: Buffer;
}

const codec = (compress: (b: Buffer) => Buffer, decompress: (b: Buffer) => Buffer) => () => ({
  compress: async (encoder: Encoder) => compress(encoder.buffer),
  decompress: async (buffer: Buffer) => decompress(buffer),
});

const notWritten = (name: string) => (): Buffer => {
  throw new Error(`streamprobe reads ${name} batches but does not write them`);
};

let registered = false;

/** Idempotent: kafkajs keeps codecs in a module-level table shared by every client. True once registered. */
export function registerCompressionCodecs(): boolean {
  if (registered) return true;
  const codecs = CompressionCodecs as Record<number, unknown> | undefined;
  if (codecs === undefined || CompressionTypes?.ZSTD === undefined) return false;
  registered = true;
  codecs[CompressionTypes.Snappy] = codec(snappyCompress, snappyDecompress);
  // lz4js writes dependent-block frames, which brokers refuse (UNKNOWN_SERVER_ERROR): read only, like zstd.
  codecs[CompressionTypes.LZ4] = codec(notWritten('lz4'), (b) => Buffer.from(lz4.decompress(b)));
  codecs[CompressionTypes.ZSTD] = codec(notWritten('zstd'), (b) => Buffer.from(zstdDecompress(b)));
  return true;
}
