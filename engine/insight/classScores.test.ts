/**
 * The class scores Grad-CAM differentiates (classScores.ts), for every way a
 * classifier can end, on real tfjs models: a Dense with softmax (with and
 * without bias), one sigmoid unit, several sigmoid units, a linear Dense, a
 * separate Activation or Softmax layer. The logits are checked against the
 * Dense layer's own kernel and bias, the probabilities against
 * model.predict. Heads Grad-CAM cannot use are refused with the reason.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../backend/select.js';
import { StudioError } from '../errors.js';
import { classScoresOf } from './classScores.js';
import { gradCam } from './gradCam.js';
import { runLayers } from './modelNodes.js';

before(async () => {
  await selectBackend('cpu');
});

const INPUT = [4, 4, 2];

/** Input → Conv2D "conv" → Flatten "flat" → the head layers given. */
function classifier(head: (features: tfl.SymbolicTensor) => tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.LayersModel {
  const input = tfl.input({ shape: INPUT, name: 'input' });
  const conv = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv', kernelInitializer: 'glorotNormal' }).apply(input) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(conv) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: head(flat) });
}

function images(n: number): tf.Tensor4D {
  return tf.tensor4d(Array.from({ length: n * 32 }, (_, i) => Math.sin(i * 0.7) + 0.2), [n, ...INPUT] as [number, number, number, number]);
}

/** logits and probabilities of the scores for x, and model.predict for comparison. */
function scoresFor(model: tfl.LayersModel, x: tf.Tensor4D) {
  const scores = classScoresOf(model);
  const [logits, probabilities, predicted, features] = tf.tidy(() => {
    const outputs = runLayers(model, x);
    return [scores.logits(outputs).arraySync(), scores.probabilities(outputs).arraySync(), (model.predict(x) as tf.Tensor).arraySync() as number[][], outputs.get('flat')!.arraySync() as number[][]];
  });
  return { scores, logits, probabilities, predicted, features };
}

/** x·W (+ b) with the Dense layer's own weights, in plain numbers. */
function dense(features: number[][], layer: tfl.layers.Layer): number[][] {
  const [kernel, bias] = layer.getWeights().map((w) => w.arraySync() as number[][] | number[]);
  return features.map((row) =>
    (kernel as number[][])[0]!.map((_, j) => row.reduce((sum, v, i) => sum + v * (kernel as number[][])[i]![j]!, 0) + ((bias as number[] | undefined)?.[j] ?? 0)),
  );
}

function close(actual: number[][], expected: number[][], what: string): void {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - expected[i]![j]!) < 1e-5, `${what}[${i}][${j}]: ${v} vs ${expected[i]![j]}`)));
}

test('a softmax Dense without bias: logits are x·W, probabilities are what predict says', () => {
  const model = classifier((f) => tfl.layers.dense({ units: 3, activation: 'softmax', useBias: false, name: 'head' }).apply(f) as tfl.SymbolicTensor);
  const x = images(2);
  const { scores, logits, probabilities, predicted, features } = scoresFor(model, x);
  assert.deepEqual([scores.activation, scores.classCount, scores.outputLayer], ['softmax', 3, 'head']);
  close(logits, dense(features, model.getLayer('head')), 'logits');
  close(probabilities, predicted, 'probabilities');
  tf.dispose(x);
  model.dispose();
});

test('one sigmoid unit is two classes: logits [−z, z], probabilities [1 − p, p]', async () => {
  const model = classifier((f) => tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'head', biasInitializer: tfl.initializers.constant({ value: 0.3 }) }).apply(f) as tfl.SymbolicTensor);
  const x = images(3);
  const { scores, logits, probabilities, predicted, features } = scoresFor(model, x);
  assert.deepEqual([scores.activation, scores.classCount], ['sigmoid', 2]);
  const z = dense(features, model.getLayer('head')).map(([v]) => v!);
  close(logits, z.map((v) => [-v, v]), 'logits');
  close(probabilities, predicted.map(([p]) => [1 - p!, p!]), 'probabilities');

  // Grad-CAM on it: class 1 is the unit itself, class 2 does not exist, and one class per image is checked.
  const cam = await gradCam(model, x, { classes: 1 });
  assert.deepEqual(cam.targets, [1, 1, 1]);
  cam.probabilities.forEach((row, i) => assert.ok(Math.abs(row[1]! - predicted[i]![0]!) < 1e-5));
  await assert.rejects(gradCam(model, x, { classes: 2 }), (e: unknown) => e instanceof StudioError && e.code === 'unknown-class' && e.message === 'Class 2 does not exist; the model has 2 classes (0 to 1).');
  await assert.rejects(gradCam(model, x, { classes: [0, 1] }), (e: unknown) => e instanceof StudioError && e.code === 'bad-class' && e.message === '2 target classes for 3 images.');
  await assert.rejects(gradCam(model, x, { node: 'input' }), (e: unknown) => e instanceof StudioError && e.code === 'not-spatial' && e.message === 'Node "input" is the input; Grad-CAM explains a layer\'s output.');
  tf.dispose(x);
  model.dispose();
});

