/**
 * Auto-layout, top to bottom, in layers: every node sits one row below the
 * lowest of its inputs (longest path from the sources), nodes of a row are
 * ordered by the mean column of their inputs (two sweeps, enough to untangle
 * residual branches), and each row is centred. Edges closing a cycle (an
 * invalid graph can have one) are ignored for the layering.
 */
import type { Graph } from '../../../../engine/protocol.js';

export const COLUMN_WIDTH = 240;
export const ROW_HEIGHT = 100;

export function layeredPositions(graph: Graph): Map<string, { x: number; y: number }> {
  const ids = graph.nodes.map((n) => n.id);
  const known = new Set(ids);
  const parents = new Map<string, string[]>(ids.map((id) => [id, []]));
  const children = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of graph.edges) {
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target) continue;
    parents.get(e.target)!.push(e.source);
    children.get(e.source)!.push(e.target);
  }

  // Kahn's order; nodes left over sit on a cycle and are released one by one.
  const indegree = new Map(ids.map((id) => [id, parents.get(id)!.length]));
  const order: string[] = [];
  const placed = new Set<string>();
  const queue = ids.filter((id) => indegree.get(id) === 0);
  while (order.length < ids.length) {
    if (queue.length === 0) queue.push(ids.find((id) => !placed.has(id))!);
    const id = queue.shift()!;
    if (placed.has(id)) continue;
    placed.add(id);
    order.push(id);
    for (const child of children.get(id)!) {
      const left = indegree.get(child)! - 1;
      indegree.set(child, left);
      if (left === 0 && !placed.has(child)) queue.push(child);
    }
  }

  const rank = new Map<string, number>();
  const position = new Map(order.map((id, i) => [id, i]));
  for (const id of order) {
    let r = 0;
    for (const p of parents.get(id)!) if (position.get(p)! < position.get(id)!) r = Math.max(r, rank.get(p)! + 1);
    rank.set(id, r);
  }

  const rows: string[][] = [];
  for (const id of order) (rows[rank.get(id)!] ??= []).push(id);
  const column = new Map<string, number>();
  const setColumns = () => rows.forEach((row) => row.forEach((id, i) => column.set(id, i - (row.length - 1) / 2)));
  setColumns();
  for (let sweep = 0; sweep < 2; sweep++) {
    for (const row of rows) {
      const mean = (id: string) => {
        const ps = parents.get(id)!.filter((p) => column.has(p) && rank.get(p)! < rank.get(id)!);
        return ps.length ? ps.reduce((s, p) => s + column.get(p)!, 0) / ps.length : column.get(id)!;
      };
      const keyed = row.map((id) => [id, mean(id)] as const);
      keyed.sort((a, b) => a[1] - b[1]);
      row.splice(0, row.length, ...keyed.map(([id]) => id));
    }
    setColumns();
  }

  const result = new Map<string, { x: number; y: number }>();
  rows.forEach((row, r) => row.forEach((id) => result.set(id, { x: Math.round(column.get(id)! * COLUMN_WIDTH), y: r * ROW_HEIGHT })));
  return result;
}
