/**
 * Edits of a project's graph as pure functions: each returns a new Graph that
 * shares every untouched node and edge with the old one (so the canvas
 * redraws only what changed, and undo keeps plain references).
 */
import type { Graph, GraphEdge, GraphNode, ParamValue, ProjectFile } from '../../../../engine/graph/schema.js';
import type { LayerTypeInfo } from '../../../../engine/graph/layers/index.js';

export const withGraph = (project: ProjectFile, graph: Graph): ProjectFile => ({ ...project, graph });

/** Starting values for parameters Keras requires and has no default for. */
const STARTER_VALUES: Record<string, ParamValue> = { filters: 32, kernel_size: 3, units: 64 };

/** Keras-style base name: Conv2D → conv2d, MaxPooling2D → max_pooling2d. */
export function baseId(type: string): string {
  return type
    .replace(/(\d)D/g, '$1d')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export function freshId(base: string, taken: Set<string>): string {
  for (let n = 1; ; n++) {
    const id = `${base}_${n}`;
    if (!taken.has(id)) return id;
  }
}

export function newNode(info: LayerTypeInfo, position: { x: number; y: number }, taken: Set<string>): GraphNode {
  const params: Record<string, ParamValue> = {};
  for (const spec of info.params) if (spec.required && spec.name in STARTER_VALUES) params[spec.name] = STARTER_VALUES[spec.name]!;
  return { id: freshId(baseId(info.type), taken), type: info.type, params, position: { x: Math.round(position.x), y: Math.round(position.y) } };
}

export function addNode(graph: Graph, node: GraphNode): Graph {
  return { ...graph, nodes: [...graph.nodes, node] };
}

export function removeElements(graph: Graph, nodeIds: Iterable<string>, edgeIds: Iterable<string> = []): Graph {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  return {
    nodes: graph.nodes.filter((n) => !nodes.has(n.id)),
    edges: graph.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target)),
  };
}

/** The next free input slot of a node (merge layers take theirs in port order). */
export function nextPort(graph: Graph, target: string): number {
  let port = 0;
  for (const e of graph.edges) if (e.target === target) port = Math.max(port, (e.targetPort ?? 0) + 1);
  return port;
}

export function edgeId(source: string, target: string, port: number, taken: Set<string>): string {
  const base = port === 0 ? `${source}->${target}` : `${source}->${target}:${port}`;
  if (!taken.has(base)) return base;
  return freshId(base, taken);
}

export function connect(graph: Graph, source: string, target: string): { graph: Graph; edge: GraphEdge } {
  const port = nextPort(graph, target);
  const edge: GraphEdge = { id: edgeId(source, target, port, new Set(graph.edges.map((e) => e.id))), source, target };
  if (port > 0) edge.targetPort = port;
  return { graph: { ...graph, edges: [...graph.edges, edge] }, edge };
}

export function moveNodes(graph: Graph, positions: Map<string, { x: number; y: number }>): Graph {
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    const p = positions.get(n.id);
    if (!p) return n;
    const x = Math.round(p.x);
    const y = Math.round(p.y);
    if (x === n.position.x && y === n.position.y) return n;
    changed = true;
    return { ...n, position: { x, y } };
  });
  return changed ? { ...graph, nodes } : graph;
}

export function updateNode(graph: Graph, id: string, change: (node: GraphNode) => GraphNode): Graph {
  return { ...graph, nodes: graph.nodes.map((n) => (n.id === id ? change(n) : n)) };
}

/** Sets one parameter; `undefined` removes it so the catalogue's default applies. */
export function setParam(graph: Graph, id: string, name: string, value: ParamValue | undefined): Graph {
  return updateNode(graph, id, (n) => {
    const params = { ...n.params };
    if (value === undefined) delete params[name];
    else params[name] = value;
    return { ...n, params };
  });
}
