/**
 * The wasm gradient kernels against the cpu backend's (and, where the cpu
 * kernels ignore dilation, against the gradient written out as a sum), on
 * random shapes, strides, paddings and dilations.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './select.js';

type Shape4D = [number, number, number, number];
type Pad = 'valid' | 'same' | number | [[0, 0], [number, number], [number, number], [0, 0]];
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

interface Case {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  dimRoundingMode: RoundingMode;
  seed: number;
}

const NUM_RUNS = 150;

function randomValues(size: number, seed: number): Float32Array {
  // mulberry32: a fast, seedable generator, so a failing case replays exactly.
  let state = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

const padArb: fc.Arbitrary<{ pad: Pad; dimRoundingMode: RoundingMode }> = fc.oneof(
  fc.constantFrom<Pad>('valid', 'same').map((pad) => ({ pad, dimRoundingMode: undefined })),
  fc.record({
    pad: fc.integer({ min: 0, max: 2 }) as fc.Arbitrary<Pad>,
    dimRoundingMode: fc.constantFrom<RoundingMode>(undefined, 'floor', 'round', 'ceil'),
  }),
  fc
    .tuple(fc.nat(3), fc.nat(3), fc.nat(3), fc.nat(3))
    .map(([t, b, l, r]) => ({ pad: [[0, 0], [t, b], [l, r], [0, 0]] as Pad, dimRoundingMode: undefined })),
);

function caseArb(options: { dilated: boolean }): fc.Arbitrary<Case> {
  const pair = (max: number) => fc.tuple(fc.integer({ min: 1, max }), fc.integer({ min: 1, max }));
  return fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }),
      inHeight: fc.integer({ min: 1, max: 9 }),
      inWidth: fc.integer({ min: 1, max: 9 }),
      inChannels: fc.integer({ min: 1, max: 4 }),
      outChannels: fc.integer({ min: 1, max: 4 }),
      filterHeight: fc.integer({ min: 1, max: 4 }),
      filterWidth: fc.integer({ min: 1, max: 4 }),
      strides: pair(3),
      dilations: options.dilated ? pair(3) : fc.constant<[number, number]>([1, 1]),
      padding: padArb,
      seed: fc.integer(),
    })
    .map(({ padding, ...rest }) => ({ ...rest, ...padding }))
    .filter((c) => {
      // tfjs convolutions take strides or dilations above 1, never both.
      if (c.strides.some((s) => s > 1) && c.dilations.some((d) => d > 1)) return false;
      try {
        const info = geometry(c, false);
        return info.outHeight > 0 && info.outWidth > 0;
      } catch {
        return false;
      }
    });
}

function geometry(c: Case, depthwise: boolean) {
  const filterShape: Shape4D = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
  return tf.backend_util.computeConv2DInfo(
    [c.batch, c.inHeight, c.inWidth, c.inChannels],
    filterShape,
    c.strides,
    c.dilations,
    c.pad,
    c.dimRoundingMode,
    depthwise,
  );
}

interface Input {
  shape: number[];
  values: Float32Array;
}

async function runKernelOn(
  backend: 'cpu' | 'wasm',
  kernel: string,
  inputs: Record<string, Input>,
  attrs: object,
): Promise<{ shape: number[]; values: Float32Array; leaked: number }> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]));
  const xnnComplaints = watchStderrFor('XNN status');
  let out: tf.Tensor;
  try {
    out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  } finally {
    xnnComplaints.stop();
  }
  // XNNPACK reports bad operator parameters on stderr and carries on with garbage.
  assert.deepEqual(xnnComplaints.lines, [], `${kernel} on ${backend} made XNNPACK complain`);
  const result = { shape: out.shape, values: out.dataSync() as Float32Array };
  tf.dispose([...Object.values(tensors), out]);
  return { ...result, leaked: tf.memory().numTensors - before };
}

/** The wasm module writes its warnings straight to stderr; collect those containing `needle`. */
function watchStderrFor(needle: string): { lines: string[]; stop(): void } {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (String(chunk).includes(needle)) lines.push(String(chunk));
    return (write as (...args: unknown[]) => boolean).call(process.stderr, chunk, ...rest);
  }) as typeof process.stderr.write;
  return { lines, stop: () => void (process.stderr.write = write) };
}

