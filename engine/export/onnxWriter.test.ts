/**
 * The ONNX writer (onnx/toOnnx.ts, onnx/onnxGraph.ts) layer by layer: every
 * graph of testing/writerCases.ts is built as a real tfjs model, exported,
 * run in onnxruntime-node and compared with what TensorFlow.js computes on
 * the same random batch; the file's header (opset, input and output, metadata)
 * is read back with the ONNX protobuf schema; what the writer refuses, it
 * refuses with an error naming the layer. Seconds, not the minute of
 * parity.test.ts: the mutation run of the `onnx` module uses this file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { chain } from '../testing/graphs.js';
import { buildCase, largestDifference, unsupportedLayer, writerCases, type BuiltCase } from '../testing/writerCases.js';
import { describeModel, type DescribedLayer, type ModelDescription } from '../model/modelDescription.js';
import { buildModel } from '../graph/tfjs/build.js';
import { ONNX_INPUT_NAME, ONNX_OPSET, ONNX_OUTPUT_NAME, toOnnx } from './onnx/toOnnx.js';
import { onnx } from './onnx/onnxGraph.js';
import { onnxConsumerWarnings } from './onnx/consumers.js';

const TOLERANCE = 1e-4;
const cases = writerCases().filter((c) => c.exportsTo.includes('onnx'));
const built = new Map<string, BuiltCase>();

before(async () => {
  await tf.setBackend('cpu');
  for (const [i, c] of cases.entries()) built.set(c.name, await buildCase(c, i + 1));
});

after(() => {
  for (const b of built.values()) {
    b.x.dispose();
    b.model.dispose();
  }
});

async function runOnnx(bytes: Uint8Array, x: tf.Tensor): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [ONNX_INPUT_NAME]: new ort.Tensor('float32', (await x.data()) as Float32Array, x.shape) });
    const output = result[ONNX_OUTPUT_NAME]!;
    return { dims: output.dims, data: output.data as Float32Array };
  } finally {
    await session.release();
  }
}

/** The ONNX file as plain data (protobufjs' toObject: every field present, int64s as numbers). */
interface Decoded {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsetImport: { domain: string; version: number }[];
  metadataProps: { key: string; value: string }[];
  graph: {
    name: string;
    node: { opType: string; name: string; input: string[]; output: string[]; attribute: { name: string; ints: number[] }[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
    input: DecodedValue[];
    output: DecodedValue[];
  };
}
interface DecodedValue {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: { dimParam: string; dimValue: number }[] } } };
}

function decoded(bytes: Uint8Array): Decoded {
  return onnx.ModelProto.toObject(onnx.ModelProto.decode(bytes), { defaults: true, arrays: true, longs: Number }) as unknown as Decoded;
}

/** The case's description with one layer changed, as a model converted from elsewhere could describe it. */
function changed(b: BuiltCase, layerName: string, change: (layer: DescribedLayer) => void): ModelDescription {
  const layers = b.description.layers.map((l) => (l.name === layerName ? { ...l, config: { ...l.config } } : l));
  change(layers.find((l) => l.name === layerName)!);
  return { ...b.description, layers };
}

describe('onnxruntime computes what TensorFlow.js computes, layer by layer', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const b = built.get(c.name)!;
      const out = await runOnnx(toOnnx(b.description), b.x);
      assert.deepEqual([...out.dims], b.outputShape, 'output shape');
      const difference = largestDifference(b.expected, out.data);
      assert.ok(difference <= TOLERANCE, `ONNX differs from tfjs by ${difference}`);
    });
  }
});

