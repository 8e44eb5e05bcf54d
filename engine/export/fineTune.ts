/**
 * The graph edits of fine-tuning: freeze layers one by one or "everything up
 * to here", and replace the classifier head for a new dataset's classes.
 * Each returns a new graph (the input is not changed), so the window can
 * offer them as undoable edits.
 */
import { StudioError } from '../errors.js';
import { layerSpec } from '../graph/layers/index.js';
import type { Graph, GraphNode } from '../graph/schema.js';

function requireNode(graph: Graph, id: string): GraphNode {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node) {
    throw new StudioError(`There is no node "${id}" in the graph.`, `Use one of: ${graph.nodes.map((n) => n.id).join(', ')}.`, 'unknown-node');
  }
  return node;
}

function hasWeights(node: GraphNode): boolean {
  const family = layerSpec(node.type)?.family;
  return family === 'convolution' || family === 'dense' || family === 'normalisation';
}

/** Sets `frozen` on the named nodes (and only those). */
export function setFrozen(graph: Graph, ids: string[], frozen: boolean): Graph {
  for (const id of ids) requireNode(graph, id);
  const chosen = new Set(ids);
  return {
    ...graph,
    nodes: graph.nodes.map((n) => (chosen.has(n.id) ? withFrozen(n, frozen) : n)),
  };
}

function withFrozen(node: GraphNode, frozen: boolean): GraphNode {
  const { frozen: _previous, ...rest } = node;
  return frozen ? { ...rest, frozen: true } : rest;
}

/** The node and every node it depends on. */
export function upstreamOf(graph: Graph, id: string): Set<string> {
  requireNode(graph, id);
  const seen = new Set<string>([id]);
  const stack = [id];
  while (stack.length) {
    const current = stack.pop()!;
    for (const edge of graph.edges) {
      if (edge.target === current && !seen.has(edge.source)) {
        seen.add(edge.source);
        stack.push(edge.source);
      }
    }
  }
  return seen;
}

/** "Everything up to here": freezes `id` and all it depends on; everything after stays trainable. */
export function freezeUpTo(graph: Graph, id: string): Graph {
  const upstream = upstreamOf(graph, id);
  return { ...graph, nodes: graph.nodes.map((n) => withFrozen(n, upstream.has(n.id))) };
}

export interface ReplaceHeadOptions {
  classCount: number;
  /** The node whose output feeds the new head; by default the input of the last Dense before the Output. */
  after?: string;
  /** Id of the new Dense; made unique. */
  headId?: string;
}

/**
 * Replaces the classifier head: the nodes between `after` and the Output are
 * removed and one new Dense (classCount units, softmax, for the studio's
 * sparse categorical loss) reads from `after` and feeds the Output. The new head's id
 * differs from every old one, so no old weights load into it.
 */
export function replaceHead(graph: Graph, options: ReplaceHeadOptions): Graph {
  if (!Number.isInteger(options.classCount) || options.classCount < 1) {
    throw new StudioError(`A head needs a whole number of classes of at least 1 (got ${options.classCount}).`, 'Pass the number of classes of the new dataset.', 'bad-class-count');
  }
  const output = graph.nodes.find((n) => n.type === 'Output');
  if (!output) throw new StudioError('The graph has no Output node.', 'Add an Output node after the last layer.', 'no-output');
  const after = options.after ?? defaultHeadInput(graph, output.id);
  const anchor = requireNode(graph, after);
  if (anchor.type === 'Output') throw new StudioError(`The head cannot go after the Output node "${after}".`, 'Pick a layer before the Output.', 'bad-head');

  // Everything strictly between the anchor and the Output that the anchor does not depend on goes.
  const kept = upstreamOf(graph, after);
  const feedsOutput = upstreamOf(graph, output.id);
  const removed = new Set(graph.nodes.filter((n) => !kept.has(n.id) && n.id !== output.id && feedsOutput.has(n.id)).map((n) => n.id));
  const taken = new Set(graph.nodes.filter((n) => !removed.has(n.id)).map((n) => n.id));
  let headId = options.headId ?? 'head';
  for (let n = 2; taken.has(headId); n++) headId = `${options.headId ?? 'head'}_${n}`;

  const head: GraphNode = {
    id: headId,
    type: 'Dense',
    params: { units: options.classCount, activation: 'softmax' },
    position: { x: anchor.position.x, y: anchor.position.y + 100 },
  };
  const nodes = graph.nodes
    .filter((n) => !removed.has(n.id))
    .map((n) => (n.id === output.id ? { ...n, position: { x: anchor.position.x, y: anchor.position.y + 200 } } : n));
  nodes.splice(nodes.findIndex((n) => n.id === output.id), 0, head);
  const edges = graph.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target) && e.target !== output.id);
  edges.push({ id: `${after}->${headId}`, source: after, target: headId }, { id: `${headId}->${output.id}`, source: headId, target: output.id });
  return { nodes, edges };
}

/** The input of the last weighted layer before the Output (usually the classifier Dense). */
function defaultHeadInput(graph: Graph, outputId: string): string {
  let current = outputId;
  for (;;) {
    const incoming = graph.edges.filter((e) => e.target === current);
    if (incoming.length !== 1) {
      throw new StudioError(
        `Cannot find the classifier head: node "${current}" has ${incoming.length} inputs.`,
        'Name the node the new head should follow (after).',
        'bad-head',
      );
    }
    const source = requireNode(graph, incoming[0]!.source);
    if (hasWeights(source) && source.type === 'Dense') {
      const feeding = graph.edges.filter((e) => e.target === source.id);
      if (feeding.length !== 1) throw new StudioError(`The head "${source.id}" has ${feeding.length} inputs.`, 'Name the node the new head should follow (after).', 'bad-head');
      return feeding[0]!.source;
    }
    if (source.type === 'Input') {
      throw new StudioError('The graph has no Dense layer before its Output to replace.', 'Name the node the new head should follow (after).', 'bad-head');
    }
    current = source.id;
  }
}
