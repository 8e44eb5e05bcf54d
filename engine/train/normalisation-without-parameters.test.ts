/**
 * BatchNormalization and LayerNormalization with `center: false`,
 * `scale: false` or both train, computing Keras' function (no β, no γ):
 *   - one training-mode step of a studio-built model: its output and the
 *     gradients for the input and for the γ or β it does have, against the
 *     same function written with plain tensor ops (sub, mean, sqrt, div, mul,
 *     add and their autodiff), which never reach tf.batchNorm or tfjs-layers;
 *   - a short run through the Engine's trainer on real PNG files, on wasm and
 *     on cpu, whose saved model still says center/scale false and holds no
 *     γ or β for those layers.
 * tfjs 4.22 alone ends both with "Cannot read properties of undefined".
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../backend/select.js';
import { buildModel } from '../graph/tfjs/build.js';
import { chain } from '../testing/graphs.js';
import { Engine } from '../engine.js';
import type { FinishedEvent, RunErrorEvent } from '../protocol.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';

const SHAPE = [3, 4, 5];
const EPSILON = 0.01;
const TOLERANCE = 1e-4;

type LayerType = 'BatchNormalization' | 'LayerNormalization';
interface Case {
  type: LayerType;
  axis: number;
  center: boolean;
  scale: boolean;
}

/** Every combination without one of the parameters; one of each type off the last axis too. */
const CASES: Case[] = (['BatchNormalization', 'LayerNormalization'] as const).flatMap((type) => [
  { type, axis: -1, center: false, scale: true },
  { type, axis: 1, center: true, scale: false },
  { type, axis: -1, center: false, scale: false },
]);

const describeCase = (c: Case) => `${c.type} axis ${c.axis}${c.center ? '' : ' center false'}${c.scale ? '' : ' scale false'}`;

function seeded(size: number, seed: number, low: number, high: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + (state / 2 ** 32) * (high - low);
  });
}

// A type, not an interface, so that tf.tidy accepts it as a tensor container.
type Step = {
  y: Float32Array;
  dx: Float32Array;
  /** Gradient of the γ the layer has, if it has one. */
  dGamma?: Float32Array;
  dBeta?: Float32Array;
};

function valuesFor(c: Case, seed: number) {
  const axis = c.axis < 0 ? SHAPE.length + c.axis : c.axis;
  const size = SHAPE.reduce((a, b) => a * b, 1);
  const features = SHAPE[axis]!;
  return {
    axis,
    x: seeded(size, seed, -2, 3),
    w: seeded(size, seed + 1, -1, 1),
    gamma: seeded(features, seed + 2, 0.5, 2),
    beta: seeded(features, seed + 3, -1, 1),
  };
}

/** The studio's layer: a training-mode step's output and gradients, with γ and β (where present) set to the values. */
function studio(c: Case, v: ReturnType<typeof valuesFor>): Step {
  const params = { axis: c.axis, epsilon: EPSILON, center: c.center, scale: c.scale };
  const model = buildModel(chain(SHAPE.slice(1), [{ type: c.type, params }]), { seed: 1 });
  const layer = model.layers.find((l) => l.getClassName() === c.type)!;
  const config = layer.getConfig();
  assert.equal(config['center'], c.center, `${describeCase(c)}: config center`);
  assert.equal(config['scale'], c.scale, `${describeCase(c)}: config scale`);
  const trainable = layer.trainableWeights.map((weight) => weight.originalName.split('/').pop());
  assert.deepEqual(trainable, [...(c.scale ? ['gamma'] : []), ...(c.center ? ['beta'] : [])], `${describeCase(c)}: trainable weights`);
  const given = [...(c.scale ? [v.gamma] : []), ...(c.center ? [v.beta] : [])].map((values) => tf.tensor(values, [values.length]));
  layer.setWeights([...given, ...layer.getWeights().slice(given.length)]);
  tf.dispose(given);
  const x = tf.tidy(() => tf.variable(tf.tensor(v.x, SHAPE)));
  const w = tf.tensor(v.w, SHAPE);
  try {
    const variables = layer.trainableWeights.map((weight) => weight.read() as tf.Variable);
    let y: Float32Array = new Float32Array();
    const { value, grads } = tf.variableGrads(() => {
      const out = model.apply(x, { training: true }) as tf.Tensor;
      y = out.dataSync() as Float32Array;
      return tf.sum(tf.mul(out, w)) as tf.Scalar;
    }, [x, ...variables]);
    const data = (variable: tf.Variable | undefined) => (variable ? (grads[variable.name]!.dataSync() as Float32Array) : undefined);
    const step: Step = { y, dx: data(x)! };
    if (c.scale) step.dGamma = data(variables[0]);
    if (c.center) step.dBeta = data(variables[c.scale ? 1 : 0]);
    tf.dispose([value, ...Object.values(grads)]);
    return step;
  } finally {
    tf.dispose([x, w]);
    model.dispose();
  }
}

