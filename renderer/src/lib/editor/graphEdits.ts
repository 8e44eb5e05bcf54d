/**
 * Edits of a project's graph as pure functions: each returns a new Graph that
 * shares every untouched node and edge with the old one (so the canvas
 * redraws only what changed, and undo keeps plain references).
 */
import type { Graph, GraphEdge, GraphNode, ParamValue, ProjectFile } from '../../../../engine/protocol.js';
import type { LayerTypeInfo } from '../../../../engine/protocol.js';

export const withGraph = (project: ProjectFile, graph: Graph): ProjectFile => ({ ...project, graph });

/** Starting values for parameters Keras requires and has no default for. */
const STARTER_VALUES: Record<string, ParamValue> = { filters: 32, kernel_size: 3, units: 64 };
/**
 * Layers drawn new start with relu, as a Keras user writes them; their
 * catalogue default (linear, as in Keras) stays for files that leave it out.
 */
const STARTS_WITH_RELU = new Set(['Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'Dense']);
/** Vertical distance between a layer and one added after it (the auto-layout's row). */
export const ADD_BELOW = 100;

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
  if (STARTS_WITH_RELU.has(info.type) && info.params.some((spec) => spec.name === 'activation')) params.activation = 'relu';
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

/** Every node downstream of `id` (not itself). */
function downstream(graph: Graph, id: string): Set<string> {
  const found = new Set<string>();
  const stack = [id];
  while (stack.length) {
    const at = stack.pop()!;
    for (const e of graph.edges) {
      if (e.source === at && !found.has(e.target) && e.target !== id) {
        found.add(e.target);
        stack.push(e.target);
      }
    }
  }
  return found;
}

/**
 * Adds `node` after the layer `afterId`, as a keyboard user means it: wired
 * from that layer and placed one row below it. When that layer fed exactly
 * one other, the new one goes between them (after → new → next) and what
 * lies downstream moves one row down to make room; otherwise it is one more
 * branch, placed beside any layer already in that spot. A layer that takes
 * no input (an Input), or an Output to add after, is only placed.
 */
export function insertAfter(graph: Graph, node: GraphNode, afterId: string, nodeTakesInputs: boolean): Graph {
  const after = graph.nodes.find((n) => n.id === afterId);
  if (!after) return addNode(graph, node);
  const position = { x: after.position.x, y: after.position.y + ADD_BELOW };
  const outgoing = graph.edges.filter((e) => e.source === afterId);
  const canFeed = after.type !== 'Output' && nodeTakesInputs;
  if (canFeed && outgoing.length === 1) {
    const next = outgoing[0]!;
    const below = downstream(graph, afterId);
    const nodes = graph.nodes.map((n) => (below.has(n.id) ? { ...n, position: { x: n.position.x, y: n.position.y + ADD_BELOW } } : n));
    const placed = { ...node, position };
    const taken = new Set(graph.edges.map((e) => e.id));
    const inEdge: GraphEdge = { id: edgeId(afterId, node.id, 0, taken), source: afterId, target: node.id };
    taken.add(inEdge.id);
    const outEdge: GraphEdge = { id: edgeId(node.id, next.target, next.targetPort ?? 0, taken), source: node.id, target: next.target };
    if (next.targetPort !== undefined) outEdge.targetPort = next.targetPort;
    return { nodes: [...nodes, placed], edges: [...graph.edges.filter((e) => e !== next), inEdge, outEdge] };
  }
  // One more branch: step right past whatever already sits one row below.
  const occupied = (x: number) => graph.nodes.some((n) => Math.abs(n.position.x - x) < 200 && Math.abs(n.position.y - position.y) < ADD_BELOW * 0.8);
  while (occupied(position.x)) position.x += 240;
  const placed = addNode(graph, { ...node, position });
  return canFeed ? connect(placed, afterId, node.id).graph : placed;
}

/**
 * Makes `source` the input of a one-input layer (replacing the one it had),
 * or, with `source` null, leaves it without one.
 */
export function setInput(graph: Graph, target: string, source: string | null): Graph {
  const kept = { ...graph, edges: graph.edges.filter((e) => e.target !== target) };
  return source ? connect(kept, source, target).graph : kept;
}

/** Adds `source` as one more input of a merge layer (in the next free slot). */
export function addInput(graph: Graph, target: string, source: string): Graph {
  return connect(graph, source, target).graph;
}

/** Removes one input connection, by edge id. */
export function removeInput(graph: Graph, edgeIdToRemove: string): Graph {
  return { ...graph, edges: graph.edges.filter((e) => e.id !== edgeIdToRemove) };
}

/**
 * The nodes in the order data flows (a node after all its inputs), keeping the
 * file's order among nodes free to go in any order; nodes on a cycle (an
 * invalid graph) follow at the end in file order. What the Summary lists.
 */
export function flowOrder(graph: Graph): GraphNode[] {
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  const next = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (!indegree.has(e.source) || !indegree.has(e.target)) continue;
    indegree.set(e.target, indegree.get(e.target)! + 1);
    next.set(e.source, [...(next.get(e.source) ?? []), e.target]);
  }
  const position = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const ready = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const ordered: GraphNode[] = [];
  while (ready.length) {
    // The earliest in the file first, so a graph already in order keeps it.
    ready.sort((a, b) => position.get(a)! - position.get(b)!);
    const id = ready.shift()!;
    ordered.push(byId.get(id)!);
    for (const target of next.get(id) ?? []) {
      indegree.set(target, indegree.get(target)! - 1);
      if (indegree.get(target) === 0) ready.push(target);
    }
  }
  if (ordered.length < graph.nodes.length) {
    const placed = new Set(ordered.map((n) => n.id));
    ordered.push(...graph.nodes.filter((n) => !placed.has(n.id)));
  }
  return ordered;
}