describe('the file around the graph', () => {
  test('opset 13, IR 7, the producer, the metadata, and an NHWC input and output with a free batch size', () => {
    const b = built.get('Conv2D valid, relu')!;
    const model = decoded(toOnnx(b.description, { metadata: { classes: '["a","b"]', preprocessing: 'zero-one' }, producerVersion: '1.2.3' }));
    assert.equal(model.irVersion, 7);
    assert.deepEqual(model.opsetImport.map((o) => [o.domain, o.version]), [['', ONNX_OPSET]]);
    assert.equal(ONNX_OPSET, 13);
    assert.equal(model.producerName, 'Convnet Studio');
    assert.equal(model.producerVersion, '1.2.3');
    assert.deepEqual(model.metadataProps.map((p) => [p.key, p.value]), [['classes', '["a","b"]'], ['preprocessing', 'zero-one']]);
    const graph = model.graph;
    assert.equal(graph.name, 'convnet_studio');
    const dims = (v: DecodedValue) => v.type.tensorType.shape.dim.map((d) => d.dimParam || d.dimValue);
    assert.deepEqual(graph.input.map((v) => v.name), [ONNX_INPUT_NAME]);
    assert.equal(graph.input[0]!.type.tensorType.elemType, onnx.TensorProto.DataType.FLOAT);
    assert.deepEqual(dims(graph.input[0]!), ['batch', 5, 4, 2]);
    assert.deepEqual(graph.output.map((v) => v.name), [ONNX_OUTPUT_NAME]);
    assert.deepEqual(dims(graph.output[0]!), ['batch', 3, 2, 3]);
    // The output is an Identity of the last value, so consumers find it by its documented name.
    const last = graph.node.at(-1)!;
    assert.equal(last.opType, 'Identity');
    assert.deepEqual(last.output, [ONNX_OUTPUT_NAME]);
    // Every tensor name is unique, and every node names its output and operator.
    const outputs = graph.node.flatMap((n) => n.output);
    assert.equal(new Set([...outputs, ...graph.initializer.map((t) => t.name)]).size, outputs.length + graph.initializer.length);
    for (const n of graph.node) assert.equal(n.name, `${n.output[0]}_${n.opType}`);
  });

  test('without options: no metadata and an empty producer version', () => {
    const model = decoded(toOnnx(built.get('Conv2D valid, relu')!.description));
    assert.equal(model.producerVersion, '');
    assert.deepEqual(model.metadataProps, []);
  });

  test('weights are little-endian float32 in ONNX layouts: a 1×1 Conv2D kernel [1, 1, in, out] becomes [out, in, 1, 1]', () => {
    const b = built.get('GlobalAveragePooling2D after a convolution')!;
    const layer = b.description.layers.find((l) => l.className === 'Conv2D')!;
    const kernel = layer.weights.get('kernel')!;
    const graph = decoded(toOnnx(b.description)).graph;
    const written = graph.initializer.find((t) => t.name === `${layer.name}_kernel`)!;
    assert.deepEqual(written.dims, [3, 2, 1, 1]);
    assert.equal(written.dataType, onnx.TensorProto.DataType.FLOAT);
    const view = new DataView(written.rawData.buffer, written.rawData.byteOffset, written.rawData.byteLength);
    const values = Array.from({ length: 6 }, (_, i) => view.getFloat32(i * 4, true));
    // kernel[0][0][in][out] at in·3 + out; ONNX's [out][in] at out·2 + in.
    for (let out = 0; out < 3; out++) for (let input = 0; input < 2; input++) assert.equal(values[out * 2 + input], kernel.data[input * 3 + out]);
  });

  test('a convolution chain transposes to NCHW once and back once, before the Flatten', () => {
    const b = built.get('Dropout and SpatialDropout2D')!;
    const transposes = decoded(toOnnx(b.description)).graph.node.filter((n) => n.opType === 'Transpose');
    assert.deepEqual(
      transposes.map((n) => n.attribute.find((a) => a.name === 'perm')!.ints),
      [[0, 3, 1, 2], [0, 2, 3, 1]],
    );
  });

  test('every value is named after its layer: an Activation layer\'s by the layer, a fused activation\'s as <layer>_<activation>', () => {
    // What Netron shows, and what a consumer asks for to read an intermediate value.
    const nodes = (name: string) => decoded(toOnnx(built.get(name)!.description)).graph.node.map((n) => `${n.opType}:${n.output[0]}`).join(' ');
    const initializers = (name: string) => decoded(toOnnx(built.get(name)!.description)).graph.initializer.map((t) => t.name).join(' ');
    assert.equal(nodes('Conv2D valid, relu'), 'Transpose:input_nchw Conv:l1 Relu:l1_relu Transpose:l1_relu_nhwc Identity:output');
    assert.equal(nodes('Activation linear after a convolution'), 'Transpose:input_nchw Conv:l1 Transpose:l1_nhwc Identity:output');
    assert.equal(nodes('Activation relu after a convolution'), 'Transpose:input_nchw Conv:l1 Relu:l2 Transpose:l2_nhwc Identity:output');
    assert.equal(nodes('Activation relu6 after a convolution'), 'Transpose:input_nchw Conv:l1 Relu:l2_relu Mul:l2_zeros Add:l2_sixes Min:l2 Transpose:l2_nhwc Identity:output');
    assert.equal(initializers('Activation relu6 after a convolution'), 'l1_kernel l1_bias l2_zero l2_six');
    assert.equal(nodes('Activation elu after a convolution'), 'Transpose:input_nchw Conv:l1 Elu:l2 Transpose:l2_nhwc Identity:output');
    assert.equal(nodes('Activation selu after a convolution'), 'Transpose:input_nchw Conv:l1 Selu:l2 Transpose:l2_nhwc Identity:output');
    assert.equal(nodes('Activation softmax after a convolution'), 'Transpose:input_nchw Conv:l1 Transpose:l1_nhwc Softmax:l2 Identity:output');
    assert.equal(nodes('Activation swish after a convolution'), 'Transpose:input_nchw Conv:l1 Sigmoid:l2_gate Mul:l2 Transpose:l2_nhwc Identity:output');
    assert.equal(nodes('Activation gelu after a convolution'), 'Transpose:input_nchw Conv:l1 Div:l2_scaled Erf:l2_erf Add:l2_one_plus Mul:l2_cdf Mul:l2 Transpose:l2_nhwc Identity:output');
    assert.equal(initializers('Activation gelu after a convolution'), 'l1_kernel l1_bias l2_sqrt2 l2_one l2_half');
    assert.equal(nodes('Dense with relu'), 'MatMul:l1_matmul Add:l1 Relu:l1_relu Identity:output');
    assert.equal(nodes('Dense with softmax'), 'MatMul:l1_matmul Add:l1 Softmax:l1_softmax Identity:output');
    assert.equal(nodes('Dense with gelu'), 'MatMul:l1_matmul Add:l1 Div:l1_gelu_scaled Erf:l1_gelu_erf Add:l1_gelu_one_plus Mul:l1_gelu_cdf Mul:l1_gelu Identity:output');
    assert.equal(initializers('Dense with gelu'), 'l1_kernel l1_bias l1_gelu_sqrt2 l1_gelu_one l1_gelu_half');
    assert.equal(nodes('Dense without bias'), 'MatMul:l1 Identity:output');
  });

  test('an NCHW value needed in NHWC twice is transposed once', () => {
    const b = built.get('Add, Multiply and Concatenate of three inputs in mixed layouts')!;
    const transposes = decoded(toOnnx(b.description)).graph.node.filter((n) => n.opType === 'Transpose');
    const sources = transposes.map((n) => n.input[0]);
    assert.equal(new Set(sources).size, sources.length, `transposed more than once: ${sources.join(', ')}`);
  });
});

