/**
 * Reading and writing a tensor's own memory on the two CPU backends, as the
 * data-parallel step does (backend/tensorMemory.ts): real tfjs-backend-wasm
 * and tfjs-backend-cpu tensors, no stand-ins.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './select.js';
import { copyTensorInto, setVariable, tensorFromTransient, tensorView, writableTensorView } from './tensorMemory.js';

before(async () => {
  await selectBackend('wasm');
});

for (const backend of ['wasm', 'cpu'] as const) {
  test(`${backend}: a float32 tensor's view holds its values; int32 has none; a shared one cannot be written`, async () => {
    await tf.setBackend(backend);
    const t = tf.add(tf.tensor([1, 2, 3, 4], [2, 2]), 1);
    assert.deepEqual([...tensorView(t)!], [2, 3, 4, 5]);
    assert.equal(tensorView(tf.tensor([1, 2], [2], 'int32')), null);

    const own = writableTensorView(t)!;
    own[0] = 40;
    assert.deepEqual([...t.dataSync()], [40, 3, 4, 5], 'a write through the view is the tensor');

    const reshaped = tf.reshape(t, [4]);
    assert.equal(writableTensorView(t), null, 'a reshape shares the memory: writing would change it too');
    reshaped.dispose();
    assert.ok(writableTensorView(t), 'the sole owner again once the reshape is gone');

    const target = new Float32Array(6);
    copyTensorInto(t, target, 1);
    assert.deepEqual([...target], [0, 40, 3, 4, 5, 0]);
  });

  test(`${backend}: a tensor made from memory that changes afterwards keeps the values it was made with`, async () => {
    await tf.setBackend(backend);
    const shared = new Float32Array(new SharedArrayBuffer(16));
    shared.set([1, 2, 3, 4]);
    const t = tensorFromTransient(shared.subarray(0, 3), [3]);
    shared.set([9, 9, 9, 9]);
    assert.deepEqual([...t.dataSync()], [1, 2, 3]);
  });

  test(`${backend}: setVariable changes what a convolution and a matrix product compute with the weight`, async () => {
    await tf.setBackend(backend);
    const x = tf.ones([1, 3, 3, 1]);
    // Variables that own their memory, as a model's do once their initial values are gone.
    const ownVariable = (value: tf.Tensor) => {
      const variable = tf.variable(value);
      value.dispose();
      assert.ok(writableTensorView(variable), 'the variable is the sole owner of its memory');
      return variable;
    };
    const filter = ownVariable(tf.ones([2, 2, 1, 1]));
    const convBias = ownVariable(tf.zeros([1]));
    const kernel = ownVariable(tf.ones([2, 1]));
    const denseBias = ownVariable(tf.zeros([1]));
    // As tfjs-layers' Conv2D and Dense call them: fused, with their bias and activation.
    const conv = () =>
      tf.tidy(() => [...tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'valid', bias: convBias, activation: 'relu' }).dataSync()]);
    const dense = () => tf.tidy(() => [...tf.fused.matMul({ a: tf.ones([1, 2]), b: kernel, bias: denseBias, activation: 'relu' }).dataSync()]);
    // Both run once first: tfjs-backend-wasm packs the weights for XNNPACK on a first call and keeps them,
    // keyed by the tensor, so a write into the variable's own memory would not be seen.
    assert.deepEqual(conv(), [4, 4, 4, 4]);
    assert.deepEqual(dense(), [2]);
    const shared = new Float32Array(new SharedArrayBuffer(32));
    shared.set([2, 2, 2, 2, 1, 3, 3, 1]);
    setVariable(filter, shared.subarray(0, 4));
    setVariable(convBias, shared.subarray(4, 5));
    setVariable(kernel, shared.subarray(5, 7));
    setVariable(denseBias, shared.subarray(7, 8));
    shared.fill(0);
    assert.deepEqual(conv(), [9, 9, 9, 9], 'the convolution reads the new filter and bias');
    assert.deepEqual(dense(), [7], 'the matrix product reads the new kernel and bias');
    tf.dispose([x, filter, convBias, kernel, denseBias]);
  });
}
