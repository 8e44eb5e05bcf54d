// What buildModel says when it refuses a graph (graph/tfjs/build.ts
// InvalidGraphError): the count with its plural, the first five messages and
// how many more, the first problem's hint; and the layer names of a file with
// a repeated node id (graph/naming.ts: the first node keeps its name). Found by
// coverage: only a two-problem refusal was tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, node } from '../../testing/graphs.js';
import { layerNamesByNode } from '../naming.js';
import { buildModel, InvalidGraphError } from './build.js';

const zeroUnits = (id: string) => `Dense "${id}": units is 0, but sizes must be at least 1.`;

test('six problems: the count, the first five messages and "…and 1 more"; one problem: singular', () => {
  const six = chain([4], ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].map((id) => ({ id, type: 'Dense', params: { units: 0 } })));
  assert.throws(
    () => buildModel(six),
    (e: unknown) => {
      assert.ok(e instanceof InvalidGraphError);
      assert.equal(e.message, `The graph cannot be built (6 problems): ${['d1', 'd2', 'd3', 'd4', 'd5'].map(zeroUnits).join(' ')} …and 1 more.`);
      assert.equal(e.hint, 'Set units to 1 or more, e.g. 10.');
      assert.equal(e.code, 'invalid-graph');
      assert.deepEqual(e.problems.map((p) => p.nodeId), ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
      return true;
    },
  );
  const fiveOnly = chain([4], ['d1', 'd2', 'd3', 'd4', 'd5'].map((id) => ({ id, type: 'Dense', params: { units: 0 } })));
  assert.throws(() => buildModel(fiveOnly), { message: `The graph cannot be built (5 problems): ${['d1', 'd2', 'd3', 'd4', 'd5'].map(zeroUnits).join(' ')}` });
  assert.throws(() => buildModel(chain([4], [{ id: 'd', type: 'Dense', params: { units: 0 } }])), {
    message: `The graph cannot be built (1 problem): ${zeroUnits('d')}`,
  });
});

test('a repeated node id: the first node keeps the name, the later one takes none', () => {
  const names = layerNamesByNode({ nodes: [node('a', 'Dense'), node('a', 'Flatten'), node('b', 'Dense'), node('c', 'Dense')], edges: [] });
  assert.deepEqual([...names], [['a', 'a'], ['b', 'b'], ['c', 'c']]);
});
