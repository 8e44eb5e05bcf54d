// Edges a hand-edited or half-deleted project file can hold (graph/graph-index.ts)
// and what the editor does with them (graph/connection.ts): a repeated edge id
// that also points nowhere, an edge from a node that is gone, one between two
// nodes that are both gone, ports that are not whole numbers from 0, and a new
// edge out of the Output before any report exists. Each problem names the edge,
// the node that is still there (or none), and the fix. Found by coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chain, edge } from '../testing/graphs.js';
import { problemBroughtBy, refuseConnection } from './connection.js';
import { indexGraph } from './graph-index.js';
import type { Graph, GraphEdge } from './schema.js';
import type { Problem } from './report.js';
import { validateGraph } from './validate.js';

const base = chain([8], [{ id: 'dense', type: 'Dense', params: { units: 2 } }]);

function indexProblems(edges: GraphEdge[]): Problem[] {
  const problems: Problem[] = [];
  indexGraph({ nodes: base.nodes, edges }, (p) => problems.push(p));
  return problems;
}

test('an edge id used twice, the second pointing nowhere: no node to blame for the id, the source for the dangling end', () => {
  assert.deepEqual(indexProblems([...base.edges, { id: 'input->dense', source: 'input', target: 'nowhere' }]), [
    { nodeId: null, edgeId: 'input->dense', code: 'duplicate-id', message: 'Two edges have the id "input->dense".', hint: 'Give every edge its own id.' },
    {
      nodeId: 'input',
      edgeId: 'input->dense',
      code: 'dangling-edge',
      message: 'Edge "input->dense" from "input" to "nowhere" names "nowhere", which is not in the graph.',
      hint: 'Delete the edge, or reconnect it between two existing layers.',
    },
  ]);
});

test('an edge from a deleted node is blamed on its target; one between two deleted nodes on no node, naming both', () => {
  assert.deepEqual(indexProblems([...base.edges, { id: 'e1', source: 'ghost', target: 'dense' }]), [
    {
      nodeId: 'dense',
      edgeId: 'e1',
      code: 'dangling-edge',
      message: 'Edge "e1" from "ghost" to "dense" names "ghost", which is not in the graph.',
      hint: 'Delete the edge, or reconnect it between two existing layers.',
    },
  ]);
  assert.deepEqual(indexProblems([...base.edges, { id: 'e2', source: 'ghost', target: 'phantom' }]), [
    {
      nodeId: null,
      edgeId: 'e2',
      code: 'dangling-edge',
      message: 'Edge "e2" from "ghost" to "phantom" names "ghost" and "phantom", which are not in the graph.',
      hint: 'Delete the edge, or reconnect it between two existing layers.',
    },
  ]);
});

test('a target port below 0 or between whole numbers is refused; a whole port from 0 is not', () => {
  for (const targetPort of [-1, 0.5]) {
    assert.deepEqual(indexProblems([{ ...base.edges[0]!, targetPort }, base.edges[1]!]), [
      {
        nodeId: 'dense',
        edgeId: 'input->dense',
        code: 'invalid-edge',
        message: `Edge "input->dense" into "dense" has targetPort ${targetPort}; ports are 0, 1, 2, ….`,
        hint: 'Set targetPort to a whole number from 0, or leave it out for port 0.',
      },
    ], String(targetPort));
  }
  assert.deepEqual(indexProblems([{ ...base.edges[0]!, targetPort: 0 }, base.edges[1]!]), []);
  // A refused edge never reaches the lists the validator and the model builder walk.
  const refused = indexGraph({ nodes: base.nodes, edges: [{ ...base.edges[0]!, targetPort: -1 }, base.edges[1]!] }, () => {});
  assert.deepEqual(refused.incoming.get('dense'), []);
  assert.deepEqual(refused.outgoing.get('input'), []);
});

test('the editor: a layer fed by a deleted node says so by id; an edge out of the Output is refused by its own problem, with no report before', () => {
  const fedByGhost: Graph = { nodes: base.nodes, edges: [{ id: 'g', source: 'ghost', target: 'dense' }, base.edges[1]!] };
  assert.deepEqual(refuseConnection(fedByGhost, 'input', 'dense'), {
    message: 'Dense "dense" takes one input and already has "ghost".',
    hint: 'Delete that connection first, or join both with an Add or Concatenate layer.',
  });

  // The window has no report yet (the first validation is still running): every problem the edge brings is new.
  const withEdge: Graph = { ...base, edges: [...base.edges, edge('output', 'dense')] };
  assert.deepEqual(problemBroughtBy(null, validateGraph(withEdge), withEdge.edges.at(-1)!), {
    nodeId: 'output',
    edgeId: 'output->dense',
    code: 'invalid-edge',
    message: 'Edge "output->dense" leaves the Output "output"; the Output marks the end of the network.',
    hint: 'Connect "dense" to the layer that feeds the Output instead, or delete the edge.',
  });
  // The problem is on the edge, not at its target: the edge id alone must find it.
  assert.equal(problemBroughtBy(null, validateGraph(withEdge), { id: 'other', target: 'dense' }), null);
});
