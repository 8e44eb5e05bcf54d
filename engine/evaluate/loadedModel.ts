/**
 * A model ready to predict: loaded from a run, model or export folder, with
 * its class names and preprocessing from labels.json when there is one (the
 * export's own sidecar), else from the model's metadata.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { dirname } from 'node:path';
import { StudioError } from '../errors.js';
import { resolveModelSource } from '../model/modelSource.js';
import { readSidecar } from '../model/sidecar.js';
import { loadLayersModelFolder } from '../model/loadLayersModel.js';
import { decodeForModel, inputSpecOf, normalise, type InputSpec } from './preprocess.js';

export interface LoadedModel {
  model: tfl.LayersModel;
  modelDir: string;
  classNames: string[];
  spec: InputSpec;
  /** Where the class names and preprocessing came from. */
  labelsFrom: 'labels.json' | 'model metadata' | 'numbered';
}

export async function loadModelForInference(path: string): Promise<LoadedModel> {
  const source = resolveModelSource(path);
  const { model, metadata } = await loadLayersModelFolder(source.modelDir);
  try {
    const sidecar = (await readSidecar(source.modelDir)) ?? (source.kind === 'export-folder' ? await readSidecar(dirname(source.modelDir)) : null);
    const inputShape = (model.inputs[0]!.shape as (number | null)[]).slice(1).map((d) => d ?? -1);
    const outputUnits = (model.outputs[0]!.shape as (number | null)[]).at(-1) ?? 0;
    const given = sidecar?.classNames ?? (Array.isArray(metadata['classNames']) ? (metadata['classNames'] as unknown[]).map(String) : null);
    const classCount = outputUnits === 1 ? 2 : outputUnits;
    if (given && given.length !== classCount) {
      throw new StudioError(
        `${source.modelDir} names ${given.length} classes but the model has ${outputUnits} output${outputUnits === 1 ? '' : 's'}.`,
        'Export the model again so labels and model agree.',
        'labels-mismatch',
      );
    }
    const preprocessing = sidecar ? sidecar.preprocessing : metadata['preprocessing'];
    return {
      model,
      modelDir: source.modelDir,
      classNames: given ?? Array.from({ length: classCount }, (_, i) => `class_${i}`),
      spec: inputSpecOf(inputShape, preprocessing, source.modelDir),
      labelsFrom: sidecar ? 'labels.json' : given ? 'model metadata' : 'numbered',
    };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * Class probabilities for decoded images: the model's softmax as it is; a
 * single sigmoid unit becomes [1 − p, p]; raw scores go through a softmax.
 */
export async function classProbabilities(loaded: LoadedModel, images: Uint8Array[]): Promise<Float32Array[]> {
  const last = loaded.model.layers.at(-1)!;
  const activation = String((last.getConfig() as { activation?: unknown }).activation ?? '');
  const isSoftmax = activation === 'softmax' || last.getClassName() === 'Softmax';
  const output = tf.tidy(() => {
    const x = normalise(images, loaded.spec);
    const y = loaded.model.predict(x) as tf.Tensor2D;
    if (y.shape[1] === 1) return tf.concat([tf.sub(1, y), y], 1);
    return isSoftmax ? y : tf.softmax(y);
  });
  const values = (await output.data()) as Float32Array;
  output.dispose();
  const classes = values.length / images.length;
  return images.map((_, i) => values.slice(i * classes, (i + 1) * classes));
}

export { decodeForModel };
