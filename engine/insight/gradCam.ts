/**
 * Grad-CAM (Selvaraju et al. 2017): where in the image a layer saw evidence
 * for a class. With A the node's output after its activation ([h, w, k]) and
 * y^c the class's logit (before the softmax, classScores.ts):
 *   weights_k = mean over h, w of ∂y^c / ∂A_k
 *   heatmap   = ReLU(Σ_k weights_k · A_k)
 * returned at the node's resolution and divided by its maximum (all zeros
 * when the maximum is 0), as Keras' Grad-CAM example does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';
import { classScoresOf } from './classScores.js';
import { findNode, isSpatial, lastSpatialNode, runLayers, type ModelNode } from './modelNodes.js';

export interface GradCamOptions {
  /** Node id (or layer name); by default the last node with a spatial output. */
  node?: string;
  /** Target class index per image (or one for all); by default each image's predicted class. */
  classes?: number | number[];
}

export interface GradCamResult {
  node: ModelNode;
  height: number;
  width: number;
  /** Per image, the max-normalised heatmap, row-major (top row first), height × width. */
  heatmaps: Float32Array[];
  /** Per image, the class probabilities the model answers with. */
  probabilities: Float32Array[];
  /** Per image, the class the heatmap explains. */
  targets: number[];
}

/** The node Grad-CAM looks at: the one asked for, which must have a spatial output, or the last spatial one. */
export function gradCamNode(model: tfl.LayersModel, id?: string): ModelNode {
  if (id === undefined) return lastSpatialNode(model);
  const node = findNode(model, id);
  if (!isSpatial(node)) {
    throw new StudioError(
      `Node "${node.id}" has output shape [${node.shape.join(', ')}], not a spatial [height, width, channels]; Grad-CAM needs a map.`,
      `Choose a convolution, pooling or activation before the Flatten / global pooling (the default is "${lastSpatialNode(model).id}").`,
      'not-spatial',
    );
  }
  if (node.className === 'InputLayer') {
    throw new StudioError(`Node "${node.id}" is the input; Grad-CAM explains a layer's output.`, `Choose a layer after it (the default is "${lastSpatialNode(model).id}").`, 'not-spatial');
  }
  return node;
}

/** Grad-CAM of a batch of preprocessed images x [n, H, W, C]. Frees every tensor it makes. */
export async function gradCam(model: tfl.LayersModel, x: tf.Tensor4D, options: GradCamOptions = {}): Promise<GradCamResult> {
  const node = gradCamNode(model, options.node);
  const scores = classScoresOf(model);
  const n = x.shape[0];
  const given = options.classes === undefined ? null : Array.isArray(options.classes) ? options.classes : Array<number>(n).fill(options.classes);
  if (given) {
    if (given.length !== n) throw new StudioError(`${given.length} target classes for ${n} images.`, 'Give one class for all images or one per image.', 'bad-class');
    for (const c of given) {
      if (!Number.isInteger(c) || c < 0 || c >= scores.classCount) {
        throw new StudioError(`Class ${c} does not exist; the model has ${scores.classCount} classes (0 to ${scores.classCount - 1}).`, 'Pass a class index or name the model knows.', 'unknown-class');
      }
    }
  }
  const [heat, probabilities, targets] = tf.tidy(() => {
    const known = runLayers(model, x);
    const probs = scores.probabilities(known);
    const target = given ? tf.tensor1d(given, 'int32') : tf.argMax(probs, 1);
    const oneHot = tf.cast(tf.oneHot(target, scores.classCount), 'float32');
    const classScore = (a: tf.Tensor) => tf.sum(tf.mul(scores.logits(runLayers(model, x, { layer: node.outputLayer, value: a, known })), oneHot));
    const activation = known.get(node.outputLayer)!;
    const gradient = tf.grad(classScore)(activation);
    const weights = tf.mean(gradient, [1, 2], true);
    const cam = tf.relu(tf.sum(tf.mul(weights, activation), -1));
    const max = tf.max(cam, [1, 2], true);
    const positive = tf.greater(max, 0);
    const normalised = tf.where(positive, tf.div(cam, tf.where(positive, max, tf.onesLike(max))), tf.zerosLike(cam));
    return [normalised, probs, target];
  });
  try {
    const [heatValues, probValues, targetValues] = await Promise.all([heat.data(), probabilities.data(), targets.data()]);
    const [height, width] = node.shape as [number, number, number];
    const cells = height * width;
    const classes = scores.classCount;
    return {
      node,
      height,
      width,
      heatmaps: Array.from({ length: n }, (_, i) => Float32Array.from(heatValues.subarray(i * cells, (i + 1) * cells))),
      probabilities: Array.from({ length: n }, (_, i) => Float32Array.from(probValues.subarray(i * classes, (i + 1) * classes))),
      targets: Array.from(targetValues as Int32Array, Number),
    };
  } finally {
    tf.dispose([heat, probabilities, targets]);
  }
}

/** A heatmap as rows (top row first), for JSON. */
export function heatmapRows(heatmap: Float32Array, height: number, width: number, digits = 6): number[][] {
  const scale = 10 ** digits;
  return Array.from({ length: height }, (_, r) => Array.from(heatmap.subarray(r * width, (r + 1) * width), (v) => Math.round(v * scale) / scale));
}
