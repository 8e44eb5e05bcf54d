/**
 * A Keras file as the source of a run's initial weights (`train --weights
 * weights.h5`): the layers of a weights-only .h5 (or of a full .h5 / .keras
 * model) by name, each matched to the graph node whose layer has that name,
 * in the shape initialWeights.ts reads a TensorFlow.js model.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { StudioError } from '../errors.js';
import { nodeIdsByLayerName } from '../graph/naming.js';
import type { Graph } from '../graph/schema.js';
import { loadLayersModelFolder } from './loadLayersModel.js';
import { describeModel } from './modelDescription.js';
import { convertKerasFile } from './kerasFile.js';
import { readKerasH5Weights, withH5File, attr } from './kerasH5.js';
import type { NamedWeight } from './kerasH5.js';

export interface KerasWeightsSource {
  modelDir: string;
  description: { layers: { name: string; weights: Map<string, NamedWeight> }[] };
  nodeIdOfLayer: Map<string, string>;
}

export async function readKerasWeightsByNode(path: string, graph: Graph): Promise<KerasWeightsSource> {
  const full = resolve(path);
  if (!existsSync(full)) throw new StudioError(`${path} does not exist.`, 'Point --weights at a Keras .h5/.keras file, or a model, run or export folder.', 'model-not-found');
  const fullModel = extname(full).toLowerCase() === '.keras' || (await withH5File(full, (file) => attr(file, 'model_config') !== undefined));
  let layers: KerasWeightsSource['description']['layers'];
  if (fullModel) {
    // A whole model: converted once (beside the file), then read like any TensorFlow.js model.
    const loaded = await loadLayersModelFolder(await convertKerasFile(full));
    try {
      layers = describeModel(loaded.model, full).layers;
    } finally {
      loaded.model.dispose();
    }
  } else {
    layers = [...(await readKerasH5Weights(full))].map(([name, weights]) => ({ name, weights }));
  }
  const nodeOf = nodeIdsByLayerName(graph);
  const nodeIdOfLayer = new Map<string, string>();
  for (const layer of layers) {
    const id = nodeOf(layer.name);
    if (id !== null) nodeIdOfLayer.set(layer.name, id);
  }
  return { modelDir: full, description: { layers }, nodeIdOfLayer };
}
