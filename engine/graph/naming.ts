/**
 * tfjs layer names for graph nodes, and back. A node's main layer is named
 * after the node's name (or id), sanitised to letters, digits and single
 * underscores and made unique; helper layers that a node needs beyond its main
 * layer are named `<main>__<role>` (e.g. `conv1__leaky_relu`). Sanitised names
 * never contain a double underscore, so a layer name maps back to its node
 * unambiguously: the weights of a trained model can be traced to their nodes.
 */
import type { Graph } from './schema.js';

export const HELPER_SEPARATOR = '__';

export function sanitiseLayerName(raw: string): string {
  const cleaned = raw
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  // tfjs accepts any name, but Keras and TensorFlow scopes need a letter first.
  return /^[A-Za-z]/.test(cleaned) ? cleaned : `layer_${cleaned}`.replace(/_$/, '');
}

/** The main tfjs layer name of every node, by node id (first node of a duplicated id wins). */
export function layerNamesByNode(graph: Graph): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const node of graph.nodes) {
    if (names.has(node.id)) continue;
    const base = sanitiseLayerName(node.name?.trim() ? node.name : node.id);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    taken.add(name);
    names.set(node.id, name);
  }
  return names;
}

export function helperLayerName(mainName: string, role: string): string {
  return `${mainName}${HELPER_SEPARATOR}${role}`;
}

/** Inverts layerNamesByNode: tfjs layer name (main or helper) → node id. */
export function nodeIdsByLayerName(graph: Graph): (layerName: string) => string | null {
  const byName = new Map<string, string>();
  for (const [id, name] of layerNamesByNode(graph)) byName.set(name, id);
  return (layerName) => byName.get(layerName.split(HELPER_SEPARATOR)[0]!) ?? null;
}

/** The node a tfjs layer (or weight, e.g. `conv1/kernel`) of a model built from `graph` belongs to. */
export function nodeIdOfLayer(graph: Graph, layerName: string): string | null {
  return nodeIdsByLayerName(graph)(layerName.split('/')[0]!);
}
