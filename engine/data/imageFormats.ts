/**
 * Which files count as images. The scan decides by extension (cheap for tens
 * of thousands of files); the decoder finds the files that lie about it.
 */
import { extname } from 'node:path';
import sharp from 'sharp';

/** Extensions per sharp input format; a format is offered only when this sharp build can read files of it. */
const EXTENSIONS_BY_FORMAT: Record<string, readonly string[]> = {
  png: ['.png'],
  jpeg: ['.jpg', '.jpeg', '.jpe', '.jfif'],
  webp: ['.webp'],
  gif: ['.gif'],
  tiff: ['.tif', '.tiff'],
  heif: ['.avif'],
};

function readableExtensions(): ReadonlySet<string> {
  const readable = new Set<string>();
  for (const [format, extensions] of Object.entries(EXTENSIONS_BY_FORMAT)) {
    const info = (sharp.format as unknown as Record<string, { input?: { file?: boolean } } | undefined>)[format];
    if (info?.input?.file) for (const extension of extensions) readable.add(extension);
  }
  return readable;
}

export const IMAGE_EXTENSIONS: ReadonlySet<string> = readableExtensions();

export function isImageFileName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** Dot-files and dot-folders: editor, OS and version-control leftovers, never data. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.');
}

/** For hints: ".png, .jpg, …" */
export function describeImageExtensions(): string {
  return [...IMAGE_EXTENSIONS].join(', ');
}
