/** The editor's connection checks, from the graph core the window bundles. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { possibleSources, problemBroughtBy, refuseConnection } from './connection.js';
import { chain, edge, node } from '../testing/graphs.js';
import { validateGraph } from './validate.js';

const graph = chain([28, 28, 1], [
  { id: 'conv', type: 'Conv2D', params: { filters: 8, kernel_size: 3 } },
  { id: 'flat', type: 'Flatten' },
  { id: 'dense', type: 'Dense', params: { units: 10 } },
]);

test('a wire is refused for direction, duplicates, arity (from the layer spec) and loops', () => {
  assert.match(refuseConnection(graph, 'conv', 'conv')!.message, /cannot feed itself/);
  assert.match(refuseConnection(graph, 'output', 'dense')!.message, /end of the model/);
  assert.match(refuseConnection(graph, 'conv', 'input')!.message, /takes no inputs/);
  assert.match(refuseConnection(graph, 'input', 'conv')!.message, /already connected/);
  assert.match(refuseConnection(graph, 'flat', 'dense')!.message, /already connected/);
  assert.match(refuseConnection(graph, 'input', 'dense')!.message, /Dense "dense" takes one input and already has Flatten "flat"/);
  assert.equal(refuseConnection(graph, 'missing', 'dense')!.message, 'That layer no longer exists.');
  const open = {
    nodes: [...graph.nodes, node('add1', 'Add', {}), node('add2', 'Add', {})],
    edges: [...graph.edges, edge('dense', 'add1'), edge('add1', 'add2')],
  };
  assert.match(refuseConnection(open, 'add2', 'add1')!.message, /would make a loop/);
  assert.equal(refuseConnection(open, 'conv', 'add1'), null, 'a merge takes any number of inputs');
});

test('the inspector lists the same sources the wire check allows', () => {
  const unfed = { nodes: graph.nodes, edges: graph.edges.filter((e) => e.target !== 'dense') };
  assert.deepEqual(
    possibleSources(unfed, 'dense').map((n) => n.id),
    unfed.nodes.map((n) => n.id).filter((id) => refuseConnection(unfed, id, 'dense') === null),
  );
  assert.deepEqual(possibleSources(unfed, 'dense').map((n) => n.id), ['input', 'conv', 'flat']);
});

test('a shape problem the new edge brings at its target refuses it; older problems do not', () => {
  const before = { nodes: [...graph.nodes, node('conv2', 'Conv2D', { filters: 4, kernel_size: 3 })], edges: graph.edges };
  const withEdge = { ...before, edges: [...before.edges, edge('dense', 'conv2')] };
  const brought = problemBroughtBy(validateGraph(before), validateGraph(withEdge), withEdge.edges.at(-1)!);
  assert.equal(brought?.code, 'rank-mismatch');
  assert.equal(brought?.nodeId, 'conv2');
  assert.equal(problemBroughtBy(validateGraph(withEdge), validateGraph(withEdge), withEdge.edges.at(-1)!), null);
});
