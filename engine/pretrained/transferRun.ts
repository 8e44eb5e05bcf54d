/**
 * What a training run does for transfer learning, between building the model
 * and the first batch: fetch every pretrained base the graph's groups name
 * (cache, mirror or upstream) and load its weights by Keras layer name; fit
 * the new head to the data's classes; and name the layers that phase 2 of
 * the Keras recipe unfreezes.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { mobileNetV2TopBlockNodes } from '../graph/mobilenetV2.js';
import { HELPER_SEPARATOR, layerNamesByNode } from '../graph/naming.js';
import type { Graph } from '../project/schema.js';
import { applyBaseWeights, readBaseWeights } from './baseWeights.js';
import { fetchBase, type BaseProgress } from './fetchBase.js';
import { findBase } from './registry.js';

/** The pretrained bases a graph's nodes belong to, in order of appearance. */
export function baseGroups(graph: Graph): string[] {
  return [...new Set(graph.nodes.flatMap((n) => (n.group ? [n.group] : [])))];
}

export interface LoadedBase {
  base: string;
  /** The local file the weights came from. */
  path: string;
  fromCache: boolean;
  sha256: string[];
  /** Nodes whose weights came from the base. */
  nodes: number;
}

export interface LoadBasesOptions {
  basesUrl?: string | null;
  cacheDir?: string;
  timeoutMs?: number;
  onProgress?: (progress: BaseProgress) => void;
}

export async function loadPretrainedBases(model: tfl.LayersModel, graph: Graph, options: LoadBasesOptions = {}): Promise<LoadedBase[]> {
  const loaded: LoadedBase[] = [];
  for (const group of baseGroups(graph)) {
    const base = findBase(group);
    const fetched = await fetchBase(base, {
      baseUrl: options.basesUrl,
      cacheDir: options.cacheDir,
      timeoutMs: options.timeoutMs,
      onProgress: options.onProgress,
    });
    const weights = await readBaseWeights(base.format, fetched.path);
    const nodes = applyBaseWeights(model, graph, group, weights, fetched.path);
    loaded.push({
      base: group,
      path: fetched.path,
      fromCache: fetched.files.every((f) => f.fromCache),
      sha256: fetched.files.map((f) => f.sha256),
      nodes: nodes.length,
    });
  }
  return loaded;
}

/** The tfjs layer names (helpers included) of the top `blocks` blocks of every MobileNetV2 base in the graph. */
export function fineTuneLayerNames(model: tfl.LayersModel, graph: Graph, blocks: number): string[] {
  const ids = new Set<string>();
  for (const group of baseGroups(graph)) {
    if (findBase(group).architecture !== 'mobilenetv2') continue;
    const inGroup = { ...graph, nodes: graph.nodes.filter((n) => n.group === group) };
    for (const id of mobileNetV2TopBlockNodes(inGroup, blocks)) ids.add(id);
  }
  const names = layerNamesByNode(graph);
  const mains = new Set([...ids].map((id) => names.get(id)!));
  return model.layers.map((l) => l.name).filter((name) => mains.has(name.split(HELPER_SEPARATOR)[0]!));
}
