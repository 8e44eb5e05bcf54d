/**
 * BatchNormalization on any axis computes Keras' function on the cpu and wasm
 * backends: a studio-built model with one such layer, on axes 1, 2 and 3 of a
 * rank-4 value and axis 1 of a rank-3 value, against
 *   - the same function written with plain tensor ops, which never reach the
 *     FusedBatchNorm kernel or its gradient:
 *     (x − mean) / sqrt(var + ε) · γ + β along the axis, statistics over every other axis;
 *   - PyTorch's batch_norm (python3-torch), with the axis moved to dimension 1.
 * Checked: the inference output (moving statistics), the training output
 * (batch statistics), the moving averages one training step leaves behind,
 * and that step's gradients for the input, γ and β.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/select.js';
import { buildModel } from './tfjs/build.js';
import { chain } from '../testing/graphs.js';

const BATCH = 3;
const EPSILON = 0.01;
const MOMENTUM = 0.8;
const TOLERANCE = 1e-4;

/** Every dimension differs, so statistics applied along the wrong axis cannot line up by chance. */
const CASES = [
  { sample: [3, 4, 5], axis: 1 },
  { sample: [3, 4, 5], axis: 2 },
  { sample: [3, 4, 5], axis: 3 },
  { sample: [4, 5], axis: 1 },
];

function seeded(size: number, seed: number, low: number, high: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + (state / 2 ** 32) * (high - low);
  });
}

interface Values {
  x: Float32Array;
  /** Weights of the loss Σ y·w, so that the gradients are not trivially zero. */
  w: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
}

interface Outcome {
  inference: ArrayLike<number>;
  training: ArrayLike<number>;
  movingMean: ArrayLike<number>;
  movingVariance: ArrayLike<number>;
  dx: ArrayLike<number>;
  dGamma: ArrayLike<number>;
  dBeta: ArrayLike<number>;
}

function valuesFor(shape: number[], axis: number, seed: number): Values {
  const size = shape.reduce((a, b) => a * b, 1);
  const features = shape[axis]!;
  return {
    x: seeded(size, seed, -2, 3),
    w: seeded(size, seed + 1, -1, 1),
    gamma: seeded(features, seed + 2, 0.5, 2),
    beta: seeded(features, seed + 3, -1, 1),
    movingMean: seeded(features, seed + 4, -1, 1),
    movingVariance: seeded(features, seed + 5, 0.5, 2),
  };
}

type Forward = Pick<Outcome, 'inference' | 'training' | 'movingMean' | 'movingVariance'>;
type Gradients = Pick<Outcome, 'dx' | 'dGamma' | 'dBeta'>;

/**
 * The studio's layer: its inference output, its output in a training-mode
 * pass and the moving statistics that pass leaves, then (when asked) the
 * gradients of a second training-mode pass.
 */
function studio(shape: number[], axis: number, v: Values, withGradients: boolean): Forward & Partial<Gradients> {
  const model = buildModel(chain(shape.slice(1), [{ type: 'BatchNormalization', params: { axis, momentum: MOMENTUM, epsilon: EPSILON } }]), { seed: 1 });
  const layer = model.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  const features = [v.gamma.length];
  const weights = [v.gamma, v.beta, v.movingMean, v.movingVariance].map((values) => tf.tensor(values, features));
  layer.setWeights(weights);
  tf.dispose(weights);
  const x = tf.tidy(() => tf.variable(tf.tensor(v.x, shape)));
  const w = tf.tensor(v.w, shape);
  try {
    const data = (t: tf.Tensor) => t.dataSync() as Float32Array;
    const forward: Forward & Partial<Gradients> = {
      inference: tf.tidy(() => data(model.predict(x) as tf.Tensor)),
      training: tf.tidy(() => data(model.apply(x, { training: true }) as tf.Tensor)),
      movingMean: data(layer.getWeights()[2]!),
      movingVariance: data(layer.getWeights()[3]!),
    };
    if (!withGradients) return forward;
    const [gamma, beta] = layer.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, w)) as tf.Scalar, [x, gamma!, beta!]);
    const gradients = { dx: data(grads[x.name]!), dGamma: data(grads[gamma!.name]!), dBeta: data(grads[beta!.name]!) };
    tf.dispose([value, ...Object.values(grads)]);
    return { ...forward, ...gradients };
  } finally {
    tf.dispose([x, w]);
    model.dispose();
  }
}