describe('names the graph itself uses', () => {
  test('layers named "input" and "output" do not take the names of the graph\'s input and output', async () => {
    const graph = chain([6], [{ id: 'a', type: 'Dense', params: { units: 4, activation: 'relu' } }, { id: 'b', type: 'Dense', params: { units: 3 } }]);
    graph.nodes.find((n) => n.id === 'input')!.name = 'pixels';
    graph.nodes.find((n) => n.id === 'a')!.name = 'input';
    graph.nodes.find((n) => n.id === 'b')!.name = 'output';
    const b = await buildCase({ name: 'reserved names', graph, exportsTo: ['onnx'] }, 77);
    try {
      assert.deepEqual(b.description.layers.map((l) => l.name), ['pixels', 'input', 'output']);
      const out = await runOnnx(toOnnx(b.description), b.x);
      assert.ok(largestDifference(b.expected, out.data) <= TOLERANCE);
      const outputs = decoded(toOnnx(b.description)).graph.node.map((n) => n.output[0]);
      assert.deepEqual(outputs, ['input_matmul', 'input_1', 'input_relu', 'output_matmul', 'output_1', 'output']);
    } finally {
      b.x.dispose();
      b.model.dispose();
    }
  });
});

describe('what the writer refuses, it refuses naming the layer', () => {
  test('a layer type without an ONNX translation', () => {
    const b = built.get('Dense without bias')!;
    assert.throws(
      () => toOnnx(changed(b, 'l1', (l) => (l.className = 'Lambda'))),
      unsupportedLayer('Layer "l1" (Lambda) cannot be exported to ONNX: the exporter has no ONNX translation for this layer type.'),
    );
  });

  test('an activation no exporter writes', () => {
    const b = built.get('Dense with relu')!;
    assert.throws(
      () => toOnnx(changed(b, 'l1', (l) => (l.config['activation'] = 'hard_sigmoid'))),
      unsupportedLayer(
        'Layer "l1" (Dense) cannot be exported to ONNX: its activation "hard_sigmoid" has no counterpart there (supported: linear, relu, relu6, elu, selu, sigmoid, tanh, softmax, swish, gelu).',
      ),
    );
  });

  test('BatchNormalization and LayerNormalization over several axes', () => {
    const bn = built.get('BatchNormalization on the input, without scale')!;
    assert.throws(() => toOnnx(changed(bn, 'l1', (l) => (l.config['axis'] = [1, 2]))), unsupportedLayer('Layer "l1" (BatchNormalization) cannot be exported to ONNX: BatchNormalization over several axes is not supported.'));
    const ln = built.get('LayerNormalization over the last axis of [rows, features]')!;
    assert.throws(() => toOnnx(changed(ln, 'l1', (l) => (l.config['axis'] = [1, 2]))), unsupportedLayer('Layer "l1" (LayerNormalization) cannot be exported to ONNX: LayerNormalization over several axes is not supported.'));
  });

  test('a normalisation over a non-channel axis of a value of rank 5', () => {
    // tfjs cannot run this layer either (its batchNormalization stops at rank 4); it builds, and the writer says why it stops.
    const model = buildModel(chain([2, 3, 4, 2], [{ type: 'LayerNormalization', params: { axis: 1 } }]), { seed: 1 });
    try {
      assert.throws(
        () => toOnnx(describeModel(model)),
        unsupportedLayer('Layer "l1" (LayerNormalization) cannot be exported to ONNX: it normalises a value of rank 5 (with the batch); the export handles rank 4 at most.'),
      );
    } finally {
      model.dispose();
    }
  });
});

describe('descriptions from elsewhere', () => {
  test('a Rescaling without an offset adds nothing', async () => {
    const b = built.get('Rescaling with scale and offset')!;
    const out = await runOnnx(toOnnx(changed(b, 'l1', (l) => delete l.config['offset'])), b.x);
    const twice = (await b.x.data()) as Float32Array;
    assert.ok(largestDifference(twice.map((v) => 2 * v), out.data) <= 1e-6);
  });
});

describe('what the export says about consumers', () => {
  test('a model with a [rows, features] input is flagged for OpenCV, an image model is not', () => {
    assert.deepEqual(onnxConsumerWarnings(built.get('LayerNormalization over the last axis of [rows, features]')!.description), [
      'ONNX: layer "input" (InputLayer) in OpenCV DNN 4.6 (cv2.dnn.readNetFromONNX): from Python, cv2 reads a 3-D array as an image with channels; ' +
        'feed the input [batch, 3, 4] as [batch, 3, 4, 1].',
    ]);
    assert.deepEqual(onnxConsumerWarnings(built.get('Conv2D valid, relu')!.description), []);
    assert.deepEqual(onnxConsumerWarnings(built.get('Dense without bias')!.description), []);
  });
});