/**
 * The same from plain ops: statistics over every axis but `axis` (batch
 * normalisation) or over `axis` alone, per sample (layer normalisation), and
 * no γ or β term where the layer has none.
 */
function plainOps(c: Case, v: ReturnType<typeof valuesFor>): Step {
  return tf.tidy(() => {
    const axes = SHAPE.map((_, i) => i);
    const statisticsAxes = c.type === 'BatchNormalization' ? axes.filter((i) => i !== v.axis) : [v.axis];
    const along = SHAPE.map((d, i) => (i === v.axis ? d : 1));
    const w = tf.tensor(v.w, SHAPE);
    // Only the parameters the layer has are arguments: tf.grads refuses one the function does not use.
    const f = (x: tf.Tensor, ...parameters: tf.Tensor[]) => {
      const [gamma, beta] = [c.scale ? parameters.shift() : undefined, c.center ? parameters.shift() : undefined];
      const mean = tf.mean(x, statisticsAxes, true);
      const variance = tf.mean(tf.square(tf.sub(x, mean)), statisticsAxes, true);
      let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPSILON)));
      if (gamma) y = tf.mul(y, gamma);
      if (beta) y = tf.add(y, beta);
      return y;
    };
    const x = tf.tensor(v.x, SHAPE);
    const parameters = [...(c.scale ? [tf.tensor(v.gamma, along)] : []), ...(c.center ? [tf.tensor(v.beta, along)] : [])];
    const [dx, ...dParameters] = tf.grads((...inputs: tf.Tensor[]) => tf.sum(tf.mul(f(inputs[0]!, ...inputs.slice(1)), w)))([x, ...parameters]);
    const [dGamma, dBeta] = [c.scale ? dParameters.shift() : undefined, c.center ? dParameters.shift() : undefined];
    const data = (t: tf.Tensor) => t.dataSync() as Float32Array;
    const step: Step = { y: data(f(x, ...parameters)), dx: data(dx!) };
    if (c.scale) step.dGamma = data(dGamma!);
    if (c.center) step.dBeta = data(dBeta!);
    return step;
  });
}

