/** Single-image prediction: the top classes of each image with their probabilities. */
import { resolve } from 'node:path';
import { ImageDecodeError } from '../data/decode.js';
import { StudioError } from '../errors.js';
import { classProbabilities, decodeForModel, loadModelForInference } from './loadedModel.js';
import type { PredictResult, ClassProbability } from '../protocol/index.js';
export type { PredictResult, ImagePrediction, ClassProbability } from '../protocol/index.js';

export async function predictImages(modelPath: string, images: string[], topK = 3): Promise<PredictResult> {
  if (images.length === 0) throw new StudioError('No images to predict.', 'Pass one or more image files.', 'no-images');
  const loaded = await loadModelForInference(modelPath);
  try {
    const decoded: Uint8Array[] = [];
    const readable: string[] = [];
    const failures: PredictResult['failures'] = [];
    // One bad image among several does not cost the others their predictions.
    for (const image of images) {
      try {
        decoded.push(await decodeForModel(resolve(image), loaded.spec));
        readable.push(image);
      } catch (e) {
        const error = imageError(image, e);
        if (images.length === 1) throw error;
        failures.push({ image, message: error.message, hint: error.hint, code: error.code });
      }
    }
    if (readable.length === 0) {
      const first = failures[0]!;
      throw new StudioError(`${first.message} (none of the ${images.length} images could be read)`, first.hint, first.code);
    }
    const probabilities = await classProbabilities(loaded, decoded);
    const k = Math.max(1, Math.min(topK, loaded.classNames.length));
    return {
      modelDir: loaded.modelDir,
      classNames: loaded.classNames,
      labelsFrom: loaded.labelsFrom,
      preprocessingAssumed: loaded.spec.assumed,
      predictions: readable.map((image, i) => ({ image, top: topClasses(probabilities[i]!, loaded.classNames, k) })),
      failures,
    };
  } finally {
    loaded.model.dispose();
  }
}

/** A file that cannot be predicted, as an error that names it. */
function imageError(image: string, e: unknown): StudioError {
  // The decoder (through its worker pool) reports every failure as an ImageDecodeError with a
  // reason in words; anything else is a bug and is not dressed up as a bad image.
  if (!(e instanceof ImageDecodeError)) throw e;
  // A file that could not be read at all: data/decode.ts words it "cannot be read (CODE)".
  const code = /^cannot be read \((E[A-Z]+)\)$/.exec(e.message)?.[1];
  if (code === 'ENOENT') return new StudioError(`${image} does not exist.`, 'Check the path of the image.', 'bad-image');
  if (code) return new StudioError(`${image} cannot be read (${code}).`, 'Check that the file can be read.', 'bad-image');
  return new StudioError(`${image} ${e.message}.`, 'Pass PNG, JPEG, WebP, GIF or TIFF images.', 'bad-image');
}

export function topClasses(probabilities: Float32Array, classNames: string[], k: number): ClassProbability[] {
  return Array.from(probabilities, (probability, index) => ({ index, className: classNames[index]!, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}
