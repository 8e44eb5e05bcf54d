/**
 * Builds real image files and folders for the data module's tests: every
 * fixture is encoded by sharp, so the tests decode what a person's folder
 * would hold, not mocks.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { ImageSplit } from '../data/types.js';

/** One PNG chunk: length, type, data and the CRC over type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `convnet-studio-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

type Colour = { r: number; g: number; b: number; alpha?: number };

/** A solid-colour image of the given size, encoded in `format`. */
export async function solidImage(width: number, height: number, colour: Colour, format: 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff'): Promise<Buffer> {
  const channels = colour.alpha === undefined ? 3 : 4;
  const image = sharp({ create: { width, height, channels, background: colour } });
  if (format === 'jpeg') return image.jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer();
  // sharp's TIFF defaults to JPEG compression; LZW keeps the colour exact.
  if (format === 'tiff') return image.tiff({ compression: 'lzw' }).toBuffer();
  return image.toFormat(format).toBuffer();
}

/** A true one-channel greyscale PNG (sharp widens to RGB unless told otherwise); `firstPixel` tells otherwise equal images apart. */
export async function greyPng(width: number, height: number, value: number, firstPixel = value): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height, value);
  pixels[0] = firstPixel;
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}

/**
 * A JPEG stored 40×20 with its left half white, tagged with EXIF orientation
 * 6 (turn 90° clockwise to view): viewed upright it is 20×40, white on top.
 */
export async function rotatedJpeg(): Promise<Buffer> {
  const width = 40;
  const height = 20;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) pixels.fill(255, y * width * 3, (y * width + width / 2) * 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
}

/**
 * A PNG written byte by byte, for the variants encoders rarely produce on
 * request: 16-bit samples, packed palettes, tRNS, grey with alpha. `samples`
 * holds one number per sample (palette indices for colour type 3), row by row.
 */
export function encodePng(options: {
  width: number;
  height: number;
  colourType: 0 | 2 | 3 | 4 | 6;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  samples: number[];
  palette?: [number, number, number][];
  transparency?: number[];
}): Buffer {
  const { width, height, colourType, bitDepth, samples } = options;
  const perPixel = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colourType];
  const rowBytes = Math.ceil((width * perPixel * bitDepth) / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * perPixel; i++) {
      const value = samples[y * width * perPixel + i]!;
      const at = y * (rowBytes + 1) + 1;
      if (bitDepth === 16) raw.writeUInt16BE(value, at + i * 2);
      else if (bitDepth === 8) raw[at + i] = value;
      else raw[at + ((i * bitDepth) >> 3)]! |= value << (8 - bitDepth - ((i * bitDepth) & 7));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = bitDepth;
  header[9] = colourType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    ...(options.palette ? [pngChunk('PLTE', Buffer.from(options.palette.flat()))] : []),
    ...(options.transparency ? [pngChunk('tRNS', Buffer.from(options.transparency))] : []),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A two-frame animated GIF: blue, then red. Only the first frame counts. */
export async function animatedGif(): Promise<Buffer> {
  const frame = (background: Colour) => sharp({ create: { width: 4, height: 4, channels: 3, background } }).png().toBuffer();
  return sharp([await frame({ r: 0, g: 0, b: 255 }), await frame({ r: 255, g: 0, b: 0 })], { join: { animated: true } }).gif().toBuffer();
}

/** An interlaced (Adam7) PNG, which the studio leaves to sharp. */
export async function interlacedPng(width: number, height: number, colour: Colour): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png({ progressive: true }).toBuffer();
}

/** A file tree: path → contents, or { symlink: target } for a link. */
export type Tree = Record<string, Buffer | string | { symlink: string }>;

export async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const [path, contents] of Object.entries(tree)) {
    const full = join(root, path);
    await mkdir(path.endsWith('/') ? full : dirname(full), { recursive: true });
    if (path.endsWith('/')) continue;
    if (typeof contents === 'object' && !Buffer.isBuffer(contents)) await symlink(contents.symlink, full);
    else await writeFile(full, contents);
  }
}

