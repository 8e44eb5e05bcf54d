/**
 * validateGraph: everything that can be known about a graph without creating
 * a tensor. Every node gets an output shape, parameter count and multiply-add
 * count where they can be inferred, and every independent problem is reported
 * at once, each naming its node (and parameter or edge) with a hint that says
 * how to fix it. A problem in one node only hides what depends on it: its
 * descendants get no shape, and nothing is reported twice for one cause.
 */
import { layerSpec, layerTypes } from './layers/index.js';
import type { ResolvedParams } from './layers/resolved-params.js';
import { formatShape } from './layers/shape-math.js';
import type { InferContext, LayerSpec } from './layers/types.js';
import { checkParams } from './params-check.js';
import { findCycles, indexGraph, reachable, topologicalOrder, type GraphIndex } from './graph-index.js';
import type { NodeReport, Problem, Shape, ValidationReport } from './report.js';
import type { LossName } from '../protocol.js';
import type { Graph, GraphNode } from './schema.js';
import { nearestName } from './suggest.js';
import { memoryProblems, type MemorySettings } from './memory.js';

export interface ValidateOptions {
  /** Classes in the dataset: the output must have this many units (1 for binary-crossentropy). */
  classCount?: number;
  /** The training loss: the last activation must be softmax (categorical) or sigmoid (binary). */
  loss?: LossName;
  /** Training's optimizer, batch size and (in the engine) the backend's memory: checks what fits. */
  memory?: MemorySettings;
}

/**
 * The most layers on one path from Input to Output. tfjs-layers builds and
 * runs a model recursively: 3,000 layers in a row train, 5,000 overflow the
 * stack ("Maximum call stack size exceeded"), so the limit keeps a margin.
 */
export const MAX_GRAPH_DEPTH = 2000;

/** A node that passed its own checks: its spec and resolved parameters. */
interface Checked {
  spec: LayerSpec;
  params: ResolvedParams;
}

const ids = (list: readonly string[]) => list.map((id) => `"${id}"`).join(', ');

function describeArity(spec: LayerSpec): string {
  const { min, max } = spec.arity;
  if (min === max) return `exactly ${min} input${min === 1 ? '' : 's'}`;
  return Number.isFinite(max) ? `${min} to ${max} inputs` : `at least ${min} inputs`;
}

function arityHint(node: GraphNode, spec: LayerSpec, count: number): string {
  if (spec.arity.max === 0) return `An Input takes no edges in; delete the edges into "${node.id}".`;
  if (count < spec.arity.min) {
    return spec.family === 'merge'
      ? `Connect another branch into "${node.id}", or delete the ${node.type} if there is nothing to merge.`
      : `Connect the layer before it to "${node.id}".`;
  }
  return `Merge the branches first with an Add or Concatenate node, or delete the extra edges into "${node.id}".`;
}

export function validateGraph(graph: Graph, options: ValidateOptions = {}): ValidationReport {
  const problems: Problem[] = [];
  const report = (problem: Problem) => problems.push(problem);
  const index = indexGraph(graph, report);

  const checked = new Map<string, Checked>();
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const node of index.nodes) {
    const spec = layerSpec(node.type);
    if (!spec) {
      const guess = nearestName(String(node.type), layerTypes());
      report({
        nodeId: node.id,
        code: 'unknown-layer-type',
        message: `Node "${node.id}" has layer type "${node.type}", which the studio does not know.`,
        hint: guess ? `Did you mean ${guess}?` : `Use one of: ${layerTypes().join(', ')}.`,
      });
      continue;
    }
    if (spec.family === 'input') inputs.push(node.id);
    if (spec.family === 'output') outputs.push(node.id);
    const params = checkParams(node, spec, report);
    const count = index.incoming.get(node.id)!.length;
    const arityFits = count >= spec.arity.min && count <= spec.arity.max;
    if (!arityFits) {
      const from = count > 0 ? ` (from ${ids(index.incoming.get(node.id)!.map((i) => i.source))})` : '';
      report({
        nodeId: node.id,
        code: 'wrong-input-count',
        message: `${node.type} "${node.id}" takes ${describeArity(spec)} but has ${count}${from}.`,
        hint: arityHint(node, spec, count),
      });
    }
    if (params && arityFits) checked.set(node.id, { spec, params });
  }

  checkEnds(inputs, outputs, report);

  const order = topologicalOrder(index);
  if (order.length < index.nodes.length) {
    const placed = new Set(order);
    const left = new Set(index.nodes.filter((n) => !placed.has(n.id)).map((n) => n.id));
    for (const cycle of findCycles(index, left)) {
      const loop = [...cycle, cycle[0]!].map((id) => `"${id}"`).join(' → ');
      report({
        nodeId: cycle[0]!,
        code: 'cycle',
        message: `Layers ${cycle.length === 1 ? `"${cycle[0]}" feeds itself` : `${ids(cycle)} form a cycle`} (${loop}); a network must flow one way.`,
        hint: `Delete the edge that leads back (into "${cycle[0]}"); use an Add node to join a skip connection instead.`,
      });
    }
  }

  checkConnectivity(index, inputs, outputs, report);
  checkDepth(index, order, report);

  const nodes: Record<string, NodeReport> = {};
  for (const node of index.nodes) nodes[node.id] = { shape: null, params: 0, trainableParams: 0, macs: 0 };
  inferShapes(index, order, checked, nodes, report);

  const totals = { params: 0, trainableParams: 0, macs: 0 };
  for (const node of Object.values(nodes)) {
    totals.params += node.params;
    totals.trainableParams += node.trainableParams;
    totals.macs += node.macs;
  }
  const inputShape = inputs.length === 1 ? nodes[inputs[0]!]!.shape : null;
  const outputShape = outputs.length === 1 ? nodes[outputs[0]!]!.shape : null;
  if (outputs.length === 1 && outputShape) checkHead(index, outputs[0]!, outputShape, options, report);

  const result: ValidationReport = { valid: problems.length === 0, problems, nodes, totals, inputShape, outputShape };
  if (options.memory) {
    const memory = memoryProblems(graph, result, options.memory);
    problems.push(...memory.problems);
    result.valid = problems.length === 0;
    if (memory.warnings.length > 0) result.warnings = memory.warnings;
  }
  return result;
}