function assertSame(actual: Step, expected: Step, what: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${what}: gradients present`);
  for (const key of Object.keys(expected) as (keyof Step)[]) {
    const a = actual[key]!;
    const e = expected[key]!;
    assert.equal(a.length, e.length, `${what}: ${key} length`);
    let worst = 0;
    for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!) / Math.max(1, Math.abs(e[i]!)));
    assert.ok(worst <= TOLERANCE, `${what}: ${key} differs by ${worst.toExponential(2)}`);
  }
}

let dataDir: string;
let runsDir: string;

before(async () => {
  await selectBackend('wasm');
  dataDir = await writePatternFolder({ perClass: 12, size: 12, seed: 3 });
  runsDir = await mkdtemp(join(tmpdir(), 'cnnstudio-norm-runs-'));
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(runsDir, { recursive: true, force: true });
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`normalisation without γ or β on ${backend}: a training step's output and gradients as Keras computes them`, async () => {
    await tf.setBackend(backend);
    const tensorsBefore = tf.memory().numTensors;
    // Every case is tried, so that a failure lists all the layers it hits.
    const failures: string[] = [];
    for (const [i, c] of CASES.entries()) {
      const values = valuesFor(c, 31 * i + 7);
      try {
        assertSame(studio(c, values), plainOps(c, values), `${backend}, ${describeCase(c)}`);
      } catch (error) {
        failures.push(error instanceof assert.AssertionError ? error.message : `${backend}, ${describeCase(c)}: the step threw ${(error as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(tf.memory().numTensors, tensorsBefore, 'tensors leaked');
  });
}

/** Conv2D → every case above in a row → Flatten → Dense, the trainer's tiny project. */
function projectWithEveryCase() {
  const project = tinyCnnProject({ size: 12, filters: 4, training: { epochs: 2, batchSize: 8 } });
  const { nodes, edges } = project.graph;
  const cases = CASES.map((c, i) => ({ id: `norm${i}`, c }));
  const at = nodes.findIndex((n) => n.id === 'flatten');
  nodes.splice(at, 0, ...cases.map(({ id, c }) => ({ id, type: c.type, params: { axis: c.axis, center: c.center, scale: c.scale }, position: { x: 200, y: 0 } })));
  const chainIds = ['conv', ...cases.map(({ id }) => id), 'flatten'];
  project.graph.edges = [
    ...edges.filter((e) => !(e.source === 'conv' && e.target === 'flatten')),
    ...chainIds.slice(1).map((id, i) => ({ id: `norm-edge-${i}`, source: chainIds[i]!, target: id })),
  ];
  return project;
}

for (const backend of ['wasm', 'cpu'] as const) {
  test(`the trainer runs a model with every such layer to the end on ${backend}, and saves them without γ or β`, async () => {
    const engine = new Engine({ backend });
    const ended = new Promise<FinishedEvent | RunErrorEvent>((resolve) => {
      engine.onEvent((e) => {
        if (e.type === 'finished' || e.type === 'error') resolve(e);
      });
    });
    await engine.execute({ type: 'train.start', project: projectWithEveryCase(), options: { dataPath: dataDir, runDir: join(runsDir, backend) } });
    const end = await ended;
    await engine.idle();
    assert.equal(end.type, 'finished', end.type === 'error' ? `run failed: ${end.message}` : '');
    const finished = end as FinishedEvent;
    assert.equal(finished.status, 'completed');
    assert.equal(finished.epochs, 2);
    assert.ok(Number.isFinite(finished.metrics.loss), `loss ${finished.metrics.loss}`);
    const saved = JSON.parse(await readFile(join(finished.modelPath, 'model.json'), 'utf8'));
    const layers = saved.modelTopology.config.layers as { class_name: string; config: { name: string; center: boolean; scale: boolean } }[];
    const norms = layers.filter((l) => l.class_name === 'BatchNormalization' || l.class_name === 'LayerNormalization');
    assert.deepEqual(
      norms.map((l) => [l.class_name, l.config.center, l.config.scale]),
      CASES.map((c) => [c.type, c.center, c.scale]),
    );
    const weightNames = (saved.weightsManifest as { weights: { name: string }[] }[]).flatMap((group) => group.weights.map((weight) => weight.name));
    for (const [i, c] of CASES.entries()) {
      const name = norms[i]!.config.name;
      assert.equal(weightNames.some((n) => n.startsWith(`${name}/`) && n.endsWith('/beta')), c.center, `${name} beta saved`);
      assert.equal(weightNames.some((n) => n.startsWith(`${name}/`) && n.endsWith('/gamma')), c.scale, `${name} gamma saved`);
    }
  });
}
