/**
 * A trained tfjs LayersModel as plain data: its layers in the order they
 * compute, each with its Keras class name, its tfjs config, the layers it
 * reads from, its input and output shapes and its weights as float32 arrays.
 * Every exporter (ONNX, PyTorch, Keras) and the importer read this one
 * description, so they all agree on what the model is, whether it was built
 * by the studio or converted from Keras.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { StudioError } from '../errors.js';

export interface WeightArray {
  /** The tfjs/Keras shape, e.g. a Conv2D kernel is [kh, kw, in, out]. */
  shape: number[];
  data: Float32Array;
}

export interface DescribedLayer {
  name: string;
  /** The Keras class name tfjs serialises, e.g. `Conv2D`, `LeakyReLU`, `InputLayer`. */
  className: string;
  /** tfjs' getConfig(): camelCase keys (kernelSize, useBias…). */
  config: Record<string, unknown>;
  /** Names of the layers it reads from, in input order. */
  inputs: string[];
  /** Shapes without the batch dimension. */
  inputShapes: number[][];
  outputShape: number[];
  /** By short weight name: kernel, bias, gamma, beta, moving_mean, moving_variance, depthwise_kernel, pointwise_kernel. */
  weights: Map<string, WeightArray>;
}

export interface ModelDescription {
  /** Topological order: every layer after the layers it reads from; the InputLayer first. */
  layers: DescribedLayer[];
  inputName: string;
  /** [height, width, channels] for image models. */
  inputShape: number[];
  outputName: string;
  outputShape: number[];
}

interface SymbolicLike {
  shape: (number | null)[];
  sourceLayer: tfl.layers.Layer;
  nodeIndex: number;
}

interface NodeLike {
  inputTensors: SymbolicLike[];
}

export function describeModel(model: tfl.LayersModel, what = 'the model'): ModelDescription {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new StudioError(
      `${what} has ${model.inputs.length} inputs and ${model.outputs.length} outputs; the studio handles models with one image input and one output.`,
      'Export a single-input, single-output classifier.',
      'unsupported-model',
    );
  }
  const layers: DescribedLayer[] = [];
  const visited = new Set<string>();
  const visiting = new Set<string>();

  const visit = (tensor: SymbolicLike): void => {
    const layer = tensor.sourceLayer;
    if (visited.has(layer.name)) return;
    if (visiting.has(layer.name)) throw new StudioError(`${what} has a cycle through layer "${layer.name}".`, 'Layer graphs must be acyclic.', 'unsupported-model');
    const nodes = (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes;
    if (nodes.length > 1) {
      throw new StudioError(
        `Layer "${layer.name}" of ${what} is applied ${nodes.length} times (a shared layer); the studio's graphs apply each layer once.`,
        'Give each use of the layer its own layer.',
        'unsupported-model',
      );
    }
    visiting.add(layer.name);
    const node = nodes[tensor.nodeIndex]!;
    const inputs = layer.getClassName() === 'InputLayer' ? [] : node.inputTensors;
    for (const input of inputs) visit(input);
    visiting.delete(layer.name);
    visited.add(layer.name);
    layers.push({
      name: layer.name,
      className: layer.getClassName(),
      config: layer.getConfig() as Record<string, unknown>,
      inputs: inputs.map((t) => t.sourceLayer.name),
      inputShapes: inputs.map((t) => withoutBatch(t.shape)),
      outputShape: withoutBatch(tensor.shape),
      weights: layerWeights(layer),
    });
  };
  const output = model.outputs[0] as unknown as SymbolicLike;
  visit(output);

  const input = layers[0]!;
  if (input.className !== 'InputLayer') {
    throw new StudioError(`${what} does not start with an InputLayer.`, 'Export a model with an input layer.', 'unsupported-model');
  }
  return {
    layers,
    inputName: input.name,
    inputShape: input.outputShape,
    outputName: output.sourceLayer.name,
    outputShape: withoutBatch(output.shape),
  };
}

function withoutBatch(shape: (number | null)[]): number[] {
  return shape.slice(1).map((d) => d ?? -1);
}

function layerWeights(layer: tfl.layers.Layer): Map<string, WeightArray> {
  const weights = new Map<string, WeightArray>();
  const values = layer.getWeights();
  layer.weights.forEach((variable, i) => {
    const short = variable.originalName.split('/').at(-1)!;
    const value = values[i]!;
    weights.set(short, { shape: value.shape.slice(), data: value.dataSync() as Float32Array });
  });
  return weights;
}

/** The layer's weight, or an error naming the layer and the missing weight. */
export function requireWeight(layer: DescribedLayer, short: string): WeightArray {
  const weight = layer.weights.get(short);
  if (!weight) {
    throw new StudioError(
      `Layer "${layer.name}" (${layer.className}) has no "${short}" weight (it has ${[...layer.weights.keys()].join(', ') || 'none'}).`,
      'The model file does not match its layer configuration; re-export it.',
      'weights-mismatch',
    );
  }
  return weight;
}

/** A config value as a pair of ints, whether tfjs stored an int or a list. */
export function configPair(layer: DescribedLayer, key: string): [number, number] {
  const value = layer.config[key];
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2) return [Number(value[0]), Number(value[1])];
  throw new StudioError(`Layer "${layer.name}" has ${key} ${JSON.stringify(value)}; expected an int or a pair.`, 'Re-export the model.', 'unsupported-model');
}

/** [[top, bottom], [left, right]] of ZeroPadding2D / Cropping2D configs. */
export function configSides(layer: DescribedLayer, key: string): [[number, number], [number, number]] {
  const value = layer.config[key];
  if (typeof value === 'number') return [[value, value], [value, value]];
  if (Array.isArray(value) && value.length === 2) {
    const side = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : [Number((v as number[])[0]), Number((v as number[])[1])]);
    return [side(value[0]), side(value[1])];
  }
  throw new StudioError(`Layer "${layer.name}" has ${key} ${JSON.stringify(value)}; expected [[top, bottom], [left, right]].`, 'Re-export the model.', 'unsupported-model');
}

/** The axes (counted with the batch, non-negative) a normalisation layer's axis config names. */
export function configAxes(layer: DescribedLayer, rank: number): number[] {
  const value = layer.config['axis'];
  const list = Array.isArray(value) ? value.map(Number) : [Number(value)];
  return list.map((axis) => (axis < 0 ? axis + rank : axis));
}

/** Same-padding amounts as TensorFlow computes them (the extra pixel goes after). */
export function samePadding(inSize: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const effective = (kernel - 1) * dilation + 1;
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + effective - inSize, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** The [[top, bottom], [left, right]] a window layer pads its input with. */
export function windowPadding(
  layer: DescribedLayer,
  kernel: [number, number],
  strides: [number, number],
  dilation: [number, number] = [1, 1],
): [[number, number], [number, number]] {
  if (layer.config['padding'] !== 'same') return [[0, 0], [0, 0]];
  const [height, width] = layer.inputShapes[0]!;
  return [samePadding(height!, kernel[0], strides[0], dilation[0]), samePadding(width!, kernel[1], strides[1], dilation[1])];
}

export function requireChannelsLast(layer: DescribedLayer): void {
  const format = layer.config['dataFormat'];
  if (format !== undefined && format !== 'channelsLast') {
    throw new StudioError(
      `Layer "${layer.name}" (${layer.className}) uses data_format ${String(format)}; the studio works in channels_last (NHWC).`,
      'Convert the model to channels_last before importing or exporting it.',
      'unsupported-layer',
    );
  }
}
