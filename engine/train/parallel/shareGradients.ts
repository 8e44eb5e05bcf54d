/**
 * The loss, accuracy and gradients of one replica's share of a batch: the
 * same computation as tfjs-layers' trainOnBatch (the compiled loss, averaged
 * over the share, plus the regularisation penalties; the compiled accuracy
 * metric), without the optimizer step. Each term is weighted by the share's
 * fraction of the batch, so the replicas' results summed are the whole
 * batch's mean loss and its gradient: one optimizer step on that sum is the
 * step one thread would take on the whole batch, up to float rounding (and
 * BatchNormalization, whose statistics are each replica's own).
 *
 * The engine's thread and the worker replicas both run this function.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

type LossOrMetric = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** What compile() chose: the loss and the 'accuracy' metric matching it (tfjs-layers keeps both on the model). */
interface CompiledModel {
  lossFunctions: LossOrMetric[];
  metricsTensors: [LossOrMetric, number][];
}

export interface ShareGradients {
  /** The share's loss (regularisation included) × its fraction of the batch. */
  loss: tf.Scalar;
  /** The share's accuracy × its fraction of the batch. */
  accuracy: tf.Scalar;
  /** One gradient per trainable weight, in `model.trainableWeights` order. */
  grads: tf.Tensor[];
}

export function shareGradients(model: tfl.LayersModel, x: tf.Tensor, target: tf.Tensor, fraction: number): ShareGradients {
  const compiled = model as unknown as CompiledModel;
  const lossFn = compiled.lossFunctions?.[0];
  const metricFn = compiled.metricsTensors?.[0]?.[0];
  if (!lossFn || !metricFn) throw new Error('the model must be compiled with a loss and the accuracy metric before a replica step');
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  let accuracy: tf.Scalar | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const output = model.apply(x, { training: true }) as tf.Tensor;
    let total = tf.mean(lossFn(target, output)) as tf.Scalar;
    accuracy = tf.keep(tf.mul(tf.mean(metricFn(target, output)), fraction) as tf.Scalar);
    for (const penalty of model.calculateLosses()) total = tf.add(total, penalty);
    return tf.mul(total, fraction) as tf.Scalar;
  }, variables);
  return { loss: value, accuracy: accuracy!, grads: variables.map((v) => grads[v.name]!) };
}
