/**
 * Copy and paste of layers: the selected nodes and the edges between them as
 * JSON text, pasted back with fresh ids (so a paste never collides with what
 * is already drawn) and shifted so the copy does not hide the original.
 */
import type { Graph, GraphEdge, GraphNode } from '../../../../engine/protocol.js';
import { baseId, freshId } from './graphEdits';

export const CLIPBOARD_FORMAT = 'convnet-studio.layers';

export interface LayerClipboard {
  format: typeof CLIPBOARD_FORMAT;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function copyLayers(graph: Graph, nodeIds: Set<string>): LayerClipboard | null {
  const nodes = graph.nodes.filter((n) => nodeIds.has(n.id));
  if (nodes.length === 0) return null;
  const edges = graph.edges.filter((e) => nodeIds.has(e.source) && nodeIds.has(e.target));
  return { format: CLIPBOARD_FORMAT, nodes, edges };
}

export function isLayerClipboard(value: unknown): value is LayerClipboard {
  const v = value as LayerClipboard | null;
  return v?.format === CLIPBOARD_FORMAT && Array.isArray(v.nodes) && Array.isArray(v.edges);
}

export const PASTE_OFFSET = 40;

/** The graph with the clipboard's layers added, and the ids they got. */
export function pasteLayers(graph: Graph, clip: LayerClipboard, offset = PASTE_OFFSET): { graph: Graph; ids: string[] } {
  const taken = new Set(graph.nodes.map((n) => n.id));
  const renamed = new Map<string, string>();
  const nodes = clip.nodes.map((n) => {
    const stem = n.id.replace(/_\d+$/, '') || baseId(n.type);
    const id = freshId(stem, taken);
    taken.add(id);
    renamed.set(n.id, id);
    const { name: _name, ...rest } = n;
    return { ...rest, id, params: { ...n.params }, position: { x: n.position.x + offset, y: n.position.y + offset } };
  });
  const edgeIds = new Set(graph.edges.map((e) => e.id));
  const edges = clip.edges
    .filter((e) => renamed.has(e.source) && renamed.has(e.target))
    .map((e) => {
      const source = renamed.get(e.source)!;
      const target = renamed.get(e.target)!;
      let id = `${source}->${target}${e.targetPort ? `:${e.targetPort}` : ''}`;
      if (edgeIds.has(id)) id = freshId(id, edgeIds);
      edgeIds.add(id);
      return { ...e, id, source, target };
    });
  return { graph: { nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] }, ids: nodes.map((n) => n.id) };
}