/** The same, from plain tensor ops: sub, mean, sqrt, div, mul, add, and their gradients. */
function plainOps(shape: number[], axis: number, v: Values): Outcome {
  return tf.tidy(() => {
    const others = shape.map((_, i) => i).filter((i) => i !== axis);
    const along = shape.map((d, i) => (i === axis ? d : 1));
    const param = (values: Float32Array) => tf.tensor(values, along);
    const x = tf.tensor(v.x, shape);
    const w = tf.tensor(v.w, shape);
    const normalise = (input: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
      tf.add(tf.mul(tf.div(tf.sub(input, mean), tf.sqrt(tf.add(variance, EPSILON))), gamma), beta);
    const batchStatistics = (input: tf.Tensor) => {
      const mean = tf.mean(input, others, true);
      return { mean, variance: tf.mean(tf.square(tf.sub(input, mean)), others, true) };
    };
    const inference = normalise(x, param(v.movingMean), param(v.movingVariance), param(v.gamma), param(v.beta));
    const { mean, variance } = batchStatistics(x);
    const training = normalise(x, mean, variance, param(v.gamma), param(v.beta));
    const moved = (moving: Float32Array, batch: tf.Tensor) => tf.add(tf.mul(param(moving), MOMENTUM), tf.mul(batch, 1 - MOMENTUM));
    const [dx, dGamma, dBeta] = tf.grads((input: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => {
      const statistics = batchStatistics(input);
      return tf.sum(tf.mul(normalise(input, statistics.mean, statistics.variance, gamma, beta), w));
    })([x, param(v.gamma), param(v.beta)]);
    const data = (t: tf.Tensor) => t.dataSync() as Float32Array;
    return {
      inference: data(inference),
      training: data(training),
      movingMean: data(moved(v.movingMean, mean)),
      movingVariance: data(moved(v.movingVariance, variance)),
      dx: data(dx!),
      dGamma: data(dGamma!),
      dBeta: data(dBeta!),
    };
  });
}

const TORCH_SCRIPT = `
import json, sys, torch
import torch.nn.functional as F
out = []
for c in json.load(sys.stdin):
    t = lambda k: torch.tensor(c[k], dtype=torch.float64)
    first = lambda a: a.reshape(c["shape"]).movedim(c["axis"], 1)
    x = first(t("x")).clone().requires_grad_(True)
    gamma = t("gamma").requires_grad_(True)
    beta = t("beta").requires_grad_(True)
    mean, var = t("movingMean"), t("movingVariance")
    y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=c["epsilon"])
    (y * first(t("w"))).sum().backward()
    inference = F.batch_norm(x.detach(), mean, var, gamma.detach(), beta.detach(), training=False, eps=c["epsilon"])
    back = lambda a: a.movedim(1, c["axis"]).reshape(-1).tolist()
    out.append({"inference": back(inference), "training": back(y.detach()), "dx": back(x.grad), "dGamma": gamma.grad.tolist(), "dBeta": beta.grad.tolist()})
print(json.dumps(out))
`;

function torchMissing(): string | null {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? null : '/usr/bin/python3 cannot import torch: install Debian\'s python3-torch (.ci/run does)';
}

function maxDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'lengths');
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

function assertSame(actual: Partial<Outcome>, expected: Partial<Outcome>, what: string): void {
  for (const key of Object.keys(expected) as (keyof Outcome)[]) {
    const d = maxDifference(actual[key]!, expected[key]!);
    assert.ok(d <= TOLERANCE, `${what}: ${key} differs by ${d.toExponential(2)}`);
  }
}

const describeCase = ({ sample, axis }: (typeof CASES)[number]) => `axis ${axis} of a rank-${sample.length + 1} value`;

before(async () => {
  await selectBackend('wasm');
});

for (const backend of ['cpu', 'wasm'] as const) {
  for (const part of ['outputs in both modes and moving averages', 'a training step\'s gradients'] as const) {
    test(`BatchNormalization on ${backend}, every axis: ${part} as Keras computes them`, async () => {
      await tf.setBackend(backend);
      const withGradients = part !== 'outputs in both modes and moving averages';
      const tensorsBefore = tf.memory().numTensors;
      for (const [i, c] of CASES.entries()) {
        const shape = [BATCH, ...c.sample];
        const values = valuesFor(shape, c.axis, 17 * i + 5);
        const { inference, training, movingMean, movingVariance, dx, dGamma, dBeta } = plainOps(shape, c.axis, values);
        const expected = withGradients ? { dx, dGamma, dBeta } : { inference, training, movingMean, movingVariance };
        assertSame(studio(shape, c.axis, values, withGradients), expected, `${backend}, ${describeCase(c)}`);
      }
      assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
    });
  }
}

test('the studio\'s BatchNormalization agrees with PyTorch\'s batch_norm on every axis (python3-torch)', { skip: torchMissing() ?? false }, async () => {
  await tf.setBackend('cpu');
  const inputs = CASES.map((c, i) => {
    const shape = [BATCH, ...c.sample];
    const values = valuesFor(shape, c.axis, 17 * i + 5);
    return { shape, axis: c.axis, epsilon: EPSILON, ...Object.fromEntries(Object.entries(values).map(([k, a]) => [k, Array.from(a as Float32Array)])) };
  });
  const run = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT], { input: JSON.stringify(inputs), encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.equal(run.status, 0, run.stderr);
  const torch = JSON.parse(run.stdout) as Partial<Outcome>[];
  CASES.forEach((c, i) => {
    const shape = [BATCH, ...c.sample];
    const { inference, training, dx, dGamma, dBeta } = studio(shape, c.axis, valuesFor(shape, c.axis, 17 * i + 5), true);
    assertSame({ inference, training, dx, dGamma, dBeta }, torch[i]!, `PyTorch, ${describeCase(c)}`);
  });
});
