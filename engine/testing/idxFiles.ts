/** IDX files written byte by byte, for the tests of the IDX reader. */

/** An IDX file: magic 0x0000·type·rank, big-endian dimensions, then the element bytes as given. */
export function idxBytes(type: number, shape: number[], body: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, body]);
}
