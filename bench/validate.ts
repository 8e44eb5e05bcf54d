/**
 * How long validateGraph takes on a 300-node graph (the budget is 5 ms, so
 * that the window can re-validate on every edit). Run:
 *   node --import tsx bench/validate.ts
 */
import { performance } from 'node:perf_hooks';
import { residualTower } from '../engine/testing/graphs.js';
import { validateGraph } from '../engine/graph/validate.js';

const BUDGET_MS = 5;
// 7 nodes per residual block + 5 for input, pooling, head and output.
const graph = residualTower(Math.ceil((300 - 5) / 7));

const first = performance.now();
const report = validateGraph(graph, { classCount: 10, loss: 'sparse-categorical-crossentropy' });
const coldMs = performance.now() - first;
if (!report.valid) throw new Error(`The benchmark graph should be valid: ${JSON.stringify(report.problems)}`);

const times: number[] = [];
for (let i = 0; i < 200; i++) {
  const start = performance.now();
  validateGraph(graph, { classCount: 10, loss: 'sparse-categorical-crossentropy' });
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const p95 = times[Math.floor(times.length * 0.95)]!;

console.log(`validateGraph on ${graph.nodes.length} nodes, ${graph.edges.length} edges`);
console.log(`  first call (cold JIT): ${coldMs.toFixed(2)} ms`);
console.log(`  median of 200:         ${median.toFixed(3)} ms`);
console.log(`  95th percentile:       ${p95.toFixed(3)} ms`);
console.log(`  budget ${BUDGET_MS} ms: ${median <= BUDGET_MS ? 'met' : 'MISSED'}`);
console.log(`  (${report.totals.params.toLocaleString('en')} parameters, ${report.totals.macs.toLocaleString('en')} multiply-adds per sample)`);
