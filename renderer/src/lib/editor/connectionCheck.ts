/**
 * Is a connection allowed? Two stages. While the person drags a wire, a
 * synchronous check (arity, direction, cycles, duplicates) lets the canvas
 * mark the target as refusing. When the wire is dropped, the engine validates
 * the graph with the edge added: a shape problem that the edge would bring
 * (a rank or shape mismatch, a kernel larger than its input…) refuses it too,
 * with the engine's own message.
 */
import type { Graph } from '../../../../engine/protocol.js';
import type { Problem, ValidationReport } from '../../../../engine/protocol.js';
import type { LayerTypeInfo } from '../../../../engine/protocol.js';

export interface Refusal {
  message: string;
  hint: string;
}

const label = (graph: Graph, id: string) => {
  const node = graph.nodes.find((n) => n.id === id);
  return node ? `${node.type} "${node.name ?? node.id}"` : `"${id}"`;
};

/** Whether `from` can reach `to` along the graph's edges. */
function reaches(graph: Graph, from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

export function checkConnection(graph: Graph, types: Map<string, LayerTypeInfo>, source: string, target: string): Refusal | null {
  if (source === target) return { message: `${label(graph, source)} cannot feed itself.`, hint: 'Connect it to another layer.' };
  const sourceNode = graph.nodes.find((n) => n.id === source);
  const targetNode = graph.nodes.find((n) => n.id === target);
  if (!sourceNode || !targetNode) return { message: 'That layer no longer exists.', hint: 'Connect two layers on the canvas.' };
  if (sourceNode.type === 'Output') {
    return { message: `${label(graph, source)} is the end of the model; nothing comes out of it.`, hint: 'Connect the layer before it instead.' };
  }
  const info = types.get(targetNode.type);
  const incoming = graph.edges.filter((e) => e.target === target);
  if (info && info.inputs.max === 0) {
    return { message: `${label(graph, target)} takes no inputs: it is where samples enter.`, hint: 'Connect its output to the first layer instead.' };
  }
  if (incoming.some((e) => e.source === source)) {
    return { message: `${label(graph, source)} is already connected to ${label(graph, target)}.`, hint: 'To feed the same tensor twice into a merge, put a layer between.' };
  }
  if (info && info.inputs.max !== null && incoming.length >= info.inputs.max) {
    const from = incoming.map((e) => label(graph, e.source)).join(', ');
    return {
      message: `${label(graph, target)} takes ${info.inputs.max === 1 ? 'one input' : `${info.inputs.max} inputs`} and already has ${from}.`,
      hint: 'Delete that connection first, or join both with an Add or Concatenate layer.',
    };
  }
  if (reaches(graph, target, source)) {
    return { message: `Connecting ${label(graph, source)} to ${label(graph, target)} would make a loop.`, hint: 'Layers must flow one way, from the Input to the Output.' };
  }
  return null;
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
