/** Single-image prediction: the top classes of each image with their probabilities. */
import { resolve } from 'node:path';
import { ImageDecodeError } from '../data/decode.js';
import { StudioError } from '../errors.js';
import { classProbabilities, decodeForModel, loadModelForInference } from './loadedModel.js';

export interface ClassProbability {
  index: number;
  className: string;
  probability: number;
}

export interface ImagePrediction {
  image: string;
  top: ClassProbability[];
}

export interface PredictResult {
  modelDir: string;
  classNames: string[];
  labelsFrom: string;
  /** True when the model recorded no preprocessing and stretched [0, 1] images were assumed. */
  preprocessingAssumed: boolean;
  predictions: ImagePrediction[];
}

export async function predictImages(modelPath: string, images: string[], topK = 3): Promise<PredictResult> {
  if (images.length === 0) throw new StudioError('No images to predict.', 'Pass one or more image files.', 'no-images');
  const loaded = await loadModelForInference(modelPath);
  try {
    const decoded: Uint8Array[] = [];
    for (const image of images) {
      try {
        decoded.push(await decodeForModel(resolve(image), loaded.spec));
      } catch (e) {
        if (e instanceof ImageDecodeError) throw new StudioError(`${image} ${e.message}.`, 'Pass PNG, JPEG, WebP, GIF or TIFF images.', 'bad-image');
        throw e;
      }
    }
    const probabilities = await classProbabilities(loaded, decoded);
    const k = Math.max(1, Math.min(topK, loaded.classNames.length));
    return {
      modelDir: loaded.modelDir,
      classNames: loaded.classNames,
      labelsFrom: loaded.labelsFrom,
      preprocessingAssumed: loaded.spec.assumed,
      predictions: images.map((image, i) => ({ image, top: topClasses(probabilities[i]!, loaded.classNames, k) })),
    };
  } finally {
    loaded.model.dispose();
  }
}

export function topClasses(probabilities: Float32Array, classNames: string[], k: number): ClassProbability[] {
  return Array.from(probabilities, (probability, index) => ({ index, className: classNames[index]!, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}
