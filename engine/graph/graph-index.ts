/**
 * The graph as adjacency lists over unique node ids, with every structural
 * problem of its ids and edges reported on the way in: duplicate ids, edges
 * naming missing nodes, edges out of the Output marker, bad target ports.
 * Validation and the model builder both walk this index.
 */
import type { Graph, GraphEdge, GraphNode } from './schema.js';
import type { Problem } from './report.js';

export interface Incoming {
  edge: GraphEdge;
  source: string;
  port: number;
  /** Position of the edge in graph.edges, the tie-break after the port. */
  order: number;
}

export interface GraphIndex {
  /** Nodes with unique ids, in file order (a later duplicate is left out). */
  nodes: GraphNode[];
  byId: Map<string, GraphNode>;
  /** Valid incoming edges per node, sorted into merge order: port, then edge order. */
  incoming: Map<string, Incoming[]>;
  outgoing: Map<string, string[]>;
}

export function indexGraph(graph: Graph, report: (problem: Problem) => void): GraphIndex {
  const nodes: GraphNode[] = [];
  const byId = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (byId.has(node.id)) {
      report({
        nodeId: node.id,
        code: 'duplicate-id',
        message: `Two nodes have the id "${node.id}" (a ${byId.get(node.id)!.type} and a ${node.type}).`,
        hint: 'Give every node its own id; edges and problems refer to nodes by id.',
      });
      continue;
    }
    byId.set(node.id, node);
    nodes.push(node);
  }

  const incoming = new Map<string, Incoming[]>();
  const outgoing = new Map<string, string[]>();
  for (const node of nodes) {
    incoming.set(node.id, []);
    outgoing.set(node.id, []);
  }

  const edgeIds = new Set<string>();
  graph.edges.forEach((edge, order) => {
    if (edgeIds.has(edge.id)) {
      report({
        nodeId: byId.has(edge.target) ? edge.target : null,
        edgeId: edge.id,
        code: 'duplicate-id',
        message: `Two edges have the id "${edge.id}".`,
        hint: 'Give every edge its own id.',
      });
    }
    edgeIds.add(edge.id);
    const missing = [edge.source, edge.target].filter((id) => !byId.has(id));
    if (missing.length > 0) {
      const present = byId.has(edge.source) ? edge.source : byId.has(edge.target) ? edge.target : null;
      report({
        nodeId: present,
        edgeId: edge.id,
        code: 'dangling-edge',
        message: `Edge "${edge.id}" from "${edge.source}" to "${edge.target}" names ${missing.map((id) => `"${id}"`).join(' and ')}, which ${missing.length > 1 ? 'are' : 'is'} not in the graph.`,
        hint: 'Delete the edge, or reconnect it between two existing layers.',
      });
      return;
    }
    if (byId.get(edge.source)!.type === 'Output') {
      report({
        nodeId: edge.source,
        edgeId: edge.id,
        code: 'invalid-edge',
        message: `Edge "${edge.id}" leaves the Output "${edge.source}"; the Output marks the end of the network.`,
        hint: `Connect "${edge.target}" to the layer that feeds the Output instead, or delete the edge.`,
      });
      return;
    }
    const port = edge.targetPort ?? 0;
    if (!Number.isInteger(port) || port < 0) {
      report({
        nodeId: edge.target,
        edgeId: edge.id,
        code: 'invalid-edge',
        message: `Edge "${edge.id}" into "${edge.target}" has targetPort ${JSON.stringify(edge.targetPort)}; ports are 0, 1, 2, ….`,
        hint: 'Set targetPort to a whole number from 0, or leave it out for port 0.',
      });
      return;
    }
    incoming.get(edge.target)!.push({ edge, source: edge.source, port, order });
    outgoing.get(edge.source)!.push(edge.target);
  });
  for (const list of incoming.values()) list.sort((a, b) => a.port - b.port || a.order - b.order);
  return { nodes, byId, incoming, outgoing };
}

/**
 * Kahn's order over the index: every node whose ancestors are all free of
 * cycles, parents before children, ties in file order. Nodes on a cycle, or
 * downstream of one, are left out.
 */
export function topologicalOrder(index: GraphIndex): string[] {
  const pending = new Map<string, number>();
  for (const node of index.nodes) pending.set(node.id, index.incoming.get(node.id)!.length);
  const order: string[] = [];
  for (const node of index.nodes) if (pending.get(node.id) === 0) order.push(node.id);
  for (let i = 0; i < order.length; i++) {
    for (const next of index.outgoing.get(order[i]!)!) {
      const left = pending.get(next)! - 1;
      pending.set(next, left);
      if (left === 0) order.push(next);
    }
  }
  return order;
}

/**
 * The cycles among `candidates` (the nodes Kahn's order left out), as
 * strongly connected components with more than one node or a self-loop,
 * each in file order. Iterative Tarjan, so a long cycle cannot overflow the stack.
 */
export function findCycles(index: GraphIndex, candidates: ReadonlySet<string>): string[][] {
  const indexOf = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const successors = (id: string) => index.outgoing.get(id)!.filter((next) => candidates.has(next));

  for (const start of index.nodes) {
    if (!candidates.has(start.id) || indexOf.has(start.id)) continue;
    const work: { id: string; next: string[]; at: number }[] = [];
    const visit = (id: string) => {
      indexOf.set(id, counter);
      lowLink.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      work.push({ id, next: successors(id), at: 0 });
    };
    visit(start.id);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      if (frame.at < frame.next.length) {
        const next = frame.next[frame.at++]!;
        if (!indexOf.has(next)) visit(next);
        else if (onStack.has(next)) lowLink.set(frame.id, Math.min(lowLink.get(frame.id)!, indexOf.get(next)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.id, Math.min(lowLink.get(parent.id)!, lowLink.get(frame.id)!));
      if (lowLink.get(frame.id) !== indexOf.get(frame.id)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.id);
      const selfLoop = component.length === 1 && index.outgoing.get(frame.id)!.includes(frame.id);
      if (component.length > 1 || selfLoop) cycles.push(component);
    }
  }
  const position = new Map(index.nodes.map((node, i) => [node.id, i]));
  for (const cycle of cycles) cycle.sort((a, b) => position.get(a)! - position.get(b)!);
  return cycles;
}

/** Every node reachable from `starts` along `next` (the starts included). */
export function reachable(starts: readonly string[], next: (id: string) => readonly string[]): Set<string> {
  const seen = new Set(starts);
  const queue = [...starts];
  for (let i = 0; i < queue.length; i++) {
    for (const id of next(queue[i]!)) {
      if (!seen.has(id)) {
        seen.add(id);
        queue.push(id);
      }
    }
  }
  return seen;
}
