/**
 * Real image folders for tests: PNG files on disk, written with sharp, of
 * classes a tiny CNN can tell apart in a few epochs (horizontal stripes,
 * vertical stripes, a checkerboard), with seeded noise and phase so no two
 * images are the same.
 */
import sharp from 'sharp';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '../data/random.js';

export const PATTERN_CLASSES = ['checks', 'horizontal', 'vertical'] as const;

export type PatternClass = (typeof PATTERN_CLASSES)[number];

export interface PatternFolderOptions {
  /** Which classes to write (all three by default). */
  classes?: readonly PatternClass[];
  perClass?: number;
  size?: number;
  seed?: number;
  /** Write DIR/train|test/<class> instead of DIR/<class>. */
  testPerClass?: number;
}

function patternPixels(kind: (typeof PATTERN_CLASSES)[number], size: number, random: () => number): Buffer {
  const pixels = Buffer.alloc(size * size);
  const period = 4;
  const phase = Math.floor(random() * period);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const on =
        kind === 'horizontal'
          ? (y + phase) % period < period / 2
          : kind === 'vertical'
            ? (x + phase) % period < period / 2
            : (Math.floor((x + phase) / 2) + Math.floor((y + phase) / 2)) % 2 === 0;
      const noise = (random() - 0.5) * 60;
      pixels[y * size + x] = Math.max(0, Math.min(255, Math.round((on ? 200 : 50) + noise)));
    }
  }
  return pixels;
}

async function writeClassImages(dir: string, kind: (typeof PATTERN_CLASSES)[number], count: number, size: number, random: () => number) {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await sharp(patternPixels(kind, size, random), { raw: { width: size, height: size, channels: 1 } })
      .png()
      .toFile(join(dir, `${kind}-${String(i).padStart(3, '0')}.png`));
  }
}

/** Writes the folder and returns its path (a fresh temporary folder). */
export async function writePatternFolder(options: PatternFolderOptions = {}): Promise<string> {
  const { perClass = 30, size = 12, seed = 1, testPerClass, classes = PATTERN_CLASSES } = options;
  const root = await mkdtemp(join(tmpdir(), 'cnnstudio-patterns-'));
  const random = createRandom(seed);
  for (const kind of classes) {
    if (testPerClass === undefined) {
      await writeClassImages(join(root, kind), kind, perClass, size, random);
    } else {
      await writeClassImages(join(root, 'train', kind), kind, perClass, size, random);
      await writeClassImages(join(root, 'test', kind), kind, testPerClass, size, random);
    }
  }
  return root;
}
