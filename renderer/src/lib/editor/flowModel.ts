/**
 * The project graph as Svelte Flow nodes and edges. Flow objects are reused
 * for nodes and edges whose content did not change, so after an edit only the
 * nodes it touched are redrawn, and when nothing changed at all the builders
 * answer null: the flow keeps its arrays and skips its own O(n) bookkeeping
 * (what keeps a 300-node graph within a frame).
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
export type LayerFlowNode = Node<LayerNodeData, 'layer'>;

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

export function toFlowNodes(
  graph: Graph,
  report: ValidationReport | null,
  types: Map<string, LayerTypeInfo>,
  previous: Map<string, LayerFlowNode>,
  selected: Set<string>,
): LayerFlowNode[] | null {
  const problems = problemsByNode(report);
  let reused = previous.size === graph.nodes.length;
  const next = graph.nodes.map((node) => {
    const old = previous.get(node.id);
    const nodeReport = report?.nodes[node.id];
    const nodeProblems = problems.get(node.id) ?? [];
    const isSelected = selected.has(node.id);
    if (old && old.data.node === node && sameReport(old.data.report, nodeReport) && sameProblems(old.data.problems, nodeProblems) && old.data.info === types.get(node.type)) {
      if (!!old.selected === isSelected && old.position.x === node.position.x && old.position.y === node.position.y) return old;
      reused = false;
      return { ...old, selected: isSelected, position: node.position };
    }
    reused = false;
    return {
      ...(old ?? {}),
      id: node.id,
      type: 'layer',
      position: node.position,
      selected: isSelected,
      data: { node, info: types.get(node.type), report: nodeReport, problems: nodeProblems },
    } as LayerFlowNode;
  });
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