/** The longest chain of layers, counted along the topological order (no recursion, so any depth is measured). */
function checkDepth(index: GraphIndex, order: string[], report: (p: Problem) => void): void {
  const depth = new Map<string, number>();
  let deepest: { id: string; depth: number } | null = null;
  for (const id of order) {
    let d = 1;
    for (const edge of index.incoming.get(id)!) d = Math.max(d, (depth.get(edge.source) ?? 0) + 1);
    depth.set(id, d);
    if (!deepest || d > deepest.depth) deepest = { id, depth: d };
  }
  if (deepest && deepest.depth > MAX_GRAPH_DEPTH) {
    report({
      nodeId: deepest.id,
      code: 'graph-too-deep',
      message: `The graph is ${deepest.depth.toLocaleString('en-US')} layers deep (at "${deepest.id}"); the studio builds networks of at most ${MAX_GRAPH_DEPTH.toLocaleString('en-US')} layers in a row.`,
      hint: 'Use fewer, wider layers, or repeat a block fewer times.',
    });
  }
}

function checkEnds(inputs: string[], outputs: string[], report: (p: Problem) => void): void {
  if (inputs.length === 0) {
    report({
      nodeId: null,
      code: 'no-input',
      message: 'The graph has no Input node, so nothing says what a sample looks like.',
      hint: 'Add an Input node with the image shape, e.g. [28, 28, 1], and connect it to the first layer.',
    });
  }
  for (const id of inputs.slice(1)) {
    report({
      nodeId: id,
      code: 'several-inputs',
      message: `"${id}" is a second Input; the studio trains models with one image input (the first is "${inputs[0]}").`,
      hint: `Delete "${id}" and feed its layers from "${inputs[0]}".`,
    });
  }
  if (outputs.length === 0) {
    report({
      nodeId: null,
      code: 'no-output',
      message: 'The graph has no Output node, so nothing says which layer makes the prediction.',
      hint: 'Add an Output node and connect the last layer (usually a Dense with one unit per class) to it.',
    });
  }
  for (const id of outputs.slice(1)) {
    report({
      nodeId: id,
      code: 'several-outputs',
      message: `"${id}" is a second Output; the studio trains models with one output (the first is "${outputs[0]}").`,
      hint: `Delete "${id}", or merge the branches with Add or Concatenate before a single Output.`,
    });
  }
}

function checkConnectivity(index: GraphIndex, inputs: string[], outputs: string[], report: (p: Problem) => void): void {
  const fromInput = inputs.length > 0 ? reachable(inputs, (id) => index.outgoing.get(id)!) : null;
  const sources = (id: string) => index.incoming.get(id)!.map((i) => i.source);
  const toOutput = outputs.length > 0 ? reachable(outputs, sources) : null;
  for (const node of index.nodes) {
    if (fromInput && !fromInput.has(node.id)) {
      report({
        nodeId: node.id,
        code: 'unreachable-from-input',
        message: `${node.type} "${node.id}" is not connected to the Input, so no data reaches it.`,
        hint: `Connect an edge into "${node.id}" from a layer on the Input's path, or delete it.`,
      });
    }
    if (toOutput && !toOutput.has(node.id)) {
      report({
        nodeId: node.id,
        code: 'does-not-reach-output',
        message: `${node.type} "${node.id}" does not lead to the Output, so its result is never used.`,
        hint: `Connect "${node.id}" onward toward the Output, or delete it.`,
      });
    }
  }
}

