/**
 * PNG files built chunk by chunk, for the decoder's tests: a header, rows
 * given with their filter byte, the end chunk, the signature in front.
 * Hand-built because the cases (a split IDAT, tRNS keys, broken headers) are
 * files no encoder writes on request.
 */
import { deflateSync } from 'node:zlib';
import { pngChunk } from './imageFiles.js';

export const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function ihdr(width: number, height: number, bitDepth: number, colourType: number, interlace = 0): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = bitDepth;
  header[9] = colourType;
  header[12] = interlace;
  return pngChunk('IHDR', header);
}

/** Rows given with their filter byte first, deflated into one IDAT chunk. */
export function idat(rows: number[][]): Buffer {
  return pngChunk('IDAT', deflateSync(Buffer.from(rows.flat())));
}

export const IEND = pngChunk('IEND', Buffer.alloc(0));

/** The signature followed by these chunks. */
export function png(...chunks: Buffer[]): Buffer {
  return Buffer.concat([SIGNATURE, ...chunks]);
}
