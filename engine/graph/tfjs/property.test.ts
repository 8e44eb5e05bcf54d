/**
 * Property: for random graphs (chains with residual Adds and Concatenate
 * branches), whenever the validator calls a graph valid, tfjs builds it with
 * exactly the shapes and parameter counts the validator inferred; whenever it
 * does not, the problems are the shape faults such graphs can have.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { buildModel } from './build.js';
import { edge, node } from '../../testing/graphs.js';
import type { Graph, GraphEdge, GraphNode, ParamValue } from '../schema.js';
import { tfjsFactsByNode } from './tfjs-compare.js';
import { validateGraph } from '../validate.js';

before(async () => {
  await tf.setBackend('cpu');
});

const padding = fc.constantFrom('valid', 'same');
const smallKernel = fc.oneof(fc.integer({ min: 1, max: 3 }), fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })));
const stride = fc.integer({ min: 1, max: 2 });
const filters = fc.integer({ min: 1, max: 5 });

/** One step of the network; `branch` kinds add several nodes and a merge. */
const step = fc.oneof(
  fc.record({ kind: fc.constant('Conv2D'), filters, kernel_size: smallKernel, strides: stride, padding, activation: fc.constantFrom('relu', 'leaky_relu', 'linear') }),
  fc.record({ kind: fc.constant('DepthwiseConv2D'), kernel_size: smallKernel, strides: stride, padding, depth_multiplier: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ kind: fc.constant('SeparableConv2D'), filters, kernel_size: smallKernel, padding }),
  fc.record({ kind: fc.constantFrom('MaxPooling2D', 'AveragePooling2D'), pool_size: fc.integer({ min: 1, max: 2 }), padding }),
  fc.record({ kind: fc.constantFrom('BatchNormalization', 'LayerNormalization', 'Dropout', 'SpatialDropout2D') }),
  fc.record({ kind: fc.constant('ZeroPadding2D'), padding: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('Activation'), activation: fc.constantFrom('relu', 'elu', 'gelu', 'swish', 'tanh') }),
  // x + conv(x): valid only when the conv keeps x's channels and size.
  fc.record({ kind: fc.constant('identity-residual'), filters, kernel_size: fc.integer({ min: 1, max: 3 }) }),
  // conv(x) + conv1×1(x) with equal filters and strides: always matching.
  fc.record({ kind: fc.constant('projection-residual'), filters, kernel_size: fc.integer({ min: 1, max: 3 }), strides: stride }),
  // two 'same' branches joined along the channels.
  fc.record({ kind: fc.constant('concat-branches'), left: filters, right: filters, kernel_size: fc.integer({ min: 1, max: 3 }) }),
);

const network = fc.record({
  input: fc.tuple(fc.integer({ min: 5, max: 14 }), fc.integer({ min: 5, max: 14 }), fc.integer({ min: 1, max: 3 })),
  steps: fc.array(step, { minLength: 1, maxLength: 6 }),
  head: fc.constantFrom('Flatten', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D'),
  units: fc.integer({ min: 1, max: 10 }),
});

type Network = typeof network extends fc.Arbitrary<infer T> ? T : never;

function toGraph(net: Network): Graph {
  const nodes: GraphNode[] = [node('input', 'Input', { shape: [...net.input] })];
  const edges: GraphEdge[] = [];
  let count = 0;
  const add = (type: string, params: Record<string, ParamValue>, from: string[]) => {
    const id = `n${++count}`;
    nodes.push(node(id, type, params, count));
    from.forEach((source, port) => edges.push(edge(source, id, from.length > 1 ? port : undefined)));
    return id;
  };
  let x = 'input';
  for (const s of net.steps) {
    const { kind, ...params } = s as { kind: string } & Record<string, ParamValue>;
    if (kind === 'identity-residual') {
      const branch = add('Conv2D', { filters: params['filters']!, kernel_size: params['kernel_size']!, padding: 'same' }, [x]);
      x = add('Add', {}, [branch, x]);
    } else if (kind === 'projection-residual') {
      const { filters: f, kernel_size: k, strides: st } = params;
      const main = add('Conv2D', { filters: f!, kernel_size: k!, strides: st!, padding: 'same' }, [x]);
      const shortcut = add('Conv2D', { filters: f!, kernel_size: 1, strides: st!, padding: 'same' }, [x]);
      x = add('Add', {}, [main, shortcut]);
    } else if (kind === 'concat-branches') {
      const left = add('Conv2D', { filters: params['left']!, kernel_size: params['kernel_size']!, padding: 'same' }, [x]);
      const right = add('Conv2D', { filters: params['right']!, kernel_size: 1 }, [x]);
      x = add('Concatenate', {}, [left, right]);
    } else {
      x = add(kind, params, [x]);
    }
  }
  x = add(net.head, {}, [x]);
  x = add('Dense', { units: net.units, activation: 'softmax' }, [x]);
  add('Output', {}, [x]);
  return { nodes, edges };
}

test('the validator agrees with tfjs on random valid graphs', () => {
  let valid = 0;
  let runs = 0;
  fc.assert(
    fc.property(network, (net) => {
      runs++;
      const graph = toGraph(net);
      const report = validateGraph(graph);
      if (!report.valid) {
        for (const problem of report.problems) {
          assert.ok(['kernel-too-large', 'shape-mismatch'].includes(problem.code), `unexpected ${problem.code}: ${problem.message}`);
        }
        return;
      }
      valid++;
      const model = buildModel(graph, { seed: 1 });
      try {
        const facts = tfjsFactsByNode(graph, model);
        for (const n of graph.nodes) {
          if (n.type === 'Output') continue;
          const theirs = facts.get(n.id)!;
          assert.deepEqual(report.nodes[n.id]!.shape, theirs.shape, `${n.id} (${n.type}) shape`);
          assert.equal(report.nodes[n.id]!.params, theirs.params, `${n.id} (${n.type}) params`);
          assert.equal(report.nodes[n.id]!.trainableParams, theirs.trainableParams, `${n.id} (${n.type}) trainable`);
        }
        assert.equal(report.totals.params, model.countParams());
        assert.deepEqual([null, ...report.outputShape!], model.outputs[0]!.shape);
        const ran = tf.tidy(() => (model.predict(tf.ones([1, ...report.inputShape!])) as tf.Tensor).shape);
        assert.deepEqual(ran, [1, ...report.outputShape!], 'a forward pass gives the inferred shape');
      } finally {
        model.dispose();
      }
    }),
    { numRuns: 150, seed: 20240601 },
  );
  assert.ok(valid >= runs / 2, `most random graphs should be valid (${valid} of ${runs})`);
});
