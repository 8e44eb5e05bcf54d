/**
 * buildModel: a valid graph as a tfjs LayersModel, built with the functional
 * API so branches, residual Adds and Concatenates are just edges. Layer names
 * come from naming.ts, so every weight maps back to its node; frozen nodes
 * build non-trainable layers; a seed makes the initial weights reproducible.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../../errors.js';
import { indexGraph, topologicalOrder } from '../graph-index.js';
import { layerSpec } from '../layers/index.js';
import { helperLayerName, layerNamesByNode } from '../naming.js';
import { checkParams } from '../params-check.js';
import type { Problem } from '../report.js';
import type { Graph } from '../schema.js';
import { deriveSeed } from '../seed.js';
import { validateGraph } from '../validate.js';
import { builderFor } from './builders.js';
import { makeInitializer } from './helpers.js';
import type { BuildContext } from './types.js';

export { nodeIdOfLayer, nodeIdsByLayerName, layerNamesByNode } from '../naming.js';

export interface BuildOptions {
  /** Seeds every initializer (per node and weight), so equal seeds give bit-identical weights. */
  seed?: number;
}

/** The graph had problems; `problems` holds all of them, as validateGraph reports them. */
export class InvalidGraphError extends StudioError {
  constructor(readonly problems: Problem[]) {
    const listed = problems
      .slice(0, 5)
      .map((p) => p.message)
      .join(' ');
    const more = problems.length > 5 ? ` …and ${problems.length - 5} more.` : '';
    super(
      `The graph cannot be built (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${listed}${more}`,
      problems[0]!.hint,
      'invalid-graph',
    );
    this.name = 'InvalidGraphError';
  }
}

export function buildModel(graph: Graph, options: BuildOptions = {}): tfl.LayersModel {
  const report = validateGraph(graph);
  if (!report.valid) throw new InvalidGraphError(report.problems);

  const index = indexGraph(graph, () => {});
  const names = layerNamesByNode(graph);
  const tensors = new Map<string, tfl.SymbolicTensor>();
  let modelInput: tfl.SymbolicTensor | null = null;
  let modelOutput: tfl.SymbolicTensor | null = null;

  for (const id of topologicalOrder(index)) {
    const node = index.byId.get(id)!;
    const spec = layerSpec(node.type)!;
    const params = checkParams(node, spec, () => {})!;
    const name = names.get(id)!;
    const inputs = index.incoming.get(id)!.map((edge) => tensors.get(edge.source)!);

    if (spec.family === 'input') {
      modelInput = tfl.input({ shape: params.ints('shape'), name });
      tensors.set(id, modelInput);
      continue;
    }
    if (spec.family === 'output') {
      modelOutput = inputs[0]!;
      continue;
    }

    const ctx: BuildContext = {
      params,
      inputShapes: index.incoming.get(id)!.map((edge) => report.nodes[edge.source]!.shape!),
      outputShape: report.nodes[id]!.shape!,
      layerName: (role) => (role === undefined ? name : helperLayerName(name, role)),
      initializer: (initializer, role) =>
        makeInitializer(initializer, options.seed === undefined ? undefined : deriveSeed(options.seed, id, role)),
    };
    let tensor: tfl.SymbolicTensor | tfl.SymbolicTensor[] = inputs.length === 1 ? inputs[0]! : inputs;
    for (const layer of builderFor(node.type)(ctx)) {
      if (node.frozen) freeze(layer);
      tensor = layer.apply(tensor) as tfl.SymbolicTensor;
    }
    tensors.set(id, tensor as tfl.SymbolicTensor);
  }
  // Validation guarantees exactly one Input and one Output, both on the path.
  return tfl.model({ inputs: modelInput!, outputs: modelOutput! });
}

/**
 * A frozen layer's weights never change. tfjs' BatchNormalization would still
 * normalise with batch statistics and move its moving mean and variance
 * while fitting, whatever `trainable` says; a frozen one always runs in
 * inference mode, as in Keras. The override is on the instance, so the saved
 * model still names a plain BatchNormalization.
 */
function freeze(layer: tfl.layers.Layer): void {
  layer.trainable = false;
  if (layer.getClassName() !== 'BatchNormalization') return;
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
}
