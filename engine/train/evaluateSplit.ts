/**
 * Loss and accuracy of a model over a whole split, in batches so memory stays
 * bounded, with the same loss the model was compiled with (regularisation
 * included, as Keras reports validation loss).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { batchTensors } from '../data/batches.js';
import type { ImageSplit } from '../data/types.js';
import type { LossName } from '../project/schema.js';

export interface SplitMetrics {
  loss: number;
  accuracy: number;
}

/** Labels as the loss wants them: float32, and a column for binary cross-entropy. */
export function labelsForLoss(y: tf.Tensor1D, loss: LossName): tf.Tensor {
  return tf.tidy(() => {
    const f = tf.cast(y, 'float32');
    return loss === 'binary-crossentropy' ? tf.reshape(f, [-1, 1]) : f;
  });
}

export async function evaluateSplit(
  model: tfl.LayersModel,
  split: ImageSplit,
  batchSize: number,
  loss: LossName,
): Promise<SplitMetrics | null> {
  if (split.count === 0) return null;
  const order = Int32Array.from({ length: split.count }, (_, i) => i);
  let lossSum = 0;
  let accuracySum = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const end = Math.min(split.count, start + batchSize);
    const { x, y } = await batchTensors(split, order, start, end);
    const target = labelsForLoss(y, loss);
    const scalars = model.evaluate(x, target, { batchSize: end - start }) as tf.Scalar[];
    const [batchLoss, batchAccuracy] = await Promise.all(scalars.map((s) => s.data()));
    tf.dispose([x, y, target, ...scalars]);
    lossSum += batchLoss[0] * (end - start);
    accuracySum += batchAccuracy[0] * (end - start);
    // Let commands (pause, stop) and events through between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { loss: lossSum / split.count, accuracy: accuracySum / split.count };
}