function inferShapes(
  index: GraphIndex,
  order: string[],
  checked: Map<string, Checked>,
  nodes: Record<string, NodeReport>,
  report: (p: Problem) => void,
): void {
  for (const id of order) {
    const node = index.byId.get(id)!;
    const entry = checked.get(id);
    if (!entry) continue;
    const incoming = index.incoming.get(id)!;
    const shapes: Shape[] = [];
    for (const edge of incoming) {
      const shape = nodes[edge.source]!.shape;
      if (shape === null) break;
      shapes.push(shape);
    }
    if (shapes.length < incoming.length) continue;
    const ctx: InferContext = {
      node,
      params: entry.params,
      inputs: shapes,
      sources: incoming.map((i) => i.source),
      problem: (code, message, hint, param) =>
        report(param === undefined ? { nodeId: id, code, message, hint } : { nodeId: id, param, code, message, hint }),
    };
    const output = entry.spec.inferShape(ctx);
    if (output === null) continue;
    const shaped = { params: entry.params, inputs: shapes, output };
    const counted = entry.spec.countParams(shaped);
    nodes[id] = {
      shape: output,
      params: counted.total,
      trainableParams: node.frozen ? 0 : counted.trainable,
      macs: entry.spec.macs(shaped),
    };
  }
}

/** Layers that pass values through unchanged in meaning: the head search looks through them. */
const PASS_THROUGH = new Set(['Dropout', 'SpatialDropout2D']);

/**
 * Walks back from the Output past dropout to the node that sets the final
 * activation, and further past activations to the node that sets the width.
 */
function headNodes(index: GraphIndex, outputId: string): { activation: GraphNode; width: GraphNode } {
  const previous = (node: GraphNode) => index.byId.get(index.incoming.get(node.id)![0]!.source)!;
  let activation = previous(index.byId.get(outputId)!);
  while (PASS_THROUGH.has(activation.type)) activation = previous(activation);
  let width = activation;
  while (PASS_THROUGH.has(width.type) || width.type === 'Activation') width = previous(width);
  return { activation, width };
}

function finalActivation(node: GraphNode): string | null {
  const value = node.params?.['activation'];
  if (node.type === 'Activation') return typeof value === 'string' ? value : 'relu';
  if (layerSpec(node.type)?.params.some((p) => p.name === 'activation')) return typeof value === 'string' ? value : 'linear';
  return null;
}

function checkHead(
  index: GraphIndex,
  outputId: string,
  shape: Shape,
  options: ValidateOptions,
  report: (p: Problem) => void,
): void {
  const { classCount, loss } = options;
  if (classCount === undefined && loss === undefined) return;
  const { activation, width } = headNodes(index, outputId);
  if (shape.length !== 1) {
    report({
      nodeId: outputId,
      code: 'rank-mismatch',
      message: `The Output "${outputId}" receives ${formatShape(shape)} from "${width.id}", but a classifier outputs one score per class, a flat vector.`,
      hint: `Put a Flatten or GlobalAveragePooling2D before the last Dense layer.`,
    });
    return;
  }
  const binary = loss === 'binary-crossentropy';
  const widthParam = width.type === 'Dense' ? { param: 'units' } : {};
  if (classCount !== undefined && binary && classCount !== 2) {
    report({
      nodeId: width.id,
      ...widthParam,
      code: 'class-count-mismatch',
      message: `"${width.id}" feeds binary-crossentropy, which separates exactly 2 classes, but the data has ${classCount}.`,
      hint: `Train with sparse-categorical-crossentropy and a last Dense of ${classCount} units with softmax.`,
    });
  } else if (classCount !== undefined) {
    const expected = binary ? 1 : classCount;
    if (shape[0] !== expected) {
      report({
        nodeId: width.id,
        ...widthParam,
        code: 'class-count-mismatch',
        message: `The model outputs ${shape[0]} value${shape[0] === 1 ? '' : 's'} but the data has ${classCount} classes${binary ? ', which binary-crossentropy scores with 1 unit' : ''}.`,
        hint: `Set units of "${width.id}" to ${expected}.`,
      });
    }
  }
  if (loss === undefined) return;
  const wanted = binary ? 'sigmoid' : 'softmax';
  const actual = finalActivation(activation);
  if (actual === wanted) return;
  const hasParam = activation.type === 'Activation' || actual !== null;
  report({
    nodeId: activation.id,
    ...(hasParam ? { param: 'activation' } : {}),
    code: 'output-activation',
    message: `The last layer "${activation.id}" ends in ${actual ?? 'no activation'}, but ${loss} expects ${binary ? 'a probability from sigmoid' : 'class probabilities from softmax'}.`,
    hint: hasParam
      ? `Set activation of "${activation.id}" to ${wanted}.`
      : `Add an Activation node with ${wanted} before the Output.`,
  });
}