/** N tiny PNGs per class, e.g. { cat: 10, dog: 7 }, named 000.png, 001.png, … */
export async function classFolders(root: string, counts: Record<string, number>, prefix = ''): Promise<void> {
  const png = await greyPng(2, 2, 128);
  const tree: Tree = {};
  for (const [name, count] of Object.entries(counts)) {
    if (count === 0) tree[`${prefix}${name}/`] = '';
    for (let i = 0; i < count; i++) tree[`${prefix}${name}/${String(i).padStart(3, '0')}.png`] = png;
  }
  await writeTree(root, tree);
}

/** The class names of messyFolder, in the order the scan reports them. */
export const MESSY_CLASSES = ['cat', 'dog', 'éléphant 🐘'];

/**
 * A folder with everything a real one gets wrong: mixed formats and sizes
 * (PNG 8- and 16-bit, palette with and without alpha, grey with alpha,
 * interlaced; JPEG with EXIF rotation; WebP; an animated GIF; TIFF), a
 * nested folder, a symlink loop, a broken link, hidden files, a .txt, a
 * zero-byte and a corrupt image, an empty class and a Unicode class name.
 */
export async function messyFolder(root: string): Promise<void> {
  const jpeg = await solidImage(16, 16, { r: 10, g: 200, b: 30 }, 'jpeg');
  await writeTree(root, {
    'cat/grey.png': await greyPng(8, 6, 77),
    'cat/rgb.png': await solidImage(10, 20, { r: 200, g: 100, b: 50 }, 'png'),
    'cat/nested/deeper/inner.tiff': await solidImage(5, 5, { r: 0, g: 255, b: 0 }, 'tiff'),
    // 16-bit RGB: each sample v·257, so its high byte is v exactly.
    'cat/deep16.png': encodePng({ width: 3, height: 2, colourType: 2, bitDepth: 16, samples: Array.from({ length: 6 }, () => [200 * 257, 100 * 257, 50 * 257]).flat() }),
    'cat/interlaced.png': await interlacedPng(7, 5, { r: 0, g: 128, b: 255 }),
    'cat/nested/loop': { symlink: '..' },
    'cat/.hidden.png': await greyPng(2, 2, 1),
    'cat/notes.txt': 'not an image',
    'cat/empty.png': '',
    'dog/alpha.png': await solidImage(6, 6, { r: 200, g: 100, b: 50, alpha: 0.5 }, 'png'),
    'dog/photo.jpg': jpeg,
    'dog/broken.jpg': Buffer.concat([jpeg.subarray(0, 20), Buffer.from('this is not the rest of a JPEG')]),
    'dog/anim.gif': await animatedGif(),
    // 4-bit palette; every pixel is entry 2.
    'dog/palette.png': encodePng({ width: 5, height: 3, colourType: 3, bitDepth: 4, samples: new Array(15).fill(2), palette: [[0, 0, 0], [255, 255, 255], [10, 20, 30]] }),
    // Palette entry 1 is half transparent (alpha 128).
    'dog/palette-alpha.png': encodePng({ width: 2, height: 2, colourType: 3, bitDepth: 8, samples: [1, 1, 1, 1], palette: [[0, 0, 0], [200, 100, 50]], transparency: [255, 128] }),
    'dog/rotated.jpg': await rotatedJpeg(),
    'éléphant 🐘/big.webp': await solidImage(64, 48, { r: 255, g: 255, b: 255 }, 'webp'),
    // Grey 200 at alpha 51: 40 once flattened onto black.
    'éléphant 🐘/grey-alpha.png': encodePng({ width: 2, height: 2, colourType: 4, bitDepth: 8, samples: [200, 51, 200, 51, 200, 51, 200, 51] }),
    'empty-class/': '',
    'README.md': '# about these images',
    '.git/config': '[core]',
    dangling: { symlink: 'nowhere' },
  });
}

/** The pixels of a split the test expects to be held in memory. */
export function imagesOf(split: ImageSplit): Uint8Array {
  if (split.storage === 'stream') throw new Error('expected an in-memory split, got a streamed one');
  return split.images;
}