test('several sigmoid units (multi-label): the probabilities are the sigmoids themselves, not a softmax of them', () => {
  const model = classifier((f) => tfl.layers.dense({ units: 3, activation: 'sigmoid', name: 'head' }).apply(f) as tfl.SymbolicTensor);
  const x = images(2);
  const { scores, logits, probabilities, predicted, features } = scoresFor(model, x);
  assert.deepEqual([scores.activation, scores.classCount], ['sigmoid', 3]);
  close(logits, dense(features, model.getLayer('head')), 'logits');
  close(probabilities, predicted, 'probabilities');
  tf.dispose(x);
  model.dispose();
});

test('a linear Dense is its own logits; its probabilities are their softmax', () => {
  const model = classifier((f) => tfl.layers.dense({ units: 4, name: 'head' }).apply(f) as tfl.SymbolicTensor);
  const x = images(2);
  const { scores, logits, probabilities, predicted } = scoresFor(model, x);
  assert.equal(scores.activation, 'none');
  close(logits, predicted, 'logits');
  const softmax = predicted.map((row) => {
    const e = row.map((v) => Math.exp(v - Math.max(...row)));
    return e.map((v) => v / e.reduce((a, b) => a + b, 0));
  });
  close(probabilities, softmax, 'probabilities');
  tf.dispose(x);
  model.dispose();
});

test('a separate Softmax layer or sigmoid Activation: the logits are the Dense output before it', () => {
  for (const [end, activation] of [
    [(t: tfl.SymbolicTensor) => tfl.layers.softmax({ name: 'probs' }).apply(t), 'softmax'],
    [(t: tfl.SymbolicTensor) => tfl.layers.activation({ activation: 'sigmoid', name: 'probs' }).apply(t), 'sigmoid'],
  ] as const) {
    const model = classifier((f) => end(tfl.layers.dense({ units: 3, name: 'logits' }).apply(f) as tfl.SymbolicTensor) as tfl.SymbolicTensor);
    const x = images(2);
    const scores = classScoresOf(model);
    assert.deepEqual([scores.activation, scores.outputLayer, scores.classCount], [activation, 'probs', 3]);
    const [logits, probabilities, before, predicted] = tf.tidy(() => {
      const outputs = runLayers(model, x);
      return [scores.logits(outputs).arraySync(), scores.probabilities(outputs).arraySync(), outputs.get('logits')!.arraySync() as number[][], (model.predict(x) as tf.Tensor).arraySync() as number[][]];
    });
    close(logits, before, `${activation} logits`);
    close(probabilities, predicted, `${activation} probabilities`);
    tf.dispose(x);
    model.dispose();
  }
});

test('heads Grad-CAM cannot differentiate are refused with the reason and what to build instead', () => {
  const refused = (model: tfl.LayersModel, run: (scores: ReturnType<typeof classScoresOf>) => unknown = () => undefined) => {
    try {
      run(classScoresOf(model));
    } catch (error) {
      assert.ok(error instanceof StudioError);
      return error;
    } finally {
      model.dispose();
    }
    return assert.fail('should be refused');
  };
  const twoHeads = refused(classifier((f) => [tfl.layers.dense({ units: 2, name: 'a' }).apply(f) as tfl.SymbolicTensor, tfl.layers.dense({ units: 3, name: 'b' }).apply(f) as tfl.SymbolicTensor]));
  assert.deepEqual([twoHeads.message, twoHeads.code], ['The model has more than one output.', 'unsupported-model']);

  const input = tfl.input({ shape: INPUT });
  const convSoftmax = refused(tfl.model({ inputs: input, outputs: tfl.layers.conv2d({ filters: 3, kernelSize: 1, activation: 'softmax', name: 'last' }).apply(input) as tfl.SymbolicTensor }));
  assert.equal(convSoftmax.message, 'The last layer "last" (Conv2D) applies softmax itself; Grad-CAM needs the class scores before it.');
  assert.equal(convSoftmax.hint, 'End the network with a Dense layer (or a separate Activation / Softmax layer).');

  // A linear Dense straight on a feature map answers per pixel: [n, 4, 4, 5], not [n, classes].
  const input2 = tfl.input({ shape: INPUT, name: 'in2' });
  const perPixel = tfl.model({ inputs: input2, outputs: tfl.layers.dense({ units: 5, name: 'pixels' }).apply(input2) as tfl.SymbolicTensor });
  const x = images(1);
  const rank4 = refused(perPixel, (scores) => tf.tidy(() => scores.logits(runLayers(perPixel, x))));
  assert.equal(rank4.message, "The model's output has shape [1, 4, 4, 5], not [batch, classes].");
  tf.dispose(x);
});
