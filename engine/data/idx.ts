/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero
 * bytes, an element-type code, the number of dimensions), one big-endian
 * uint32 per dimension, then the elements in row-major order, big-endian.
 * Files are read gzipped or not; gzip is recognised by its magic bytes, not
 * by the file name, since people unpack and rename these files freely.
 */
import { readFile, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { StudioError } from '../errors.js';

/**
 * The most an IDX file may unpack to: Fashion-MNIST's largest file is 47 MB,
 * so this is room for datasets 20 times its size, and a gzip bomb stops here.
 */
export const MAX_IDX_BYTES = 1024 * 1024 * 1024;

export type IdxElementType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

const ELEMENT_TYPES: Record<number, { type: IdxElementType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

export interface IdxArray {
  type: IdxElementType;
  shape: number[];
  /** Elements in row-major order, converted from big-endian to this machine's order. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Images with their labels, shaped like an ImageSplit minus file names. */
export interface IdxImageSet {
  count: number;
  height: number;
  width: number;
  channels: 1;
  /** count × height × width bytes. */
  images: Uint8Array;
  labels: Int32Array;
}

const GZIP_MAGIC = [0x1f, 0x8b];

function idxError(path: string, problem: string, hint: string): StudioError {
  return new StudioError(`"${path}" is not a valid IDX file: ${problem}.`, hint, 'data-bad-idx');
}

export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Buffer;
  try {
    const { size } = await stat(path);
    if (size > MAX_IDX_BYTES) {
      throw idxError(path, `it is ${size.toLocaleString('en-US')} bytes, more than the ${MAX_IDX_BYTES.toLocaleString('en-US')} bytes an IDX file may hold`, 'Split the dataset, or convert it to a folder of images.');
    }
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof StudioError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new StudioError(
      `IDX file "${path}" ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`}.`,
      'Check the path; MNIST-style files are named like train-images-idx3-ubyte(.gz).',
      code === 'ENOENT' ? 'data-file-missing' : 'data-file-unreadable',
    );
  }
  if (bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1]) {
    bytes = await gunzipCapped(path, bytes);
  }
  return parseIdx(path, bytes);
}

/**
 * Unpacks a gzipped IDX file, stopping as soon as it holds more than its own
 * header declares (or MAX_IDX_BYTES): what unpacks is never bigger than the
 * array the file says it is.
 */
async function gunzipCapped(path: string, packed: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  let limit = MAX_IDX_BYTES;
  let headerRead = false;
  const gunzip = createGunzip();
  const overflow = (): StudioError =>
    idxError(path, `it unpacks to more than the ${limit.toLocaleString('en-US')} bytes ${headerRead ? 'its header declares' : 'an IDX file may hold'}`, 'The file is corrupt or not an IDX file; fetch it again.');
  return new Promise<Buffer>((resolve, reject) => {
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (!headerRead && total >= 4) {
        const head = Buffer.concat(chunks);
        const rank = head[3]!;
        const elementType = ELEMENT_TYPES[head[2]!];
        if (elementType && head.length >= 4 + 4 * rank) {
          headerRead = true;
          let elements = 1;
          for (let i = 0; i < rank; i++) elements *= head.readUInt32BE(4 + 4 * i);
          limit = Math.min(MAX_IDX_BYTES, 4 + 4 * rank + elements * elementType.bytes);
        }
      }
      if (total > limit) {
        gunzip.destroy();
        reject(overflow());
      }
    });
    gunzip.on('error', (error) =>
      reject(idxError(path, `it starts like gzip but does not unpack (${error.message})`, 'The download is probably cut off; fetch the file again.')),
    );
    gunzip.on('end', () => resolve(Buffer.concat(chunks, total)));
    gunzip.end(packed);
  });
}

/** Parses IDX bytes (already unpacked); `path` only names the file in errors. */
export function parseIdx(path: string, bytes: Uint8Array): IdxArray {
  if (bytes.length < 4) {
    throw idxError(path, `it has only ${bytes.length} bytes, fewer than the 4-byte header`, 'The file is cut off or empty; fetch it again.');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const elementType = ELEMENT_TYPES[bytes[2]!];
  if (bytes[0] !== 0 || bytes[1] !== 0 || elementType === undefined) {
    throw idxError(
      path,
      `its magic number is 0x${magic.toString(16).padStart(8, '0')}; IDX files start with 0x0000 then a type code (0x08 for bytes) and the number of dimensions, e.g. 0x00000803 for images`,
      'Point at the unpacked IDX file or its .gz (e.g. train-images-idx3-ubyte.gz), not at another kind of file.',
    );
  }
  const rank = bytes[3]!;
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerBytes) {
    throw idxError(path, `its header declares ${rank} dimensions but the file is too short to list them`, 'The file is cut off; fetch it again.');
  }
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const elements = shape.reduce((product, size) => product * size, 1);
  const expectedBytes = headerBytes + elements * elementType.bytes;
  if (bytes.length !== expectedBytes) {
    throw idxError(
      path,
      `its header says ${shape.join('×')} ${elementType.type} elements (${expectedBytes} bytes in all) but the file has ${bytes.length} bytes`,
      bytes.length < expectedBytes ? 'The file is cut off; fetch it again.' : 'The file has extra bytes after its data; fetch it again.',
    );
  }
  return { type: elementType.type, shape, data: readElements(view, headerBytes, elements, elementType.type) };
}

function readElements(view: DataView, offset: number, count: number, type: IdxElementType): IdxArray['data'] {
  switch (type) {
    case 'uint8':
      return new Uint8Array(view.buffer, view.byteOffset + offset, count).slice();
    case 'int8':
      return new Int8Array(view.buffer, view.byteOffset + offset, count).slice();
    case 'int16':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(offset + 2 * i, false));
    case 'int32':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(offset + 4 * i, false));
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(offset + 4 * i, false));
    case 'float64':
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(offset + 8 * i, false));
  }
}

/** Reads an images file (uint8, count × height × width) and its labels file (uint8, count). */
export async function readIdxImagesAndLabels(imagesPath: string, labelsPath: string): Promise<IdxImageSet> {
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  const swapHint =
    'Pass the images file first and the labels file second: images files (…-images-idx3-ubyte) hold 3 dimensions, labels files (…-labels-idx1-ubyte) hold 1.';
  if (images.type !== 'uint8' || images.shape.length !== 3) {
    throw idxError(imagesPath, `an images file holds uint8 × 3 dimensions (count, height, width), this one holds ${images.type} × ${images.shape.length} (${images.shape.join('×')})`, swapHint);
  }
  if (labels.type !== 'uint8' || labels.shape.length !== 1) {
    throw idxError(labelsPath, `a labels file holds uint8 × 1 dimension (count), this one holds ${labels.type} × ${labels.shape.length} (${labels.shape.join('×')})`, swapHint);
  }
  const [count, height, width] = images.shape as [number, number, number];
  if (labels.shape[0] !== count) {
    throw new StudioError(
      `"${imagesPath}" holds ${count} images but "${labelsPath}" holds ${labels.shape[0]} labels.`,
      'Use the labels file that belongs to these images (train-images goes with train-labels, t10k-images with t10k-labels).',
      'data-bad-idx',
    );
  }
  return { count, height, width, channels: 1, images: images.data as Uint8Array, labels: Int32Array.from(labels.data) };
}
