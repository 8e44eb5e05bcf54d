/**
 * Architecture parity of the studio's MobileNetV2 with keras.applications.MobileNetV2(include_top=False):
 * parameter counts as Keras' model.summary() prints them, Keras' layer names and output shapes.
 * (Debian has no Keras or TensorFlow to compare against directly; the counts are Keras' published ones.)
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { buildModel } from './tfjs/build.js';
import { makeDivisible, mobileNetV2Base, mobileNetV2TopBlockNodes, MOBILENET_V2_ROWS } from './mobilenetV2.js';
import type { Graph } from './schema.js';
import { validateGraph } from './validate.js';

before(async () => {
  await tf.setBackend('cpu');
});

function withOutput(alpha: number, rows: number): Graph {
  const { graph, outputId } = mobileNetV2Base({ alpha, rows });
  return {
    nodes: [...graph.nodes, { id: 'output', type: 'Output', params: {}, position: { x: 0, y: 0 } }],
    edges: [...graph.edges, { id: 'out', source: outputId, target: 'output' }],
  };
}

describe('MobileNetV2 base', () => {
  // Keras' model.summary() for MobileNetV2(alpha, include_top=False): total (trainable).
  const KERAS_COUNTS: [number, number, number | null][] = [
    [0.35, 410_208, 396_128],
    [0.5, 706_224, null],
    [0.75, 1_382_064, null],
    [1.0, 2_257_984, 2_223_872],
    [1.4, 4_363_712, null],
  ];
  for (const [alpha, total, trainable] of KERAS_COUNTS) {
    test(`alpha ${alpha}: ${total.toLocaleString('en')} parameters, as Keras counts them`, () => {
      const report = validateGraph(withOutput(alpha, 224));
      assert.equal(report.valid, true, JSON.stringify(report.problems.slice(0, 2)));
      assert.equal(report.totals.params, total);
      if (trainable !== null) assert.equal(report.totals.trainableParams, trainable);
    });
  }

  test('with the 1000-class top the alpha 1.0 count is Keras\' 3,538,984', () => {
    // include_top adds GlobalAveragePooling2D and Dense(1000) on out_relu's 1280 channels.
    assert.equal(validateGraph(withOutput(1.0, 224)).totals.params + 1280 * 1000 + 1000, 3_538_984);
  });

  test('the count does not depend on the input size; 154 layers with Keras\' names', () => {
    for (const rows of MOBILENET_V2_ROWS) assert.equal(validateGraph(withOutput(0.35, rows)).totals.params, 410_208);
    const { graph } = mobileNetV2Base({ alpha: 1.0, rows: 224 });
    const ids = graph.nodes.map((n) => n.id);
    assert.equal(ids.length, 154);
    assert.deepEqual(ids.slice(0, 14), [
      'input_1', 'Conv1', 'bn_Conv1', 'Conv1_relu',
      'expanded_conv_depthwise', 'expanded_conv_depthwise_BN', 'expanded_conv_depthwise_relu',
      'expanded_conv_project', 'expanded_conv_project_BN',
      'block_1_expand', 'block_1_expand_BN', 'block_1_expand_relu', 'block_1_pad', 'block_1_depthwise',
    ]);
    assert.deepEqual(ids.slice(-4), ['block_16_project_BN', 'Conv_1', 'Conv_1_bn', 'out_relu']);
    assert.deepEqual(ids.filter((id) => id.endsWith('_add')).map((id) => Number(id.split('_')[1])), [2, 4, 5, 7, 8, 9, 11, 12, 14, 15]);
    assert.deepEqual(ids.filter((id) => id.endsWith('_pad')), ['block_1_pad', 'block_3_pad', 'block_6_pad', 'block_13_pad']);
  });

  test('output shapes follow Keras at 96 px, alpha 0.35 (and a built tfjs model agrees)', () => {
    const graph = withOutput(0.35, 96);
    const report = validateGraph(graph);
    const shape = (id: string) => report.nodes[id]!.shape;
    assert.deepEqual(shape('Conv1_relu'), [48, 48, 16]);
    assert.deepEqual(shape('expanded_conv_project_BN'), [48, 48, 8]);
    assert.deepEqual(shape('block_1_pad'), [49, 49, 48]);
    assert.deepEqual(shape('block_2_add'), [24, 24, 8]);
    assert.deepEqual(shape('block_6_depthwise'), [6, 6, 96]);
    assert.deepEqual(shape('block_16_project_BN'), [3, 3, 112]);
    assert.deepEqual(shape('out_relu'), [3, 3, 1280]);
    const model = buildModel(graph);
    try {
      assert.equal(model.countParams(), 410_208);
      for (const id of ['block_1_pad', 'block_14_add', 'out_relu']) {
        assert.deepEqual(model.getLayer(id).outputShape.slice(1), shape(id));
      }
    } finally {
      model.dispose();
    }
  });

  test('_make_divisible as Keras rounds (never more than 10 % down)', () => {
    assert.equal(makeDivisible(32 * 0.35), 16);
    assert.equal(makeDivisible(16 * 0.35), 8);
    assert.equal(makeDivisible(1280 * 1.3), 1664);
    assert.equal(makeDivisible(320 * 0.35), 112);
  });

  test('the top N blocks are the last N inverted residual blocks and the final 1x1 stage', () => {
    const { graph } = mobileNetV2Base({ alpha: 0.35, rows: 96 });
    const top2 = mobileNetV2TopBlockNodes(graph, 2);
    assert.ok(top2.includes('block_15_expand') && top2.includes('block_16_project_BN') && top2.includes('Conv_1'));
    assert.ok(!top2.some((id) => id.startsWith('block_14_')));
    assert.deepEqual(mobileNetV2TopBlockNodes(graph, 0), []);
  });
});
