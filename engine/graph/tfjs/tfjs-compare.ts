/**
 * What tfjs itself says about a built model, per graph node, in the same
 * terms as a ValidationReport: the tests hold the validator's pure arithmetic
 * against it.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { nodeIdsByLayerName } from '../naming.js';
import type { Shape } from '../report.js';
import type { Graph } from '../schema.js';

export interface TfjsNodeFacts {
  shape: Shape;
  params: number;
  trainableParams: number;
}

function weightCount(weights: readonly { shape: readonly (number | null)[] }[]): number {
  return weights.reduce((sum, w) => sum + w.shape.reduce<number>((n, d) => n * (d ?? 1), 1), 0);
}

/** Per node id: the output shape of its last tfjs layer, and its layers' weights summed. */
export function tfjsFactsByNode(graph: Graph, model: tfl.LayersModel): Map<string, TfjsNodeFacts> {
  const nodeOf = nodeIdsByLayerName(graph);
  const facts = new Map<string, TfjsNodeFacts>();
  for (const layer of model.layers) {
    const id = nodeOf(layer.name);
    if (id === null) throw new Error(`Layer "${layer.name}" maps to no node.`);
    const shape = (layer.outputShape as (number | null)[]).slice(1) as number[];
    const previous = facts.get(id);
    facts.set(id, {
      shape,
      params: (previous?.params ?? 0) + layer.countParams(),
      trainableParams: (previous?.trainableParams ?? 0) + weightCount(layer.trainableWeights),
    });
  }
  return facts;
}
