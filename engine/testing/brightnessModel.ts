/**
 * A saved tfjs model whose every answer is known, for the tests of
 * evaluation and prediction: 8×8 grey images in, [dark, bright] out. The
 * mean pixel (in [0, 1]) against 0.5, sharpened by a weight of 40, so a grey
 * level's class is known exactly (10 is surely dark, 240 surely bright).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { saveModelFolder } from '../model/modelFiles.js';

/** Writes the brightness model as a model folder at `dir` (a backend must be selected). */
export async function writeBrightnessModel(dir: string): Promise<void> {
  const input = tfl.input({ shape: [8, 8, 1], name: 'input' });
  const pooled = tfl.layers.globalAveragePooling2d({ name: 'pool' }).apply(input) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'classes' }).apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  model.getLayer('classes').setWeights([tf.tensor2d([[-20, 20]]), tf.tensor1d([10, -10])]);
  await saveModelFolder(model, dir, {
    classNames: ['dark', 'bright'],
    preprocessing: { resize: 'stretch', channels: 1, colour: 'grey', normalization: { mode: 'zero-one', mean: [0], std: [1] }, alphaBackground: 'black' },
  });
  model.dispose();
}
