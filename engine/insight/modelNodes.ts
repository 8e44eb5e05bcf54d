/**
 * A loaded LayersModel seen as the studio's graph nodes, and run layer by
 * layer. A node is what the canvas shows: a studio model's layers are named
 * after their nodes (a `<node>__<role>` helper, such as the LeakyReLU the
 * builder adds, belongs to its node), and an imported Keras model's layers
 * become nodes of the same name (model/importLayersModel.ts). A node's output
 * is the output of its last layer, so a Conv2D with a leaky_relu is seen
 * after its activation, as Grad-CAM wants it.
 *
 * Running the layers one by one (instead of model.predict) is what lets
 * Grad-CAM differentiate the class score with respect to a node's output:
 * the layers after it are re-run from a replaced value inside tf.grad, while
 * everything before it stays a constant.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';
import { HELPER_SEPARATOR, sanitiseLayerName } from '../graph/naming.js';

export interface ModelNode {
  id: string;
  /** The layer whose output is the node's output. */
  outputLayer: string;
  /** Output shape without the batch dimension. */
  shape: number[];
  className: string;
  /** Index of the output layer in the model's (topological) layer order. */
  index: number;
}

export function nodeIdOfLayerName(layerName: string): string {
  return sanitiseLayerName(layerName.split(HELPER_SEPARATOR)[0]!);
}

/** Every node of the model in topological order, the input first. */
export function modelNodes(model: tfl.LayersModel): ModelNode[] {
  const byId = new Map<string, ModelNode>();
  model.layers.forEach((layer, index) => {
    const id = nodeIdOfLayerName(layer.name);
    const shape = ((layer.output as tfl.SymbolicTensor).shape as (number | null)[]).slice(1).map((d) => d ?? -1);
    const known = byId.get(id);
    // A helper layer carries its node's output from here on; the node keeps its main layer's class.
    byId.set(id, { id, outputLayer: layer.name, shape, className: known?.className ?? layer.getClassName(), index });
  });
  return [...byId.values()].sort((a, b) => a.index - b.index);
}

/** A node with a spatial output: [height, width, channels]. */
export function isSpatial(node: ModelNode): boolean {
  return node.shape.length === 3;
}

export function findNode(model: tfl.LayersModel, id: string): ModelNode {
  const nodes = modelNodes(model);
  const node = nodes.find((n) => n.id === id) ?? nodes.find((n) => n.outputLayer === id);
  if (!node) {
    throw new StudioError(
      `The model has no node "${id}".`,
      `Use one of: ${nodes.map((n) => n.id).join(', ')}.`,
      'unknown-node',
    );
  }
  return node;
}

/** The last node with a spatial output (typically the last convolution, after its activation). */
export function lastSpatialNode(model: tfl.LayersModel): ModelNode {
  const spatial = modelNodes(model).filter((n) => isSpatial(n) && n.className !== 'InputLayer');
  const last = spatial.at(-1);
  if (!last) throw new StudioError('The model has no layer with a spatial output to explain.', 'Grad-CAM needs a convolutional layer.', 'no-spatial-layer');
  return last;
}

/** Where each layer reads its inputs from: [layer name, output tensor index] per input. */
function inboundOf(layer: tfl.layers.Layer): { layer: string; tensor: number }[] {
  const node = layer.inboundNodes[0];
  if (!node) return [];
  return node.inboundLayers.map((l, i) => ({ layer: l.name, tensor: node.tensorIndices[i]! }));
}

export interface Replacement {
  /** Layer whose output is replaced. */
  layer: string;
  value: tf.Tensor;
  /** The outputs of an earlier full run: layers before the replaced one are taken from here, not recomputed. */
  known: Map<string, tf.Tensor>;
}

/**
 * Every layer's output for input `x`, in inference mode (dropout off,
 * BatchNormalization on its moving statistics). Call inside tf.tidy.
 */
export function runLayers(model: tfl.LayersModel, x: tf.Tensor, replace?: Replacement): Map<string, tf.Tensor> {
  const outputs = new Map<string, tf.Tensor>();
  const from = replace ? model.layers.findIndex((l) => l.name === replace.layer) : -1;
  model.layers.forEach((layer, index) => {
    if (layer.getClassName() === 'InputLayer') {
      outputs.set(layer.name, x);
    } else if (replace && index === from) {
      outputs.set(layer.name, replace.value);
    } else if (replace && index < from) {
      outputs.set(layer.name, replace.known.get(layer.name)!);
    } else {
      const inputs = inboundOf(layer).map(({ layer: source, tensor }) => {
        if (tensor !== 0) throw new StudioError(`Layer "${layer.name}" reads output ${tensor} of "${source}"; only single-output layers can be explained.`, 'Explain a model built from the catalogue layers.', 'unsupported-model');
        return outputs.get(source)!;
      });
      const result = layer.apply(inputs.length === 1 ? inputs[0]! : inputs, { training: false }) as tf.Tensor | tf.Tensor[];
      outputs.set(layer.name, Array.isArray(result) ? result[0]! : result);
    }
  });
  return outputs;
}
