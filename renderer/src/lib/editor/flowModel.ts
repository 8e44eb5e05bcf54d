/**
 * The project graph as Svelte Flow nodes and edges. Flow objects are reused
 * for nodes and edges whose ids, positions and selection did not change, and
 * what the cards and labels show lives beside them in per-id maps (SvelteMap,
 * set only where it changed), so after an edit only the cards and labels it
 * touched are redrawn, and the builders answer null: the flow keeps its
 * arrays and skips its own O(n) bookkeeping (what keeps a 300-node graph
 * within a frame).
 */
import type { Edge, Node } from '@xyflow/svelte';
import type { Graph, GraphNode } from '../../../../engine/protocol.js';
import type { NodeReport, Problem, ValidationReport } from '../../../../engine/protocol.js';
import type { LayerTypeInfo } from '../../../../engine/protocol.js';

export interface LayerNodeData extends Record<string, unknown> {
  node: GraphNode;
  info: LayerTypeInfo | undefined;
  report: NodeReport | undefined;
  problems: Problem[];
}
/**
 * A layer on the canvas. Its card's contents (LayerNodeData) are kept out of
 * the flow node, in a per-layer map LayerNode reads by id: an edit that only
 * changes what cards show leaves the flow's node array alone, so Svelte Flow
 * does not adopt every node again.
 */
export type LayerFlowNode = Node<Record<string, never>, 'layer'>;
/** The context key under which the canvas hands the cards' contents to LayerNode. */
export const LAYER_CONTENTS = Symbol('layer contents');

/**
 * What an edge's label shows. Kept out of the edge objects (in an EdgeLabels
 * map the edges read by id) so an edit that only changes shapes leaves the
 * flow's edge array alone: Svelte Flow then skips its O(edges) connection
 * lookup and visible-edge passes.
 */
export interface EdgeLabel {
  shape: string;
  problem: Problem | undefined;
}
/** The context key under which the canvas hands its edge labels to ShapeEdge. */
export const EDGE_LABELS = Symbol('edge labels');
export type ShapeFlowEdge = Edge<Record<string, never>, 'shape'>;

export const shapeText = (shape: number[] | null | undefined): string => (shape ? `[${shape.join(', ')}]` : '?');

const sameReport = (a: NodeReport | undefined, b: NodeReport | undefined) =>
  a === b || (!!a && !!b && a.params === b.params && a.macs === b.macs && shapeText(a.shape) === shapeText(b.shape));

const sameProblems = (a: Problem[], b: Problem[]) => a.length === b.length && a.every((p, i) => p.message === b[i]!.message && p.param === b[i]!.param);

export function problemsByNode(report: ValidationReport | null): Map<string, Problem[]> {
  const map = new Map<string, Problem[]>();
  for (const p of report?.problems ?? []) if (p.nodeId) map.set(p.nodeId, [...(map.get(p.nodeId) ?? []), p]);
  return map;
}

/**
 * The flow nodes for a graph, with the cards' contents brought up to date in
 * `contents` (set only where they changed: a SvelteMap notifies per key).
 * Answers null when the flow nodes themselves (ids, positions, selection)
 * are unchanged.
 */
export function toFlowNodes(
  graph: Graph,
  report: ValidationReport | null,
  types: Map<string, LayerTypeInfo>,
  previous: Map<string, LayerFlowNode>,
  selected: Set<string>,
  contents: Map<string, LayerNodeData>,
): LayerFlowNode[] | null {
  const problems = problemsByNode(report);
  const ids = new Set<string>();
  let reused = previous.size === graph.nodes.length;
  const next = graph.nodes.map((node): LayerFlowNode => {
    ids.add(node.id);
    const nodeReport = report?.nodes[node.id];
    const nodeProblems = problems.get(node.id) ?? [];
    const info = types.get(node.type);
    const content = contents.get(node.id);
    if (!(content && content.node === node && sameReport(content.report, nodeReport) && sameProblems(content.problems, nodeProblems) && content.info === info)) {
      contents.set(node.id, { node, info, report: nodeReport, problems: nodeProblems });
    }
    const old = previous.get(node.id);
    const isSelected = selected.has(node.id);
    if (old && !!old.selected === isSelected && old.position.x === node.position.x && old.position.y === node.position.y) return old;
    reused = false;
    return { ...(old ?? {}), id: node.id, type: 'layer', position: node.position, selected: isSelected, data: old?.data ?? {} };
  });
  // A layer just removed keeps its contents until its card is gone (the next pass).
  for (const id of [...contents.keys()]) if (!ids.has(id) && !previous.has(id)) contents.delete(id);
  return reused ? null : next;
}

export function toFlowEdges(graph: Graph, previous: Map<string, ShapeFlowEdge>, selected: Set<string>): ShapeFlowEdge[] | null {
  let reused = previous.size === graph.edges.length;
  const next = graph.edges.map((edge): ShapeFlowEdge => {
    const old = previous.get(edge.id);
    const isSelected = selected.has(edge.id);
    if (old && old.source === edge.source && old.target === edge.target && !!old.selected === isSelected) return old;
    reused = false;
    return { id: edge.id, source: edge.source, target: edge.target, type: 'shape', selected: isSelected };
  });
  return reused ? null : next;
}

/**
 * Brings the labels up to date in place: only the entries whose text or
 * problem changed are set (a SvelteMap notifies per key), so an edit redraws
 * the few labels it changed.
 */
export function updateEdgeLabels(labels: Map<string, EdgeLabel>, graph: Graph, report: ValidationReport | null): void {
  const edgeProblems = new Map<string, Problem>();
  for (const p of report?.problems ?? []) if (p.edgeId) edgeProblems.set(p.edgeId, p);
  const ids = new Set<string>();
  for (const edge of graph.edges) {
    ids.add(edge.id);
    const shape = shapeText(report?.nodes[edge.source]?.shape);
    const problem = edgeProblems.get(edge.id);
    const old = labels.get(edge.id);
    if (!old || old.shape !== shape || old.problem?.message !== problem?.message) labels.set(edge.id, { shape, problem });
  }
  for (const id of [...labels.keys()]) if (!ids.has(id)) labels.delete(id);
}
