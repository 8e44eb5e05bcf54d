/**
 * Starting a training run from trained weights: every node of the graph
 * whose layer has a same-named layer with same-shaped weights in the source
 * model starts from those weights (Keras' load_weights(by_name=True)); the
 * rest (a replaced head, new layers) start from their initializers. A frozen
 * node must find its weights — a frozen layer never changes, so one left
 * random would stay random — and is an error otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';
import { layerNamesByNode } from '../graph/naming.js';
import type { Graph } from '../graph/schema.js';
import { importLayersModel } from './importLayersModel.js';
import type { DescribedLayer } from './modelDescription.js';
import { isKerasFile } from './kerasFile.js';
import { readKerasWeightsByNode } from './kerasInitialWeights.js';

/** A source layer's name and weights by short name (`kernel`, `gamma`, …). */
type SourceLayer = Pick<DescribedLayer, 'name' | 'weights'>;

export interface InitialWeightsReport {
  /** The model folder the weights came from. */
  source: string;
  /** Nodes that start from the source's weights. */
  loaded: string[];
  /** Nodes with weights that start fresh (no same-named layer, or other shapes). */
  fresh: string[];
}

export async function applyInitialWeights(model: tfl.LayersModel, graph: Graph, source: string): Promise<InitialWeightsReport> {
  const sourceByNode = new Map<string, SourceLayer>();
  // A Keras .h5/.keras file gives its layers by name (Keras' load_weights(by_name=True)).
  const imported = isKerasFile(source) ? await readKerasWeightsByNode(source, graph) : await importLayersModel(source);
  for (const layer of imported.description.layers) {
    const id = imported.nodeIdOfLayer.get(layer.name);
    if (id !== undefined && layer.weights.size > 0) sourceByNode.set(id, layer);
  }
  const names = layerNamesByNode(graph);
  const layersByName = new Map(model.layers.map((l) => [l.name, l]));
  const report: InitialWeightsReport = { source: imported.modelDir, loaded: [], fresh: [] };

  for (const node of graph.nodes) {
    const target = layersByName.get(names.get(node.id) ?? '');
    if (!target || target.weights.length === 0) continue;
    const from = sourceByNode.get(node.id);
    const mismatch = from ? shapeMismatch(target, from) : `${imported.modelDir} has no layer "${node.id}" with weights`;
    if (mismatch === null) {
      const values = target.weights.map((w) => {
        const { shape, data } = from!.weights.get(shortName(w.originalName))!;
        return tf.tensor(data, shape, 'float32');
      });
      target.setWeights(values);
      tf.dispose(values);
      report.loaded.push(node.id);
      continue;
    }
    if (node.frozen) {
      throw new StudioError(
        `Node "${node.id}" is frozen, but ${mismatch}, so it would keep untrained weights.`,
        `Unfreeze "${node.id}", or start from a model whose layer "${node.id}" has the weights it needs.`,
        'weights-mismatch',
      );
    }
    report.fresh.push(node.id);
  }
  if (report.loaded.length === 0) {
    throw new StudioError(
      `None of the graph's layers match a layer of ${imported.modelDir} by name and shape, so no weights would load.`,
      'Import that model as a graph (convnet-studio import) and fine-tune the imported graph, or name the nodes after the model\'s layers.',
      'weights-mismatch',
    );
  }
  return report;
}

function shortName(originalName: string): string {
  return originalName.split('/').at(-1)!;
}

/** Why the source layer's weights do not fit the target layer, or null when they do. */
function shapeMismatch(target: tfl.layers.Layer, from: SourceLayer): string | null {
  const needed = target.weights.map((w) => ({ name: shortName(w.originalName), shape: w.shape as number[] }));
  const given = [...from.weights].map(([name, w]) => `${name} ${JSON.stringify(w.shape)}`).join(', ');
  const fits =
    needed.length === from.weights.size &&
    needed.every(({ name, shape }) => JSON.stringify(from.weights.get(name)?.shape) === JSON.stringify(shape));
  if (fits) return null;
  return `its weights (${needed.map((n) => `${n.name} ${JSON.stringify(n.shape)}`).join(', ')}) differ from layer "${from.name}" of the source (${given})`;
}
