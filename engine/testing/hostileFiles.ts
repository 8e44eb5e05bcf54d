/**
 * Files built to hurt a decoder, for the hostile-input suite: real bytes a
 * person could be handed (a PNG or a gzipped IDX whose data unpacks to far
 * more than its header declares), built in memory in milliseconds.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { pngChunk } from './imageFiles.js';

/**
 * A well-formed RGBA PNG header of `width`×`height` whose image data is
 * `unpackedBytes` zero bytes, deflated (about 1,000:1). With `unpackedBytes`
 * far above (4 × width + 1) × height it is a zip bomb.
 */
export function pngBomb(width: number, height: number, unpackedBytes: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(unpackedBytes), { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A gzipped IDX images file whose header declares `count` × `side` × `side` bytes, followed by `unpackedBytes` zeros. */
export function idxGzipBomb(count: number, side: number, unpackedBytes: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(side, 8);
  header.writeUInt32BE(side, 12);
  return gzipSync(Buffer.concat([header, Buffer.alloc(unpackedBytes)]), { level: 9 });
}
