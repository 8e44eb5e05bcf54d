/** The inspector's worked formulas: the numbers must be the ones validation infers. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainNode } from './explain.js';
import { chain, node } from '../testing/graphs.js';
import { validateGraph } from './validate.js';

test('each worked output size equals the shape validation infers, and the count its parameter count', () => {
  const graph = chain([28, 27, 3], [
    { id: 'conv', type: 'Conv2D', params: { filters: 8, kernel_size: 3 } },
    { id: 'same', type: 'Conv2D', params: { filters: 4, kernel_size: 5, strides: 2, padding: 'same' } },
    { id: 'dilated', type: 'SeparableConv2D', params: { filters: 4, kernel_size: 3, dilation_rate: 2 } },
    { id: 'pool', type: 'MaxPooling2D', params: { pool_size: 3 } },
    { id: 'up', type: 'Conv2DTranspose', params: { filters: 2, kernel_size: 4, strides: 3 } },
    { id: 'flat', type: 'Flatten' },
    { id: 'dense', type: 'Dense', params: { units: 10 } },
  ]);
  const report = validateGraph(graph);
  assert.equal(report.valid, true, JSON.stringify(report.problems));
  const inputOf = (id: string) => report.nodes[graph.edges.find((e) => e.target === id)!.source]!.shape!;
  for (const id of ['conv', 'same', 'dilated', 'pool', 'up']) {
    const explanation = explainNode(graph.nodes.find((n) => n.id === id)!, inputOf(id), report.nodes[id]!.shape)!;
    const [height, width] = report.nodes[id]!.shape!;
    const worked = explanation.worked.join('\n');
    assert.match(worked, new RegExp(`height.*= ${height}\\b`), `${id}: ${worked}`);
    if (!/height = width/.test(worked)) assert.match(worked, new RegExp(`width.*= ${width}\\b`), `${id}: ${worked}`);
  }
  const conv = explainNode(graph.nodes[1]!, [28, 27, 3], report.nodes.conv!.shape)!;
  assert.equal(conv.params, `params = (3·3·3 + 1) · 8 = ${report.nodes.conv!.params}`);
  const dense = explainNode(graph.nodes.find((n) => n.id === 'dense')!, inputOf('dense'), report.nodes.dense!.shape)!;
  assert.match(dense.params!, new RegExp(`= ${report.nodes.dense!.params!.toLocaleString('en-US')}$`));
});

test('a window that does not fit says so, and an invalid parameter explains nothing', () => {
  const big = node('big', 'Conv2D', { filters: 1, kernel_size: 5 });
  assert.match(explainNode(big, [3, 3, 1], null)!.worked[0]!, /= -1 .*does not fit/);
  assert.equal(explainNode(node('bad', 'Conv2D', { filters: 1, kernel_size: 'x' }), [8, 8, 1], null), null);
  assert.match(explainNode(big, null, null)!.worked[0]!, /Connect an image input/);
});
