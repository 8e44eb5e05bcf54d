/**
 * Seeds for initializers, derived from the project seed, the node id and the
 * weight's role. Deriving rather than counting keeps a node's initial weights
 * the same when other nodes are added or removed, and gives every weight of a
 * build its own stream (tfjs draws identical values for identical seeds).
 */

/** FNV-1a over the text, as an unsigned 32-bit integer. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function deriveSeed(seed: number, nodeId: string, role: string): number {
  return fnv1a(`${seed}\u0000${nodeId}\u0000${role}`);
}
