/**
 * A described model as an ONNX model (opset 13). The input keeps the
 * studio's layout, NHWC float32 [batch, height, width, channels], so the
 * same preprocessed pixels feed TensorFlow.js and ONNX alike; the graph
 * transposes to NCHW where ONNX's convolutions and poolings need it and back
 * before anything that depends on the order of values (Flatten, Reshape,
 * Dense, softmax), so the trained Dense weights apply unchanged.
 *
 * Every operator is written in a form that onnxruntime, the ONNX checker with
 * shape inference and OpenCV DNN 4.6 all accept and compute alike, chosen by
 * running each form in each of them (onnxConsumers.test.ts); consumers.ts says
 * at export time what still needs telling.
 *
 * Over 400 lines on purpose: `convertLayer` is one `case` per layer type, so a
 * new layer's ONNX translation goes in one place beside the others (the same
 * list toKeras.ts and toPytorch.ts keep); the graph plumbing is onnxGraph.ts.
 */
import { depthwiseToGrouped, hwioToOihw } from '../arrays.js';
import { activationOf, cannotExport } from '../formats.js';
import {
  configAxes,
  configPair,
  configSides,
  requireChannelsLast,
  requireWeight,
  windowPadding,
  type DescribedLayer,
  type ModelDescription,
} from '../../model/modelDescription.js';
import { onnx, OnnxGraph, type Value } from './onnxGraph.js';
import { transposedConvolutionCrop } from '../transposedConvolution.js';

export const ONNX_OPSET = 13;
export const ONNX_INPUT_NAME = 'input';
export const ONNX_OUTPUT_NAME = 'output';

/** Keras' SELU constants (tfjs uses the same). */
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

export interface OnnxExportOptions {
  /** Written into the model's metadata_props (class names, preprocessing). */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

export function toOnnx(model: ModelDescription, options: OnnxExportOptions = {}): Uint8Array {
  const g = new OnnxGraph();
  // Both before any layer: a layer named "input" or "output" (Keras models often have one) gets another name.
  g.reserve(ONNX_INPUT_NAME);
  g.reserve(ONNX_OUTPUT_NAME);
  const values = new Map<string, Value>();
  for (const layer of model.layers) {
    const inputs = layer.inputs.map((name) => values.get(name)!);
    values.set(layer.name, convertLayer(g, layer, inputs));
  }
  const last = g.canonical(values.get(model.outputName)!);
  g.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [last.name], output: [ONNX_OUTPUT_NAME], name: 'output_Identity' }));

  const graph = onnx.GraphProto.create({
    name: 'convnet_studio',
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(ONNX_INPUT_NAME, model.inputShape)],
    output: [valueInfo(ONNX_OUTPUT_NAME, model.outputShape)],
  });
  const proto = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'Convnet Studio',
    producerVersion: options.producerVersion ?? '',
    graph,
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(proto).finish();
}

function valueInfo(name: string, shape: number[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: [{ dimParam: 'batch' }, ...shape.map((d) => ({ dimValue: d }))] },
      },
    },
  });
}

