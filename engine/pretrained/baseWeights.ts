/**
 * Putting a pretrained base's weights into a model built from the graph:
 * every node of the base's group takes the weights of the same-named layer
 * of the base (Keras' names, which the studio's MobileNetV2 keeps), matched
 * weight by weight by short name and shape. A base node left without its
 * weights is an error, never a silently random layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';
import { loadLayersModelFolder } from '../model/loadLayersModel.js';
import { layerNamesByNode } from '../graph/naming.js';
import type { Graph } from '../graph/schema.js';
import { dirname } from 'node:path';
import { readKerasH5Weights, shortWeightName, type LayerWeights } from '../model/kerasH5.js';
import type { BaseFormat } from './registry.js';

/** Weights by layer name from a TensorFlow.js layers model folder. */
export async function readTfjsWeights(modelJson: string): Promise<LayerWeights> {
  const loaded = await loadLayersModelFolder(dirname(modelJson));
  try {
    const layers: LayerWeights = new Map();
    for (const layer of loaded.model.layers) {
      if (layer.weights.length === 0) continue;
      // The variables' own tensors: freed with the model below.
      const values = layer.getWeights();
      const weights = new Map(
        layer.weights.map((w, i) => [shortWeightName(w.originalName), { shape: [...values[i]!.shape], data: values[i]!.dataSync() as Float32Array }]),
      );
      layers.set(layer.name, weights);
    }
    return layers;
  } finally {
    loaded.model.dispose();
  }
}

export function readBaseWeights(format: BaseFormat, path: string): Promise<LayerWeights> {
  return format === 'tfjs-layers' ? readTfjsWeights(path) : readKerasH5Weights(path);
}

/**
 * Sets the weights of every node in `group` from `source`. Returns the node
 * ids that loaded. Throws naming the first node whose layer is missing or
 * whose weights differ in name or shape.
 */
export function applyBaseWeights(model: tfl.LayersModel, graph: Graph, group: string, source: LayerWeights, sourceName: string): string[] {
  const names = layerNamesByNode(graph);
  const loaded: string[] = [];
  for (const node of graph.nodes) {
    if (node.group !== group) continue;
    const layerName = names.get(node.id)!;
    const layer = model.layers.find((l) => l.name === layerName);
    if (!layer || layer.weights.length === 0) continue;
    const from = source.get(layerName);
    const values = layer.weights.map((w) => {
      const short = shortWeightName(w.originalName);
      const given = from?.get(short);
      if (!given || JSON.stringify(given.shape) !== JSON.stringify(w.shape)) {
        const had = from ? [...from].map(([n, v]) => `${n} ${JSON.stringify(v.shape)}`).join(', ') : 'no such layer';
        throw new StudioError(
          `Node "${node.id}" of base ${group} needs ${short} ${JSON.stringify(w.shape)}, but ${sourceName} has ${had}.`,
          'The base file is for another architecture or width (alpha); choose the base that matches the graph, or rebuild the graph from the template.',
          'weights-mismatch',
        );
      }
      return given;
    });
    const tensors = values.map((v) => tf.tensor(v.data, v.shape, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
    loaded.push(node.id);
  }
  if (loaded.length === 0) {
    throw new StudioError(`No node of the graph belongs to base ${group}.`, 'Rebuild the graph from the mobilenetv2-imagenet template.', 'weights-mismatch');
  }
  return loaded;
}
