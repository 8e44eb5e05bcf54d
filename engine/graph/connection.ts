/**
 * Whether a new edge may be drawn: the checks the editor runs while a wire is
 * dragged (direction, duplicates, the target's arity from its layer spec,
 * loops along the graph's edges), and, once dropped, the shape problem the
 * edge would bring, found by validating the graph with the edge added. The
 * window runs these in the page with the engine's own specs and validator.
 */
import { reachable } from './graph-index.js';
import { layerSpec } from './layers/index.js';
import type { Problem, ValidationReport } from './report.js';
import type { Graph, GraphEdge, GraphNode } from './schema.js';

export interface Refusal {
  message: string;
  hint: string;
}

/** What the checks of edges into one target read, computed once for many sources. */
interface Target {
  graph: Graph;
  byId: Map<string, GraphNode>;
  id: string;
  incoming: GraphEdge[];
  /** The nodes the target reaches (itself included): an edge from one of them would close a loop. */
  below: () => Set<string>;
}

function target(graph: Graph, id: string): Target {
  let below: Set<string> | undefined;
  return {
    graph,
    byId: new Map(graph.nodes.map((n) => [n.id, n])),
    id,
    incoming: graph.edges.filter((e) => e.target === id),
    below: () => {
      if (below) return below;
      const next = new Map<string, string[]>();
      for (const e of graph.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
      // The same walk validation's cycle search uses.
      return (below = reachable([id], (node) => next.get(node) ?? []));
    },
  };
}

function label(t: Target, id: string): string {
  const node = t.byId.get(id);
  return node ? `${node.type} "${node.name ?? node.id}"` : `"${id}"`;
}

function refusal(t: Target, source: string): Refusal | null {
  if (source === t.id) return { message: `${label(t, source)} cannot feed itself.`, hint: 'Connect it to another layer.' };
  const sourceNode = t.byId.get(source);
  const targetNode = t.byId.get(t.id);
  if (!sourceNode || !targetNode) return { message: 'That layer no longer exists.', hint: 'Connect two layers on the canvas.' };
  if (sourceNode.type === 'Output') {
    return { message: `${label(t, source)} is the end of the model; nothing comes out of it.`, hint: 'Connect the layer before it instead.' };
  }
  const arity = layerSpec(targetNode.type)?.arity;
  if (arity?.max === 0) {
    return { message: `${label(t, t.id)} takes no inputs: it is where samples enter.`, hint: 'Connect its output to the first layer instead.' };
  }
  if (t.incoming.some((e) => e.source === source)) {
    return { message: `${label(t, source)} is already connected to ${label(t, t.id)}.`, hint: 'To feed the same tensor twice into a merge, put a layer between.' };
  }
  if (arity && t.incoming.length >= arity.max) {
    const from = t.incoming.map((e) => label(t, e.source)).join(', ');
    return {
      message: `${label(t, t.id)} takes ${arity.max === 1 ? 'one input' : `${arity.max} inputs`} and already has ${from}.`,
      hint: 'Delete that connection first, or join both with an Add or Concatenate layer.',
    };
  }
  if (t.below().has(source)) {
    return { message: `Connecting ${label(t, source)} to ${label(t, t.id)} would make a loop.`, hint: 'Layers must flow one way, from the Input to the Output.' };
  }
  return null;
}

/** Why `source` → `target` cannot be connected in `graph`, or null when it can be drawn. */
export function refuseConnection(graph: Graph, source: string, targetId: string): Refusal | null {
  return refusal(target(graph, targetId), source);
}

/** Every node that could feed `targetId` (the inspector's "Input from" list), in one pass over the graph. */
export function possibleSources(graph: Graph, targetId: string): GraphNode[] {
  const t = target(graph, targetId);
  return graph.nodes.filter((node) => refusal(t, node.id) === null);
}

/** Problems that only a shape can cause: the ones a new edge is refused for. */
const SHAPE_CODES = new Set<Problem['code']>(['shape-mismatch', 'rank-mismatch', 'kernel-too-large', 'non-positive-size', 'cycle', 'invalid-edge']);

const problemKey = (p: Problem) => `${p.code}|${p.nodeId}|${p.message}`;

/**
 * The first shape problem that the candidate graph has at the edge's target
 * (or on the edge) and the current graph did not: why the edge is refused.
 * Problems further down stay badges: the person may be about to fix them.
 */
export function problemBroughtBy(before: ValidationReport | null, after: ValidationReport, edge: { id: string; target: string }): Problem | null {
  const known = new Set((before?.problems ?? []).map(problemKey));
  return (
    after.problems.find(
      (p) => SHAPE_CODES.has(p.code) && (p.nodeId === edge.target || p.edgeId === edge.id) && !known.has(problemKey(p)),
    ) ?? null
  );
}
