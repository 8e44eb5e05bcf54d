/**
 * The project's direct Conv2D kernel (kernels/conv2d-direct.ts,
 * simd/conv2d_forward.c) against the cpu backend's Conv2D: on the templates'
 * layer shapes through the registered kernels (forward, and the stride-1
 * input gradients that run through it), and on random geometry called
 * directly in both builds, plain SIMD and relaxed SIMD (fused multiply-add).
 * The direct filter gradient (simd/conv2d_filter_grad_direct.c) in both
 * builds too: kernels.test.ts covers it through the registered kernel.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './select.js';
import { directConv2D, wantsDirectConv2D } from './kernels/conv2d-direct.js';
import { directFilterGradient } from './kernels/conv2d-backprop-filter-direct.js';
import { preferredSimdBuild, relaxedSimdSupported, type SimdBuild } from './simd/kernels.js';
import { seededValues } from '../testing/seededValues.js';

type Shape4D = [number, number, number, number];
type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Both accumulate in float32 in different orders (and the relaxed build rounds once per multiply-add). */
function assertClose(actual: Float32Array, expected: Float32Array, terms: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: size`);
  const tolerance = 2e-6 * terms + 1e-5;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance * Math.max(1, Math.abs(expected[i]!)))) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

async function runOn(backend: 'cpu' | 'wasm', kernel: string, inputs: Record<string, { shape: number[]; values: Float32Array }>, attrs: object) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]));
  const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { shape: out.shape, values: out.dataSync() as Float32Array };
  tf.dispose([...Object.values(tensors), out]);
  return { ...result, leaked: tf.memory().numTensors - before };
}

before(async () => {
  await selectBackend('wasm');
});

describe('direct Conv2D kernel', () => {
  test('this engine runs relaxed SIMD (Node 20 behind its flag, which the loader turns on; Node 22 and Electron by default)', () => {
    assert.equal(relaxedSimdSupported(), true);
    assert.equal(preferredSimdBuild(), process.env.CONVNET_STUDIO_WASM_SIMD === 'plain' ? 'plain' : 'relaxed');
  });

  test('forward and stride-1 input gradients on the templates\' layer shapes match the cpu backend', async () => {
    const cases: { name: string; x: Shape4D; filter: Shape4D; strides: number; pad: Pad }[] = [
      { name: 'seed-cnn conv2', x: [2, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' },
      { name: 'seed-cnn conv3', x: [3, 5, 5, 64], filter: [3, 3, 64, 64], strides: 1, pad: 'valid' },
      { name: 'vgg-small block2 conv2', x: [2, 14, 14, 32], filter: [3, 3, 32, 32], strides: 1, pad: 'same' },
      { name: 'resnet-small block2a', x: [2, 28, 28, 16], filter: [3, 3, 16, 32], strides: 2, pad: 'same' },
      { name: 'mobilenet-small pointwise', x: [3, 7, 7, 32], filter: [1, 1, 32, 64], strides: 1, pad: 'same' },
    ];
    for (const [i, c] of cases.entries()) {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
      const forwardTaken = wantsDirectConv2D({ dtype: 'float32' } as tf.TensorInfo, { dtype: 'float32' } as tf.TensorInfo, info, 'NHWC');
      assert.equal(forwardTaken, true, `${c.name}: the direct kernel should take the forward pass`);
      const x = { shape: c.x, values: seededValues(size(c.x), 3 + i) };
      const filter = { shape: c.filter, values: seededValues(size(c.filter), 5 + i) };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
      const expected = await runOn('cpu', 'Conv2D', { x, filter }, attrs);
      const actual = await runOn('wasm', 'Conv2D', { x, filter }, attrs);
      assert.deepEqual(actual.shape, expected.shape);
      assertClose(actual.values, expected.values, c.filter[0] * c.filter[1] * c.filter[2], `${c.name} forward`);
      assert.equal(actual.leaked, 0, 'tensors leaked');

      // The input gradient is a Conv2D of dy with the flipped filter (its in-channels are the forward's out-channels).
      const dy = { shape: info.outShape, values: seededValues(size(info.outShape), 7 + i) };
      const gradAttrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      const dxExpected = await runOn('cpu', 'Conv2DBackpropInput', { dy, filter }, gradAttrs);
      const dxActual = await runOn('wasm', 'Conv2DBackpropInput', { dy, filter }, gradAttrs);
      assertClose(dxActual.values, dxExpected.values, c.filter[0] * c.filter[1] * c.filter[3], `${c.name} input gradient`);
      assert.equal(dxActual.leaked, 0, 'tensors leaked');
    }
  });

  const builds: SimdBuild[] = ['plain', 'relaxed'];
  for (const build of builds) {
    test(`any geometry, called directly, ${build} build: equals the cpu backend's Conv2D`, async () => {
      const caseArb = fc
        .record({
          batch: fc.integer({ min: 1, max: 3 }),
          inHeight: fc.integer({ min: 1, max: 8 }),
          inWidth: fc.integer({ min: 1, max: 8 }),
          inChannels: fc.integer({ min: 1, max: 20 }),
          // Multiples of four (the routing rule): 8-wide blocks and the 4-wide tail.
          outChannels: fc.constantFrom(4, 8, 12, 20),
          filterHeight: fc.integer({ min: 1, max: 4 }),
          filterWidth: fc.integer({ min: 1, max: 4 }),
          strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
          dilations: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
          pad: fc.oneof(
            fc.constantFrom<Pad>('valid', 'same'),
            fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3)).map(([t, b, l, r]) => [[0, 0], [t, b], [l, r], [0, 0]] as Pad),
          ),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
        })
        .filter((c) => !(c.strides.some((s) => s > 1) && c.dilations.some((d) => d > 1)))
        .map((c) => {
          try {
            const info = tf.backend_util.computeConv2DInfo(
              [c.batch, c.inHeight, c.inWidth, c.inChannels],
              [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels],
              c.strides,
              c.dilations,
              c.pad as never,
            );
            return { ...c, info };
          } catch {
            return { ...c, info: undefined };
          }
        })
        .filter((c) => c.info !== undefined && c.info.outHeight > 0 && c.info.outWidth > 0);
      await fc.assert(
        fc.asyncProperty(caseArb, async (c) => {
          const xShape: Shape4D = [c.batch, c.inHeight, c.inWidth, c.inChannels];
          const wShape: Shape4D = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
          const x = { shape: xShape, values: seededValues(size(xShape), c.seed) };
          const filter = { shape: wShape, values: seededValues(size(wShape), c.seed + 1) };
          const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilations };
          const expected = await runOn('cpu', 'Conv2D', { x, filter }, attrs);
          await tf.setBackend('wasm');
          const numTensors = tf.memory().numTensors;
          const [xt, wt] = [tf.tensor(x.values, x.shape), tf.tensor(filter.values, filter.shape)];
          const out = tf.engine().makeTensorFromTensorInfo(directConv2D(tf.backend(), c.info!, xt, wt, build));
          const values = out.dataSync() as Float32Array;
          tf.dispose([xt, wt, out]);
          assert.equal(tf.memory().numTensors, numTensors, 'tensors leaked');
          assertClose(values, expected.values, c.filterHeight * c.filterWidth * c.inChannels, 'Conv2D');
        }),
        { numRuns: 60 },
      );
    });
  }

  for (const build of builds) {
    test(`filter gradient, ${build} build: every block of the direct kernel matches the cpu backend`, async () => {
      // Paired input channels with 16-wide output blocks, an odd input channel, and
      // output counts that leave 4-wide and single-channel tails (19, 6, 8).
      const cases: { x: Shape4D; filter: Shape4D; strides: number; pad: Pad }[] = [
        { x: [2, 13, 13, 32], filter: [3, 3, 32, 64], strides: 1, pad: 'valid' }, // seed-cnn conv2
        { x: [3, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' }, // seed-cnn conv1
        { x: [2, 9, 7, 5], filter: [3, 2, 5, 19], strides: 2, pad: 'same' },
        { x: [2, 10, 11, 3], filter: [5, 5, 3, 6], strides: 1, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
        { x: [3, 6, 6, 4], filter: [2, 2, 4, 8], strides: 1, pad: 2 },
      ];
      for (const [i, c] of cases.entries()) {
        const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
        const x = { shape: c.x, values: seededValues(size(c.x), 13 + i) };
        const dy = { shape: info.outShape, values: seededValues(size(info.outShape), 17 + i) };
        const expected = await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter });
        await tf.setBackend('wasm');
        const [xt, dyt] = [tf.tensor(x.values, x.shape), tf.tensor(dy.values, dy.shape)];
        const out = tf.engine().makeTensorFromTensorInfo(directFilterGradient(tf.backend(), info, xt, dyt, build));
        assert.deepEqual(out.shape, c.filter);
        const values = out.dataSync() as Float32Array;
        tf.dispose([xt, dyt, out]);
        assertClose(values, expected.values, c.x[0] * info.outHeight * info.outWidth, `filter gradient ${c.x.join('×')} * ${c.filter.join('×')}`);
      }
    });
  }
});
