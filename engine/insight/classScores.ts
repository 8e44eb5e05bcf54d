/**
 * The class scores Grad-CAM differentiates: the logits, before the final
 * softmax (Selvaraju et al. differentiate y^c before the softmax; after it, a
 * class's gradient is mixed with every other class's). When the last layer
 * carries the softmax (a Dense with activation softmax), its pre-activation
 * is computed from its input, kernel and bias; a separate Activation or
 * Softmax layer is skipped. A single sigmoid unit z gives the two classes
 * [−z, z] (the logits of [1 − p, p]).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';

export interface ClassScores {
  /** The layer whose output the model answers with. */
  outputLayer: string;
  /** What the model applies to the logits: probabilities come from `probabilities`. */
  activation: 'softmax' | 'sigmoid' | 'none';
  classCount: number;
  /** Logits [n, classCount] from every layer's output (runLayers). */
  logits(outputs: Map<string, tf.Tensor>): tf.Tensor2D;
  /** Class probabilities [n, classCount] from the same outputs, as predict reports them. */
  probabilities(outputs: Map<string, tf.Tensor>): tf.Tensor2D;
}

interface DenseInternals {
  kernel: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  useBias: boolean;
}

export function classScoresOf(model: tfl.LayersModel): ClassScores {
  const last = model.outputLayers[0]!;
  if (model.outputs.length !== 1) throw new StudioError('The model has more than one output.', 'Explain a classifier with one output.', 'unsupported-model');
  const className = last.getClassName();
  const activationName = String((last.getConfig() as { activation?: unknown }).activation ?? 'linear');
  const units = ((last.output as tfl.SymbolicTensor).shape as (number | null)[]).at(-1) ?? 0;
  const inputName = last.inboundNodes[0]!.inboundLayers[0]!.name;
  const softmax = className === 'Softmax' || activationName === 'softmax';
  const sigmoid = !softmax && activationName === 'sigmoid';

  let preActivation: (outputs: Map<string, tf.Tensor>) => tf.Tensor;
  if (className === 'Softmax' || (className === 'Activation' && (softmax || sigmoid))) {
    preActivation = (outputs) => outputs.get(inputName)!;
  } else if (softmax || sigmoid) {
    if (className !== 'Dense') {
      throw new StudioError(
        `The last layer "${last.name}" (${className}) applies ${activationName} itself; Grad-CAM needs the class scores before it.`,
        'End the network with a Dense layer (or a separate Activation / Softmax layer).',
        'unsupported-model',
      );
    }
    const dense = last as unknown as DenseInternals;
    preActivation = (outputs) => {
      const input = outputs.get(inputName)!;
      const kernel = dense.kernel.read();
      const flat = tf.reshape(input, [-1, input.shape.at(-1)!]);
      let z: tf.Tensor = tf.matMul(flat, kernel);
      if (dense.useBias && dense.bias) z = tf.add(z, dense.bias.read());
      return tf.reshape(z, [...input.shape.slice(0, -1), kernel.shape[1]!]);
    };
  } else {
    preActivation = (outputs) => outputs.get(last.name)!;
  }

  const asRows = (t: tf.Tensor): tf.Tensor2D => {
    if (t.rank !== 2) throw new StudioError(`The model's output has shape [${t.shape.join(', ')}], not [batch, classes].`, 'Explain an image classifier.', 'unsupported-model');
    return t as tf.Tensor2D;
  };
  return {
    outputLayer: last.name,
    activation: softmax ? 'softmax' : sigmoid ? 'sigmoid' : 'none',
    classCount: units === 1 ? 2 : units,
    logits(outputs) {
      const z = asRows(preActivation(outputs));
      return z.shape[1] === 1 ? (tf.concat([tf.neg(z), z], 1) as tf.Tensor2D) : z;
    },
    probabilities(outputs) {
      const y = asRows(outputs.get(last.name)!);
      if (sigmoid && y.shape[1] === 1) return tf.concat([tf.sub(1, y), y], 1) as tf.Tensor2D;
      return softmax || sigmoid ? y : tf.softmax(y);
    },
  };
}
