/**
 * Evaluating a trained model on a folder of labelled images: accuracy, the
 * confusion matrix, per-class precision/recall/F1, and the worst mistakes
 * (wrong and most confident) with small thumbnails for the window's gallery.
 * Folder classes are matched to the model's classes by name.
 */
import sharp from 'sharp';
import { forEachWithConcurrency } from '../data/concurrency.js';
import { ImageDecodeError, MAX_INPUT_PIXELS } from '../data/decode.js';
import { scanImageFolder, type ScannedImage } from '../data/scan.js';
import type { SkippedFile } from '../data/types.js';
import { StudioError } from '../errors.js';
import { classificationMetrics } from './metrics.js';
import { classProbabilities, decodeForModel, loadModelForInference } from './loadedModel.js';
import type { EvaluationReport, Mistake, ImageResult } from '../protocol/index.js';
export type { EvaluationReport, Mistake, ImageResult } from '../protocol/index.js';

const BATCH = 64;
const THUMBNAIL_SIZE = 64;

/** The most thumbnails one images.thumbnails request makes (a page of a gallery). */
export const MAX_THUMBNAILS = 60;

export interface EvaluateOptions {
  /** How many worst mistakes to return (default 12). */
  worst?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function evaluateModel(modelPath: string, dataPath: string, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const loaded = await loadModelForInference(modelPath);
  try {
    const scan = await scanImageFolder(dataPath);
    const split = scan.layout === 'class-folders' ? 'all' : scan.images.test.length ? 'test' : scan.images.val.length ? 'val' : 'train';
    const images: ScannedImage[] = split === 'all' ? scan.images.train : scan.images[split];
    const modelIndex = scan.classNames.map((name) => loaded.classNames.indexOf(name));
    const unknown = scan.classNames.filter((_, i) => modelIndex[i] === -1);
    if (unknown.length) {
      throw new StudioError(
        `${dataPath} has classes the model does not know: ${unknown.join(', ')} (the model's classes: ${loaded.classNames.join(', ')}).`,
        'Evaluate on images of the classes the model was trained on, in folders named after them.',
        'class-mismatch',
      );
    }

    const truth: number[] = [];
    const predicted: number[] = [];
    const scored: Omit<Mistake, 'thumbnail'>[] = [];
    const results: ImageResult[] = [];
    const skipped: SkippedFile[] = [...scan.skipped];
    let done = 0;
    for (let start = 0; start < images.length; start += BATCH) {
      const batch = images.slice(start, start + BATCH);
      const decoded: (Uint8Array | null)[] = new Array(batch.length).fill(null);
      await forEachWithConcurrency(batch, 4, async (image, i) => {
        try {
          decoded[i] = await decodeForModel(image.path, loaded.spec);
        } catch (e) {
          if (!(e instanceof ImageDecodeError)) throw e;
          skipped.push({ path: image.path, reason: e.message });
        }
      });
      const kept = batch.filter((_, i) => decoded[i] !== null);
      const probabilities = kept.length ? await classProbabilities(loaded, decoded.filter((d): d is Uint8Array => d !== null)) : [];
      kept.forEach((image, i) => {
        const p = probabilities[i]!;
        const actual = modelIndex[image.classIndex]!;
        let best = 0;
        for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
        truth.push(actual);
        predicted.push(best);
        results.push({ path: image.path, trueClass: actual, predicted: best, confidence: p[best]! });
        if (best !== actual) {
          scored.push({ path: image.path, trueClass: loaded.classNames[actual]!, predictedClass: loaded.classNames[best]!, confidence: p[best]!, trueProbability: p[actual]! });
        }
      });
      done += batch.length;
      options.onProgress?.(done, images.length);
    }
    if (truth.length === 0) throw new StudioError(`${dataPath} has no images that could be read.`, 'Point at a folder of class sub-folders with images.', 'no-images');

    const worstCount = options.worst ?? 12;
    const worst = await Promise.all(
      scored
        .sort((a, b) => b.confidence - a.confidence || a.path.localeCompare(b.path))
        .slice(0, worstCount)
        .map(async (m) => ({ ...m, thumbnail: await thumbnail(m.path) })),
    );
    return {
      modelDir: loaded.modelDir,
      dataPath: scan.root,
      split,
      classNames: loaded.classNames,
      ...classificationMetrics(truth, predicted, loaded.classNames),
      worst,
      results,
      skipped,
    };
  } finally {
    loaded.model.dispose();
  }
}

/** Small pictures of images (a page of the Evaluate panel's galleries); an unreadable one gets its reason instead. */
export async function thumbnailsOf(paths: string[]): Promise<{ path: string; dataUrl: string | null; error?: string }[]> {
  if (paths.length > MAX_THUMBNAILS) {
    throw new StudioError(`${paths.length} thumbnails were asked for at once; at most ${MAX_THUMBNAILS} are made per request.`, 'Ask for one page of images at a time.', 'too-many-images');
  }
  return Promise.all(
    paths.map(async (path) => {
      try {
        return { path, dataUrl: await thumbnail(path) };
      } catch (e) {
        return { path, dataUrl: null, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
}

async function thumbnail(path: string): Promise<string> {
  const png = await sharp(path, { limitInputPixels: MAX_INPUT_PIXELS }).autoOrient().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside' }).png().toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}
