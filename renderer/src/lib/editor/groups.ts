/**
 * Pretrained bases on the canvas: the nodes of a group (a node's `group`, a
 * base id such as `mobilenetv2-0.35-224`) are drawn as one node unless the
 * person expands the group, so 150 layers do not flood the canvas. This is
 * a view only: the project graph keeps every node, and positions and
 * deletions on the view map back to the real nodes. Nodes below a collapsed
 * group move up by its height in the view, so the head sits under it.
 */
import type { Node } from '@xyflow/svelte';
import type { Graph, GraphEdge, GraphNode } from '../../../../engine/protocol.js';
import type { NodeReport, ValidationReport } from '../../../../engine/protocol.js';

export const GROUP_NODE_PREFIX = 'group:';
/** Height kept for a collapsed group's node (a layer node and its gap). */
const GROUP_ROW = 110;

export interface CollapsedGroup {
  group: string;
  members: string[];
  /** Where the group node sits: its first member's position. */
  anchor: { x: number; y: number };
  /** How far nodes below the group move up in the view. */
  lift: number;
  /** Summed parameters of the members, and the output of the group's last member. */
  report: NodeReport | undefined;
  frozen: number;
  /** The member that feeds no other member (where edges out of the group start) and the first member (where edges in end). */
  output: string;
  input: string;
}

export interface GroupNodeData extends Record<string, unknown> {
  group: CollapsedGroup;
  expand: (group: string) => void;
}
// Not 'group': Svelte Flow styles its own built-in group node type.
export type GroupFlowNode = Node<GroupNodeData, 'base'>;

/** The flow node of a collapsed group, placed where the view put its stand-in. */
export function groupFlowNode(group: CollapsedGroup, selected: boolean, expand: (group: string) => void): GroupFlowNode {
  return { id: groupNodeId(group.group), type: 'base', position: group.anchor, selected, data: { group, expand } };
}

export interface GroupView {
  graph: Graph;
  report: ValidationReport | null;
  groups: Map<string, CollapsedGroup>;
  /** View node id → how far it was lifted (nodes below a collapsed group). */
  lifted: Map<string, number>;
}

export const groupNodeId = (group: string) => `${GROUP_NODE_PREFIX}${group}`;
export const isGroupNode = (id: string) => id.startsWith(GROUP_NODE_PREFIX);

/** The graph as drawn: each group not in `expanded` becomes one node. Answers the graph itself when nothing collapses. */
export function groupView(graph: Graph, report: ValidationReport | null, expanded: ReadonlySet<string>): GroupView {
  const membersOf = new Map<string, GraphNode[]>();
  for (const node of graph.nodes) {
    if (node.group && !expanded.has(node.group)) membersOf.set(node.group, [...(membersOf.get(node.group) ?? []), node]);
  }
  if (membersOf.size === 0) return { graph, report, groups: new Map(), lifted: new Map() };

  const groupOf = new Map<string, string>();
  const groups = new Map<string, CollapsedGroup>();
  for (const [group, members] of membersOf) {
    const ids = members.map((m) => m.id);
    for (const id of ids) groupOf.set(id, group);
    const ys = members.map((m) => m.position.y);
    // The group's output: the member that feeds no other member.
    const inGroup = new Set(ids);
    const last = members.find((m) => !graph.edges.some((e) => e.source === m.id && inGroup.has(e.target)));
    const summed = members.reduce(
      (sum, m) => {
        const r = report?.nodes[m.id];
        return { params: sum.params + (r?.params ?? 0), trainable: sum.trainable + (r?.trainableParams ?? 0), macs: sum.macs + (r?.macs ?? 0) };
      },
      { params: 0, trainable: 0, macs: 0 },
    );
    const lastReport = last ? report?.nodes[last.id] : undefined;
    groups.set(group, {
      group,
      members: ids,
      anchor: members[0]!.position,
      // The stand-in keeps one row of the group's height, so what follows sits just below it.
      lift: Math.max(0, Math.max(...ys) - Math.min(...ys) - GROUP_ROW),
      report: report ? { shape: lastReport?.shape ?? null, params: summed.params, trainableParams: summed.trainable, macs: summed.macs } : undefined,
      frozen: members.filter((m) => m.frozen).length,
      output: (last ?? members.at(-1)!).id,
      input: members[0]!.id,
    });
  }

  const lifted = new Map<string, number>();
  const nodes: GraphNode[] = [];
  const placed = new Set<string>();
  for (const node of graph.nodes) {
    const group = groupOf.get(node.id);
    if (group !== undefined) {
      if (placed.has(group)) continue;
      placed.add(group);
      const g = groups.get(group)!;
      nodes.push({ id: groupNodeId(group), type: 'PretrainedBase', params: {}, position: g.anchor, group });
      continue;
    }
    let lift = 0;
    for (const g of groups.values()) if (node.position.y > g.anchor.y + g.lift + GROUP_ROW) lift += g.lift;
    if (lift) lifted.set(node.id, lift);
    nodes.push(lift ? { ...node, position: { x: node.position.x, y: node.position.y - lift } } : node);
  }

  const viewId = (id: string) => (groupOf.has(id) ? groupNodeId(groupOf.get(id)!) : id);
  const edges: GraphEdge[] = [];
  for (const edge of graph.edges) {
    const source = viewId(edge.source);
    const target = viewId(edge.target);
    if (source === target) continue;
    edges.push(source === edge.source && target === edge.target ? edge : { ...edge, source, target });
  }
  const viewReport = report && {
    ...report,
    nodes: { ...report.nodes, ...Object.fromEntries([...groups.values()].map((g) => [groupNodeId(g.group), g.report!])) },
  };
  return { graph: { nodes, edges }, report: viewReport, groups, lifted };
}

/** Positions from the canvas, in the project's terms: a moved group moves all its members, lifted nodes go back down. */
export function positionsInGraph(view: GroupView, graph: Graph, positions: Map<string, { x: number; y: number }>): Map<string, { x: number; y: number }> {
  const out = new Map<string, { x: number; y: number }>();
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  for (const [id, p] of positions) {
    if (isGroupNode(id)) {
      const g = view.groups.get(id.slice(GROUP_NODE_PREFIX.length));
      if (!g) continue;
      const dx = p.x - g.anchor.x;
      const dy = p.y - g.anchor.y;
      if (dx === 0 && dy === 0) continue;
      for (const member of g.members) {
        const at = byId.get(member)!.position;
        out.set(member, { x: at.x + dx, y: at.y + dy });
      }
      continue;
    }
    out.set(id, { x: p.x, y: p.y + (view.lifted.get(id) ?? 0) });
  }
  return out;
}

/** Node ids on the canvas in the project's terms: a group node stands for all its members. */
export function membersOf(view: GroupView, ids: Iterable<string>): string[] {
  return [...ids].flatMap((id) => (isGroupNode(id) ? (view.groups.get(id.slice(GROUP_NODE_PREFIX.length))?.members ?? []) : [id]));
}

/** A connection drawn on the view, in the project's terms: out of a base from its output layer, into it at its first layer. */
export function connectionInGraph(view: GroupView, source: string, target: string): { source: string; target: string } {
  const group = (id: string) => view.groups.get(id.slice(GROUP_NODE_PREFIX.length));
  return {
    source: isGroupNode(source) ? (group(source)?.output ?? source) : source,
    target: isGroupNode(target) ? (group(target)?.input ?? target) : target,
  };
}