function convertLayer(g: OnnxGraph, layer: DescribedLayer, inputs: Value[]): Value {
  const x = inputs[0]!;
  const n = layer.name;
  const rank = layer.outputShape.length + 1;
  requireChannelsLast(layer);
  switch (layer.className) {
    case 'InputLayer':
      return { name: ONNX_INPUT_NAME, rank, layout: rank === 4 ? 'nhwc' : 'plain' };

    case 'Conv2D': {
      const kernel = requireWeight(layer, 'kernel');
      const w = hwioToOihw(kernel.data, kernel.shape);
      const size = configPair(layer, 'kernelSize');
      const strides = configPair(layer, 'strides');
      const dilations = configPair(layer, 'dilationRate');
      const out = g.op('Conv', [g.nchw(x).name, g.floats(`${n}_kernel`, w.shape, w.data), ...bias(g, layer)], n, {
        kernel_shape: size,
        strides,
        dilations,
        pads: onnxPads(windowPadding(layer, size, strides, dilations)),
      });
      return activation(g, layer, { name: out, rank: 4, layout: 'nchw' });
    }

    case 'DepthwiseConv2D': {
      const kernel = requireWeight(layer, 'depthwise_kernel');
      const w = depthwiseToGrouped(kernel.data, kernel.shape);
      const size = configPair(layer, 'kernelSize');
      const strides = configPair(layer, 'strides');
      // tfjs' DepthwiseConv2D ignores dilation_rate; the export computes what tfjs computes.
      const out = g.op('Conv', [g.nchw(x).name, g.floats(`${n}_depthwise_kernel`, w.shape, w.data), ...bias(g, layer)], n, {
        kernel_shape: size,
        strides,
        group: kernel.shape[2]!,
        pads: onnxPads(windowPadding(layer, size, strides)),
      });
      return activation(g, layer, { name: out, rank: 4, layout: 'nchw' });
    }

    case 'SeparableConv2D': {
      const depthwise = requireWeight(layer, 'depthwise_kernel');
      const pointwise = requireWeight(layer, 'pointwise_kernel');
      const dw = depthwiseToGrouped(depthwise.data, depthwise.shape);
      const pw = hwioToOihw(pointwise.data, pointwise.shape);
      const size = configPair(layer, 'kernelSize');
      const strides = configPair(layer, 'strides');
      const dilations = configPair(layer, 'dilationRate');
      const spread = g.op('Conv', [g.nchw(x).name, g.floats(`${n}_depthwise_kernel`, dw.shape, dw.data)], `${n}_depthwise`, {
        kernel_shape: size,
        strides,
        dilations,
        group: depthwise.shape[2]!,
        pads: onnxPads(windowPadding(layer, size, strides, dilations)),
      });
      const out = g.op('Conv', [spread, g.floats(`${n}_pointwise_kernel`, pw.shape, pw.data), ...bias(g, layer)], n, { kernel_shape: [1, 1] });
      return activation(g, layer, { name: out, rank: 4, layout: 'nchw' });
    }

    case 'Conv2DTranspose': {
      const kernel = requireWeight(layer, 'kernel');
      // tfjs [kh, kw, out, in] → ONNX ConvTranspose [in, out, kh, kw].
      const w = hwioToOihw(kernel.data, kernel.shape);
      const [kh, kw] = configPair(layer, 'kernelSize');
      const [sh, sw] = configPair(layer, 'strides');
      const same = layer.config['padding'] === 'same';
      const [cropH, extraH] = transposedConvolutionCrop(kh, sh, same);
      const [cropW, extraW] = transposedConvolutionCrop(kw, sw, same);
      // ConvTranspose crops evenly only (OpenCV DNN rejects uneven pads): the even
      // part as pads, what is left over after by a Slice.
      const evenH = Math.min(...cropH);
      const evenW = Math.min(...cropW);
      const uneven = cropH[0] !== cropH[1] || cropW[0] !== cropW[1];
      const out = g.op('ConvTranspose', [g.nchw(x).name, g.floats(`${n}_kernel`, w.shape, w.data), ...bias(g, layer)], uneven ? `${n}_uncropped` : n, {
        kernel_shape: [kh, kw],
        strides: [sh, sw],
        pads: [evenH, evenW, evenH, evenW],
        output_padding: [extraH, extraW],
      });
      let cropped = out;
      if (uneven) {
        const [height, width] = layer.outputShape;
        const top = cropH[0] - evenH;
        const left = cropW[0] - evenW;
        const starts = g.int64s(`${n}_starts`, [top, left]);
        const ends = g.int64s(`${n}_ends`, [top + height!, left + width!]);
        cropped = g.op('Slice', [out, starts, ends, g.int64s(`${n}_axes`, [2, 3])], n);
      }
      return activation(g, layer, { name: cropped, rank: 4, layout: 'nchw' });
    }

    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const size = configPair(layer, 'poolSize');
      const strides = configPair(layer, 'strides');
      const attributes: Record<string, number | number[]> = { kernel_shape: size, strides, pads: onnxPads(windowPadding(layer, size, strides)) };
      // TensorFlow averages over the real pixels of a window only.
      if (layer.className === 'AveragePooling2D') attributes['count_include_pad'] = 0;
      const out = g.op(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', [g.nchw(x).name], n, attributes);
      return { name: out, rank: 4, layout: 'nchw' };
    }

    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      const pooled = g.op(layer.className === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool', [g.nchw(x).name], `${n}_pooled`);
      return { name: g.op('Flatten', [pooled], n, { axis: 1 }), rank: 2, layout: 'plain' };
    }

    case 'BatchNormalization':
      return batchNormalization(g, layer, x);

    case 'LayerNormalization':
      return layerNormalization(g, layer, x);

    case 'Rescaling': {
      const scaled = g.op('Mul', [x.name, g.scalar(`${n}_scale`, Number(layer.config['scale']))], `${n}_scaled`);
      return { ...x, name: g.op('Add', [scaled, g.scalar(`${n}_offset`, Number(layer.config['offset'] ?? 0))], n) };
    }

    // Inference: dropout passes values through.
    case 'Dropout':
    case 'SpatialDropout2D':
      return x;

    case 'Activation':
      return activation(g, layer, x);

    case 'LeakyReLU':
      return { ...x, name: g.op('LeakyRelu', [x.name], n, { alpha: { f: Number(layer.config['alpha']) } }) };

    case 'Flatten':
      return { name: g.op('Flatten', [g.canonical(x).name], n, { axis: 1 }), rank: 2, layout: 'plain' };

    case 'Reshape': {
      // 0 copies the batch size, whatever it is at run time.
      const shape = g.int64s(`${n}_shape`, [0, ...layer.outputShape]);
      return { name: g.op('Reshape', [g.canonical(x).name, shape], n), rank, layout: rank === 4 ? 'nhwc' : 'plain' };
    }

    case 'ZeroPadding2D': {
      const [[top, bottom], [left, right]] = configSides(layer, 'padding');
      const pads = g.int64s(`${n}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
      return { name: g.op('Pad', [g.nchw(x).name, pads], n, { mode: 'constant' }), rank: 4, layout: 'nchw' };
    }

    case 'Cropping2D': {
      const [[top, bottom], [left, right]] = configSides(layer, 'cropping');
      const [height, width] = layer.inputShapes[0]!;
      const starts = g.int64s(`${n}_starts`, [top, left]);
      const ends = g.int64s(`${n}_ends`, [height! - bottom, width! - right]);
      const axes = g.int64s(`${n}_axes`, [2, 3]);
      return { name: g.op('Slice', [g.nchw(x).name, starts, ends, axes], n), rank: 4, layout: 'nchw' };
    }

    case 'UpSampling2D': {
      const [sh, sw] = configPair(layer, 'size');
      const scales = g.floats(`${n}_scales`, [4], [1, 1, sh, sw]);
      // tfjs resizes without half-pixel centres: source = destination / scale.
      const attributes: Record<string, string> =
        layer.config['interpolation'] === 'bilinear'
          ? { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }
          : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
      return { name: g.op('Resize', [g.nchw(x).name, '', scales], n, attributes), rank: 4, layout: 'nchw' };
    }

    case 'Dense': {
      const kernel = requireWeight(layer, 'kernel');
      const input = g.canonical(x);
      let out = g.op('MatMul', [input.name, g.floats(`${n}_kernel`, kernel.shape, kernel.data)], layer.config['useBias'] ? `${n}_matmul` : n);
      if (layer.config['useBias']) {
        const b = requireWeight(layer, 'bias');
        out = g.op('Add', [out, g.floats(`${n}_bias`, b.shape, b.data)], n);
      }
      return activation(g, layer, { name: out, rank, layout: input.layout });
    }

    case 'Add':
    case 'Multiply': {
      const layout = inputs[0]!.layout;
      const names = inputs.map((v) => g.inLayout(v, layout).name);
      if (layer.className === 'Add') return { name: g.op('Sum', names, n), rank, layout };
      let product = names[0]!;
      names.slice(1).forEach((name, i) => {
        product = g.op('Mul', [product, name], i === names.length - 2 ? n : `${n}_partial`);
      });
      return { name: product, rank, layout };
    }

    case 'Concatenate': {
      const layout = inputs[0]!.layout;
      const axisWithBatch = configAxes(layer, rank)[0]!;
      const axis = layout === 'nchw' ? [0, 3, 1, 2].indexOf(axisWithBatch) : axisWithBatch;
      return { name: g.op('Concat', inputs.map((v) => g.inLayout(v, layout).name), n, { axis }), rank, layout };
    }

    default:
      throw cannotExport(layer, 'onnx', 'the exporter has no ONNX translation for this layer type.');
  }
}

function bias(g: OnnxGraph, layer: DescribedLayer): string[] {
  if (!layer.config['useBias']) return [];
  const b = requireWeight(layer, 'bias');
  return [g.floats(`${layer.name}_bias`, b.shape, b.data)];
}

/** [[top, bottom], [left, right]] → ONNX's [top, left, bottom, right]. */
function onnxPads([[top, bottom], [left, right]]: [[number, number], [number, number]]): number[] {
  return [top, left, bottom, right];
}

/** The layer's (fused) activation applied to `x`. */
function activation(g: OnnxGraph, layer: DescribedLayer, x: Value): Value {
  const name = activationOf(layer, 'onnx');
  const n = layer.className === 'Activation' ? layer.name : `${layer.name}_${name}`;
  const unary = (op: string, attributes: Record<string, { f: number }> = {}): Value => ({ ...x, name: g.op(op, [x.name], n, attributes) });
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return unary('Relu');
    case 'relu6': {
      // min(relu(x), 6) with the 6 as a tensor of x's shape (x·0 + 6): opset 13's Clip
      // takes its bounds as inputs, which OpenCV DNN 4.6 rejects, and OpenCV cannot take a
      // constant operand in Min; this form is exact for every finite x and every consumer runs it.
      const relu = g.op('Relu', [x.name], `${n}_relu`);
      const zeros = g.op('Mul', [x.name, g.scalar(`${n}_zero`, 0)], `${n}_zeros`);
      const sixes = g.op('Add', [zeros, g.scalar(`${n}_six`, 6)], `${n}_sixes`);
      return { ...x, name: g.op('Min', [relu, sixes], n) };
    }
    case 'elu':
      return unary('Elu', { alpha: { f: 1 } });
    case 'selu':
      return unary('Selu', { alpha: { f: SELU_ALPHA }, gamma: { f: SELU_SCALE } });
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'softmax': {
      // Over the last axis of the NHWC value, as tfjs does.
      const input = g.canonical(x);
      return { ...input, name: g.op('Softmax', [input.name], n, { axis: -1 }) };
    }
    case 'swish': {
      const gate = g.op('Sigmoid', [x.name], `${n}_gate`);
      return { ...x, name: g.op('Mul', [x.name, gate], n) };
    }
    case 'gelu': {
      // x · ½(1 + erf(x / √2)), the exact form tfjs' 'gelu' computes.
      const scaled = g.op('Div', [x.name, g.scalar(`${n}_sqrt2`, Math.SQRT2)], `${n}_scaled`);
      const erf = g.op('Erf', [scaled], `${n}_erf`);
      const onePlus = g.op('Add', [erf, g.scalar(`${n}_one`, 1)], `${n}_one_plus`);
      const cdf = g.op('Mul', [onePlus, g.scalar(`${n}_half`, 0.5)], `${n}_cdf`);
      return { ...x, name: g.op('Mul', [x.name, cdf], n) };
    }
  }
}

function batchNormalization(g: OnnxGraph, layer: DescribedLayer, x: Value): Value {
  const n = layer.name;
  const rank = x.rank;
  const axes = configAxes(layer, rank);
  if (axes.length !== 1) throw cannotExport(layer, 'onnx', 'BatchNormalization over several axes is not supported.');
  const axis = axes[0]!;
  const epsilon = Number(layer.config['epsilon']);
  const features = layer.inputShapes[0]![axis - 1]!;
  const gamma = layer.config['scale'] === false ? ones(features) : requireWeight(layer, 'gamma').data;
  const beta = layer.config['center'] === false ? new Float32Array(features) : requireWeight(layer, 'beta').data;
  const mean = requireWeight(layer, 'moving_mean').data;
  const variance = requireWeight(layer, 'moving_variance').data;

  // The ONNX operator normalises dimension 1: the channels of NCHW, the features of [N, F];
  // any other axis is moved there first.
  const constants = [gamma, beta, mean, variance].map((data, i) => g.floats(`${n}_${['gamma', 'beta', 'mean', 'variance'][i]}`, [features], data));
  if ((rank === 4 && axis === 3) || (rank === 2 && axis === 1)) {
    const input = rank === 4 ? g.nchw(x) : x;
    return { ...input, name: g.op('BatchNormalization', [input.name, ...constants], n, { epsilon: { f: epsilon } }) };
  }
  const view = featuresFirst(g, layer, x, axis);
  return view.restore(g.op('BatchNormalization', [view.name, ...constants], `${n}_normalised`, { epsilon: { f: epsilon } }));
}

/**
 * The value as 4-D with the feature axis (`axis`, counted with the batch, in
 * TensorFlow.js' layout) at dimension 1, where convolutions, BatchNormalization
 * and per-channel constants of shape [F, 1, 1] apply to it in every consumer
 * (OpenCV DNN broadcasts constants along dimension 1 only); `restore` turns a
 * result of the same 4-D shape back into the layer's output.
 */
function featuresFirst(g: OnnxGraph, layer: DescribedLayer, x: Value, axis: number): { name: string; features: number; restore: (name: string) => Value } {
  const n = layer.name;
  const shape = layer.inputShapes[0]!;
  const features = shape[axis - 1]!;
  if (x.rank > 4) throw cannotExport(layer, 'onnx', `it normalises a value of rank ${x.rank} (with the batch); the export handles rank 4 at most.`);
  if (x.rank === 4 && axis === 3) {
    const input = g.nchw(x);
    return { name: input.name, features, restore: (name) => ({ name, rank: 4, layout: 'nchw' }) };
  }
  const input = g.canonical(x);
  // Ranks 2 and 3 gain trailing dimensions of 1; then the feature axis swaps places with dimension 1.
  const padded = [...shape, 1, 1].slice(0, 3);
  const as4d = x.rank === 4 ? input.name : g.op('Reshape', [input.name, g.int64s(`${n}_as_4d`, [0, ...padded])], `${n}_4d`);
  const swap = [0, 1, 2, 3];
  [swap[1], swap[axis]] = [axis, 1];
  const moved = axis === 1 ? as4d : g.op('Transpose', [as4d], `${n}_features_first`, { perm: swap });
  return {
    name: moved,
    features,
    restore: (name) => {
      const back = axis === 1 ? name : g.op('Transpose', [name], x.rank === 4 ? n : `${n}_features_back`, { perm: swap });
      if (x.rank === 4) return { name: back, rank: 4, layout: 'nhwc' };
      return { name: g.op('Reshape', [back, g.int64s(`${n}_shape`, [0, ...shape])], n), rank: x.rank, layout: 'plain' };
    },
  };
}

/**
 * (x − mean) / √(variance + ε) · γ + β over one axis. The means are 1×1
 * convolutions over the features moved to dimension 1 (weights 1/F), spread
 * back over the features by another (weights 1): OpenCV DNN 4.6 cannot run
 * ReduceMean over channels nor broadcast a [N, 1, …] value against [N, F, …],
 * and the convolutions compute the same sums in every consumer.
 */
function layerNormalization(g: OnnxGraph, layer: DescribedLayer, x: Value): Value {
  const n = layer.name;
  const axes = configAxes(layer, x.rank);
  if (axes.length !== 1) throw cannotExport(layer, 'onnx', 'LayerNormalization over several axes is not supported.');
  const epsilon = Number(layer.config['epsilon']);
  const view = featuresFirst(g, layer, x, axes[0]!);
  const f = view.features;
  const meanWeights = g.floats(`${n}_mean_weights`, [1, f, 1, 1], new Float32Array(f).fill(1 / f));
  const spreadWeights = g.floats(`${n}_spread_weights`, [f, 1, 1, 1], ones(f));
  const mean = (value: string, name: string) => g.op('Conv', [value, meanWeights], name, { kernel_shape: [1, 1] });
  const spread = (value: string, name: string) => g.op('Conv', [value, spreadWeights], name, { kernel_shape: [1, 1] });
  const centred = g.op('Sub', [view.name, spread(mean(view.name, `${n}_mean`), `${n}_mean_spread`)], `${n}_centred`);
  const variance = mean(g.op('Mul', [centred, centred], `${n}_squared`), `${n}_variance`);
  const std = g.op('Sqrt', [g.op('Add', [variance, g.scalar(`${n}_epsilon`, epsilon)], `${n}_variance_eps`)], `${n}_std`);
  let out = g.op('Div', [centred, spread(std, `${n}_std_spread`)], `${n}_normalised`);
  if (layer.config['scale'] !== false) out = g.op('Mul', [out, g.floats(`${n}_gamma`, [f, 1, 1], requireWeight(layer, 'gamma').data)], `${n}_scaled`);
  if (layer.config['center'] !== false) out = g.op('Add', [out, g.floats(`${n}_beta`, [f, 1, 1], requireWeight(layer, 'beta').data)], `${n}_shifted`);
  return view.restore(out);
}

function ones(count: number): Float32Array {
  return new Float32Array(count).fill(1);
}