function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: size`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 1e-4 * Math.max(1, Math.abs(expected[i]!));
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance)) {
      assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/**
 * The kernel on wasm against the same kernel on cpu, on the same inputs: the
 * same shape (`shape` where given, else the cpu's), the same values within
 * assertClose's tolerance, and no tensor left behind on wasm.
 */
async function assertWasmMatchesCpu(
  kernel: string,
  inputs: Record<string, Input>,
  attrs: object,
  options: { what?: string; shape?: number[] } = {},
): Promise<void> {
  const expected = await runKernelOn('cpu', kernel, inputs, attrs);
  const actual = await runKernelOn('wasm', kernel, inputs, attrs);
  assert.deepEqual(actual.shape, options.shape ?? expected.shape);
  assertClose(actual.values, expected.values, options.what ?? kernel);
  assert.equal(actual.leaked, 0, 'tensors leaked');
}

/**
 * A depthwise gradient kernel on wasm against the gradient written out as a
 * sum (`bySum`), and against the cpu kernel too where that one can be
 * trusted (`cpuToo`: the cpu kernels ignore dilation, tfjs only asks for
 * dilation 1 in gradients): the shape, the values, and no tensor left behind.
 */
async function assertWasmMatchesSum(
  kernel: string,
  inputs: Record<string, Input>,
  attrs: object,
  options: { shape: number[]; bySum: Float32Array; cpuToo: boolean },
): Promise<void> {
  const actual = await runKernelOn('wasm', kernel, inputs, attrs);
  assert.deepEqual(actual.shape, options.shape);
  assertClose(actual.values, options.bySum, `${kernel} vs the sum`);
  if (options.cpuToo) {
    const expected = await runKernelOn('cpu', kernel, inputs, attrs);
    assertClose(actual.values, expected.values, `${kernel} vs cpu`);
  }
  assert.equal(actual.leaked, 0, 'tensors leaked');
}

/**
 * Every tap of a depthwise convolution, written out: for each output
 * position (b, i, j), filter position (p, q), channel c and multiplier m
 * whose input position r = i·s+p·d−top, s = j·s+q·d−left lies inside the
 * image, `visit` gets the flat indices of x[b,r,s,c], dy[b,i,j,c·M+m] and
 * w[p,q,c,m]. Both gradients below are sums over these taps.
 */
function forEachDepthwiseTap(c: Case, visit: (xIndex: number, dyIndex: number, wIndex: number) => void): void {
  const info = geometry(c, true);
  const m = info.outChannels / info.inChannels;
  for (let b = 0; b < info.batchSize; b++)
    for (let i = 0; i < info.outHeight; i++)
      for (let j = 0; j < info.outWidth; j++)
        for (let p = 0; p < c.filterHeight; p++)
          for (let q = 0; q < c.filterWidth; q++) {
            const r = i * info.strideHeight + p * info.dilationHeight - info.padInfo.top;
            const s = j * info.strideWidth + q * info.dilationWidth - info.padInfo.left;
            if (r < 0 || r >= c.inHeight || s < 0 || s >= c.inWidth) continue;
            for (let ch = 0; ch < c.inChannels; ch++)
              for (let k = 0; k < m; k++) {
                visit(
                  ((b * c.inHeight + r) * c.inWidth + s) * c.inChannels + ch,
                  ((b * info.outHeight + i) * info.outWidth + j) * info.outChannels + ch * m + k,
                  ((p * c.filterWidth + q) * c.inChannels + ch) * m + k,
                );
              }
          }
}

/** dW[p,q,c,m] = Σ x[b, i·s+p·d−top, j·s+q·d−left, c] · dy[b,i,j,c·M+m], written out. */
function depthwiseFilterGradientBySum(c: Case, x: Float32Array, dy: Float32Array): Float32Array {
  const multiplier = geometry(c, true).outChannels / c.inChannels;
  const dw = new Float32Array(c.filterHeight * c.filterWidth * c.inChannels * multiplier);
  forEachDepthwiseTap(c, (xi, dyi, wi) => (dw[wi]! += x[xi]! * dy[dyi]!));
  return dw;
}

/** dx[b,r,s,c] = Σ dy[b,i,j,c·M+m] · w[p,q,c,m] over i·s+p·d−top = r, j·s+q·d−left = s. */
function depthwiseInputGradientBySum(c: Case, dy: Float32Array, w: Float32Array): Float32Array {
  const dx = new Float32Array(c.batch * c.inHeight * c.inWidth * c.inChannels);
  forEachDepthwiseTap(c, (xi, dyi, wi) => (dx[xi]! += dy[dyi]! * w[wi]!));
  return dx;
}

/** Depthwise cases read outChannels as the channel multiplier. */
function asDepthwise(c: Case): Case {
  return { ...c, outChannels: c.inChannels * Math.min(c.outChannels, 3) };
}

before(async () => {
  await selectBackend('wasm');
});

describe('wasm training kernels match the cpu backend', () => {
  test('Conv2DBackpropFilter, NHWC and NCHW', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb({ dilated: false }), fc.boolean(), async (c, channelsFirst) => {
        const info = geometry(c, false);
        const toLayout = ([n, h, w, ch]: number[]) => (channelsFirst ? [n!, ch!, h!, w!] : [n!, h!, w!, ch!]);
        const inputs = {
          x: { shape: toLayout([c.batch, c.inHeight, c.inWidth, c.inChannels]), values: randomValues(c.batch * c.inHeight * c.inWidth * c.inChannels, c.seed) },
          dy: { shape: toLayout(info.outShape), values: randomValues(info.outShape.reduce((a, b) => a * b, 1), c.seed + 1) },
        };
        const attrs = {
          strides: c.strides,
          pad: channelsFirst && Array.isArray(c.pad) ? [c.pad[0], c.pad[3], c.pad[1], c.pad[2]] : c.pad,
          dataFormat: channelsFirst ? 'NCHW' : 'NHWC',
          dimRoundingMode: c.dimRoundingMode,
          filterShape: [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels],
        };
        await assertWasmMatchesCpu('Conv2DBackpropFilter', inputs, attrs);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('Conv2DBackpropFilter on real layer shapes: every SIMD lane path of the direct kernel', async () => {
    // The random cases above have at most 4 filters; these reach the kernel's
    // 16-wide and 4-wide paths and its scalar tail (32, 19 and 6 filters).
    const cases: { x: Shape4D; filter: Shape4D; strides: [number, number]; pad: Pad }[] = [
      { x: [4, 28, 28, 1], filter: [3, 3, 1, 32], strides: [1, 1], pad: 'valid' }, // seed CNN conv1
      { x: [2, 13, 13, 32], filter: [3, 3, 32, 64], strides: [1, 1], pad: 'valid' }, // seed CNN conv2
      { x: [3, 9, 7, 2], filter: [3, 2, 2, 19], strides: [2, 2], pad: 'same' },
      { x: [2, 10, 11, 3], filter: [5, 5, 3, 6], strides: [1, 2], pad: [[0, 0], [2, 1], [0, 3], [0, 0]] },
    ];
    for (const [i, c] of cases.entries()) {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
      const inputs = {
        x: { shape: c.x, values: randomValues(c.x.reduce((a, b) => a * b, 1), 11 + i) },
        dy: { shape: info.outShape, values: randomValues(info.outShape.reduce((a, b) => a * b, 1), 23 + i) },
      };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
      await assertWasmMatchesCpu('Conv2DBackpropFilter', inputs, attrs, { what: `Conv2DBackpropFilter ${c.x.join('×')} * ${c.filter.join('×')}`, shape: c.filter });
    }
  });

  test('Conv2DBackpropInput, NHWC and NCHW', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb({ dilated: false }), fc.boolean(), async (c, channelsFirst) => {
        const info = geometry(c, false);
        const toLayout = ([n, h, w, ch]: number[]) => (channelsFirst ? [n!, ch!, h!, w!] : [n!, h!, w!, ch!]);
        const filterShape = [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
        const inputs = {
          dy: { shape: toLayout(info.outShape), values: randomValues(info.outShape.reduce((a, b) => a * b, 1), c.seed) },
          filter: { shape: filterShape, values: randomValues(filterShape.reduce((a, b) => a * b, 1), c.seed + 1) },
        };
        const attrs = {
          strides: c.strides,
          pad: channelsFirst && Array.isArray(c.pad) ? [c.pad[0], c.pad[3], c.pad[1], c.pad[2]] : c.pad,
          dataFormat: channelsFirst ? 'NCHW' : 'NHWC',
          dimRoundingMode: c.dimRoundingMode,
          inputShape: toLayout([c.batch, c.inHeight, c.inWidth, c.inChannels]),
        };
        await assertWasmMatchesCpu('Conv2DBackpropInput', inputs, attrs);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('Conv2DBackpropInput with strides on real layer shapes, phase by phase', async () => {
    // Strided input gradients go one output phase at a time; a 1×1 filter at
    // stride 2 leaves three phases in four without a tap (zero gradient there).
    const cases: { x: Shape4D; filter: Shape4D; strides: [number, number]; pad: Pad }[] = [
      { x: [2, 28, 28, 16], filter: [3, 3, 16, 32], strides: [2, 2], pad: 'same' }, // resnet-small block2a
      { x: [2, 28, 28, 16], filter: [1, 1, 16, 32], strides: [2, 2], pad: 'same' }, // resnet-small shortcut
      { x: [3, 13, 11, 5], filter: [5, 4, 5, 7], strides: [3, 2], pad: 'valid' },
      { x: [2, 9, 10, 3], filter: [3, 3, 3, 6], strides: [2, 1], pad: [[0, 0], [3, 0], [1, 2], [0, 0]] },
    ];
    for (const [i, c] of cases.entries()) {
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
      const inputs = {
        dy: { shape: info.outShape, values: randomValues(info.outShape.reduce((a, b) => a * b, 1), 31 + i) },
        filter: { shape: c.filter, values: randomValues(c.filter.reduce((a, b) => a * b, 1), 47 + i) },
      };
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      await assertWasmMatchesCpu('Conv2DBackpropInput', inputs, attrs, { what: `Conv2DBackpropInput ${c.x.join('×')} * ${c.filter.join('×')} stride ${c.strides}`, shape: c.x });
    }
  });

  test('DepthwiseConv2dNativeBackpropFilter, with channel multipliers and dilations', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb({ dilated: true }).map(asDepthwise), async (c) => {
        const info = geometry(c, true);
        const x = randomValues(c.batch * c.inHeight * c.inWidth * c.inChannels, c.seed);
        const dy = randomValues(info.outShape.reduce((a, b) => a * b, 1), c.seed + 1);
        const inputs = { x: { shape: [c.batch, c.inHeight, c.inWidth, c.inChannels], values: x }, dy: { shape: info.outShape, values: dy } };
        const filterShape = [c.filterHeight, c.filterWidth, c.inChannels, info.outChannels / c.inChannels];
        const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad, dimRoundingMode: c.dimRoundingMode, filterShape };
        await assertWasmMatchesSum('DepthwiseConv2dNativeBackpropFilter', inputs, attrs, { shape: filterShape, bySum: depthwiseFilterGradientBySum(c, x, dy), cpuToo: c.dilations.every((d) => d === 1) });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('DepthwiseConv2dNativeBackpropInput, with channel multipliers and dilations', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb({ dilated: true }).map(asDepthwise), async (c) => {
        const info = geometry(c, true);
        const multiplier = info.outChannels / c.inChannels;
        const dy = randomValues(info.outShape.reduce((a, b) => a * b, 1), c.seed);
        const w = randomValues(c.filterHeight * c.filterWidth * c.inChannels * multiplier, c.seed + 1);
        const inputShape = [c.batch, c.inHeight, c.inWidth, c.inChannels];
        const inputs = { dy: { shape: info.outShape, values: dy }, filter: { shape: [c.filterHeight, c.filterWidth, c.inChannels, multiplier], values: w } };
        const attrs = { strides: c.strides, dilations: c.dilations, pad: c.pad, dimRoundingMode: c.dimRoundingMode, inputShape };
        await assertWasmMatchesSum('DepthwiseConv2dNativeBackpropInput', inputs, attrs, { shape: inputShape, bySum: depthwiseInputGradientBySum(c, dy, w), cpuToo: c.dilations.every((d) => d === 1) });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('corrected kernels', () => {
  const poolArb = fc
    .record({
      batch: fc.integer({ min: 1, max: 3 }),
      height: fc.integer({ min: 1, max: 9 }),
      width: fc.integer({ min: 1, max: 9 }),
      channels: fc.integer({ min: 1, max: 3 }),
      filter: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      // Windows that tile the input (the MaxPooling2D default) and windows that overlap.
      tiled: fc.boolean(),
      strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      pad: fc.constantFrom<'valid' | 'same' | number>('valid', 'same', 0, 1),
      seed: fc.integer(),
    })
    .filter((c) => {
      const strides = c.tiled ? c.filter : c.strides;
      if (typeof c.pad === 'number' && c.pad * 2 >= Math.min(...c.filter)) return false;
      try {
        const info = tf.backend_util.computePool2DInfo([c.batch, c.height, c.width, c.channels], c.filter, strides, 1, c.pad);
        return info.outHeight > 0 && info.outWidth > 0;
      } catch {
        return false;
      }
    });

  test('MaxPoolGrad on wasm routes dy like cpu, negative windows and ties included', async () => {
    await fc.assert(
      fc.asyncProperty(poolArb, async (c) => {
        const strides = c.tiled ? c.filter : c.strides;
        const shape = [c.batch, c.height, c.width, c.channels];
        // Values rounded to a few levels, mostly negative, so windows tie and stay below zero.
        const x = randomValues(shape.reduce((a, b) => a * b, 1), c.seed).map((v) => Math.round(v * 3) / 3 - 0.5);
        await tf.setBackend('cpu');
        const pooled = tf.maxPool(tf.tensor4d(x, shape as Shape4D), c.filter, strides, c.pad);
        const output = { shape: pooled.shape, values: pooled.dataSync() as Float32Array };
        pooled.dispose();
        const inputs = {
          dy: { shape: output.shape, values: randomValues(output.values.length, c.seed + 1) },
          input: { shape, values: x },
          output,
        };
        const attrs = { filterSize: c.filter, strides, pad: c.pad };
        await assertWasmMatchesCpu('MaxPoolGrad', inputs, attrs, { shape });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('ResizeNearestNeighborGrad on cpu and wasm sends dy where the forward pass read, for every image', async () => {
    const resizeArb = fc.record({
      batch: fc.integer({ min: 1, max: 3 }),
      inSize: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })),
      outSize: fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })),
      channels: fc.integer({ min: 1, max: 3 }),
      corners: fc.constantFrom([false, false], [true, false], [false, true]),
      seed: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(resizeArb, async (c) => {
        const imagesShape = [c.batch, ...c.inSize, c.channels];
        const dyShape = [c.batch, ...c.outSize, c.channels];
        const dy = randomValues(dyShape.reduce((a, b) => a * b, 1), c.seed);
        const attrs = { alignCorners: c.corners[0], halfPixelCenters: c.corners[1] };
        // The forward kernel, fed every pixel's own index, says which pixel each output read.
        const indices = new Float32Array(imagesShape.reduce((a, b) => a * b, 1)).map((_, i) => i);
        const read = await runKernelOn('cpu', 'ResizeNearestNeighbor', { images: { shape: imagesShape, values: indices } }, { ...attrs, size: c.outSize });
        const expected = new Float32Array(indices.length);
        read.values.forEach((source, o) => (expected[source]! += dy[o]!));
        const inputs = {
          images: { shape: imagesShape, values: new Float32Array(indices.length) },
          dy: { shape: dyShape, values: dy },
        };
        for (const backend of ['cpu', 'wasm'] as const) {
          const actual = await runKernelOn(backend, 'ResizeNearestNeighborGrad', inputs, attrs);
          assert.deepEqual(actual.shape, imagesShape);
          assertClose(actual.values, expected, `ResizeNearestNeighborGrad on ${backend}`);
          assert.equal(actual.leaked, 0, 'tensors leaked');
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('FusedBatchNorm broadcasts its parameters along any axes', () => {
  /** A parameter's index for the input's flat index i: its shape is right-aligned against the input's, 1s broadcast. */
  function broadcastIndex(param: number[], shape: number[], i: number): number {
    let index = 0;
    let stride = 1;
    let rest = i;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const position = rest % shape[axis]!;
      rest = Math.floor(rest / shape[axis]!);
      const p = axis - (shape.length - param.length);
      if (p < 0) continue;
      if (param[p] !== 1) index += position * stride;
      stride *= param[p]!;
    }
    return index;
  }

  const caseArb = fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      // Which input axes the parameters vary along; rank 1 means the last axis only, as tfjs-layers passes it.
      keep: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      rankOne: fc.boolean(),
      seed: fc.integer(),
    })
    .map(({ shape, keep, rankOne, seed }) => ({ shape, seed, param: rankOne ? [shape.at(-1)!] : shape.map((d, i) => (keep[i] ? d : 1)) }));

  test('forward and gradients on cpu and wasm equal the formula written out', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ shape, param, seed }) => {
        const size = shape.reduce((a, b) => a * b, 1);
        const paramSize = param.reduce((a, b) => a * b, 1);
        const x = randomValues(size, seed);
        const dy = randomValues(size, seed + 1);
        const mean = randomValues(paramSize, seed + 2);
        const variance = randomValues(paramSize, seed + 3).map((v) => v + 1.5);
        const scale = randomValues(paramSize, seed + 4);
        const offset = randomValues(paramSize, seed + 5);
        const epsilon = 0.01;
        const expected = { y: new Float32Array(size), dx: new Float32Array(size), dMean: new Float32Array(paramSize), dVariance: new Float32Array(paramSize), dScale: new Float32Array(paramSize), dOffset: new Float32Array(paramSize) };
        for (let i = 0; i < size; i++) {
          const p = broadcastIndex(param, shape, i);
          const inverse = 1 / Math.sqrt(variance[p]! + epsilon);
          const centred = x[i]! - mean[p]!;
          expected.y[i] = centred * inverse * scale[p]! + offset[p]!;
          expected.dx[i] = dy[i]! * scale[p]! * inverse;
          expected.dMean[p]! -= dy[i]! * scale[p]! * inverse;
          expected.dVariance[p]! += dy[i]! * scale[p]! * centred * -0.5 * inverse ** 3;
          expected.dScale[p]! += dy[i]! * centred * inverse;
          expected.dOffset[p]! += dy[i]!;
        }
        for (const backend of ['cpu', 'wasm'] as const) {
          await tf.setBackend(backend);
          const before = tf.memory().numTensors;
          const actual = tf.tidy(() => {
            const t = (values: Float32Array, s: number[]) => tf.tensor(values, s);
            const inputs = [t(x, shape), t(mean, param), t(variance, param), t(scale, param), t(offset, param)];
            const f = (xi: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.batchNorm(xi, m, v, o, s, epsilon);
            const y = f(...(inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]));
            const grads = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...(args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])), t(dy, shape))))(inputs);
            return [y, ...grads].map((g) => g.dataSync() as Float32Array);
          });
          const what = `${backend}, x [${shape}], parameters [${param}]`;
          const names = ['y', 'dx', 'dMean', 'dVariance', 'dScale', 'dOffset'] as const;
          names.forEach((name, i) => assertClose(actual[i]!, expected[name], `${what}: ${name}`));
          assert.equal(tf.memory().numTensors, before, 'tensors leaked');
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('faster wasm kernels match the cpu backend', () => {
  const shapeArb = (minRank: number, maxRank: number) =>
    fc.array(fc.integer({ min: 1, max: 5 }), { minLength: minRank, maxLength: maxRank });
  const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

  test('BatchMatMul with and without transposed operands, batch broadcasting included', async () => {
    const arb = fc.record({
      batchA: fc.constantFrom<number[]>([], [1], [3], [2, 2]),
      broadcastB: fc.boolean(),
      m: fc.integer({ min: 1, max: 6 }),
      k: fc.integer({ min: 1, max: 6 }),
      n: fc.integer({ min: 1, max: 6 }),
      transposeA: fc.boolean(),
      transposeB: fc.boolean(),
      seed: fc.integer(),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const batchB = c.broadcastB && c.batchA.length > 0 ? c.batchA.map(() => 1) : c.batchA;
        const aShape = [...c.batchA, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])];
        const bShape = [...batchB, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])];
        const inputs = {
          a: { shape: aShape, values: randomValues(sizeOf(aShape), c.seed) },
          b: { shape: bShape, values: randomValues(sizeOf(bShape), c.seed + 1) },
        };
        const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
        await assertWasmMatchesCpu('BatchMatMul', inputs, attrs);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  for (const kernel of ['Sum', 'Mean'] as const) {
    test(`${kernel} over any axes, leading runs (the fast path) and others`, async () => {
      const arb = shapeArb(1, 5).chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          // Half the cases reduce a leading run of axes, the rest any subset (negative axes too).
          axis: fc.oneof(
            fc.integer({ min: 1, max: shape.length }).map((k) => [...Array(k).keys()]),
            fc.subarray([...Array(shape.length).keys()]).map((axes) => axes.map((a) => (a % 2 ? a - shape.length : a))),
          ),
          keepDims: fc.boolean(),
          seed: fc.integer(),
        }),
      );
      await fc.assert(
        fc.asyncProperty(arb, async (c) => {
          const inputs = { x: { shape: c.shape, values: randomValues(sizeOf(c.shape), c.seed) } };
          const attrs = { axis: c.axis, keepDims: c.keepDims };
          await assertWasmMatchesCpu(kernel, inputs, attrs);
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }

  test('Tile with any repetitions of any rank', async () => {
    const arb = shapeArb(0, 5).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        reps: fc.tuple(...shape.map(() => fc.integer({ min: 1, max: 3 }))),
        seed: fc.integer(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const inputs = { x: { shape: c.shape, values: randomValues(sizeOf(c.shape), c.seed) } };
        await assertWasmMatchesCpu('Tile', inputs, { reps: c.reps });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('Add, Sub, Multiply and RealDiv with one operand repeating along the other\'s leading axes, either side', async () => {
    // The fast path takes per-channel operands ([C], [1,1,1,C], [H,W,C]…) and equal shapes; the rest (true
    // two-sided broadcasts, scalars) goes to the package's kernels and must agree too.
    const arb = shapeArb(1, 4).chain((big) =>
      fc.record({
        big: fc.constant(big),
        // Keep a trailing run of big's axes, with ones in front or not; or anything broadcastable.
        small: fc.oneof(
          fc.integer({ min: 0, max: big.length }).chain((keep) =>
            fc.integer({ min: 0, max: 2 }).map((ones) => [...Array(ones).fill(1), ...big.slice(big.length - keep)]),
          ),
          fc.tuple(...big.map((d) => fc.constantFrom(1, d))),
        ),
        kernel: fc.constantFrom('Add', 'Sub', 'Multiply', 'RealDiv'),
        smallFirst: fc.boolean(),
        bigChannels: fc.integer({ min: 1, max: 37 }),
        seed: fc.integer(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        // Widen the last axis sometimes, to reach the kernel's four-lane loop and its tail.
        const big = [...c.big.slice(0, -1), c.big.at(-1)! * (c.bigChannels % 5 === 0 ? c.bigChannels : 1)];
        const drawn: number[] = [...c.small];
        const small = drawn.map((d, i) => (i === drawn.length - 1 && d === c.big.at(-1) ? big.at(-1)! : d));
        const bigInput = { shape: big, values: randomValues(sizeOf(big), c.seed) };
        // Divisors kept away from zero.
        const smallInput = { shape: small, values: randomValues(sizeOf(small), c.seed + 1).map((v) => v + Math.sign(v || 1) * 0.5) };
        const inputs = c.smallFirst ? { a: smallInput, b: bigInput } : { a: bigInput, b: smallInput };
        await assertWasmMatchesCpu(c.kernel, inputs, {}, { what: `${c.kernel} [${inputs.a.shape}] [${inputs.b.shape}]` });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('Identity and same-dtype Cast share memory, and the memory lives until the last holder is disposed', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numBytes;
    const original = tf.tensor([1.5, -2, 3], [3]);
    const clone = tf.clone(original);
    const cast = tf.cast(original, 'float32');
    const asInt = tf.cast(original, 'int32');
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number }; has(id: object): boolean } };
    const shared = original.dataId;
    const offset = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId).memoryOffset;
    assert.equal(offset(clone), offset(original), 'Identity copied the tensor');
    assert.equal(offset(cast), offset(original), 'Cast to float32 copied a float32 tensor');
    assert.notEqual(offset(asInt), offset(original), 'Cast to int32 must convert into new memory');
    assert.deepEqual([...(asInt.dataSync() as Int32Array)], [1, -2, 3]);
    original.dispose();
    assert.deepEqual([...(clone.dataSync() as Float32Array)], [1.5, -2, 3], 'the clone lost its values with the original');
    clone.dispose();
    assert.deepEqual([...(cast.dataSync() as Float32Array)], [1.5, -2, 3]);
    tf.dispose([cast, asInt]);
    assert.equal(tf.memory().numBytes, before, 'memory not released');
    assert.equal(backend.dataIdMap.has(shared), false, 'the wasm heap still holds the shared tensor');
  });

  test('Reverse over any axes of any rank', async () => {
    const arb = shapeArb(0, 5).chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        dims: fc.subarray([...Array(shape.length).keys()]),
        seed: fc.integer(),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async (c) => {
        const inputs = { x: { shape: c.shape, values: randomValues(sizeOf(c.shape), c.seed) } };
        await assertWasmMatchesCpu('Reverse', inputs, { dims: c.dims });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
