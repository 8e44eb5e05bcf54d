/**
 * Reading the members of a ZIP archive (a Keras 3 `.keras` file is one):
 * the central directory names each member, its method (stored or deflated)
 * and where its bytes start. ZIP64 archives (members over 4 GiB) are refused.
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { StudioError } from '../errors.js';

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

export async function readZipEntries(path: string): Promise<Map<string, Buffer>> {
  const bytes = await readFile(path);
  const bad = (why: string) => new StudioError(`${path} is not a readable ZIP archive (${why}).`, 'Point at a .keras file saved by Keras 3 (model.save("m.keras")).', 'model-wrong-format');
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (bytes.readUInt32LE(i) === END_OF_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad('no end of central directory');
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  if (at === 0xffffffff) throw bad('ZIP64 archives are not supported');
  const entries = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== DIRECTORY_ENTRY) throw bad('damaged central directory');
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (bytes.readUInt32LE(localOffset) !== LOCAL_HEADER) throw bad(`damaged member ${name}`);
    const start = localOffset + 30 + bytes.readUInt16LE(localOffset + 26) + bytes.readUInt16LE(localOffset + 28);
    const raw = bytes.subarray(start, start + compressedSize);
    if (method === 0) entries.set(name, raw);
    else if (method === 8) entries.set(name, inflateRawSync(raw));
    else throw bad(`member ${name} uses compression method ${method}`);
  }
  return entries;
}
