/**
 * BatchNormalization and LayerNormalization with `center: false` or
 * `scale: false` train: during each call the missing β reads as zeros and
 * the missing γ as ones, which is the function Keras computes without them.
 *
 * tfjs-layers 4.22 cannot train them at all. BatchNormalization's training
 * path reads `this.gamma.read()` and `this.beta.read()` whether they exist
 * or not. LayerNormalization hands tf.batchNorm a null scale or offset,
 * which the op passes on as an undefined kernel input, and the gradient
 * tape then reads `.id` of it. Both end a training step with "Cannot read
 * properties of undefined". No kernel or gradient registration can reach
 * either: one is in the layer, the other in tfjs-core's tape.
 *
 * The stand-ins are constant tensors made inside the layer's own tidy, never
 * weights: the layer keeps no γ or β, its config still says `center: false`
 * / `scale: false`, and saving, export and weight lists are unchanged. The
 * flags and the nulls are put back when the call returns or throws.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The parts of tfjs-layers' BatchNormalization and LayerNormalization this correction touches. */
interface NormalisationLayer {
  center: boolean;
  scale: boolean;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}

/** The shape γ and β would have for this input. */
type ParameterShape = (layer: NormalisationLayer, input: tf.Tensor) => number[];

const parameterShapes: Record<string, ParameterShape> = {
  // Its moving statistics always exist and have γ's and β's shape.
  BatchNormalization: (layer) => (layer as unknown as { movingMean: { shape: number[] } }).movingMean.shape,
  // build() turned `axis` into a list of non-negative axes.
  LayerNormalization: (layer, input) => (layer as unknown as { axis: number[] }).axis.map((axis) => input.shape[axis]!),
};

const corrected = Symbol('absent normalisation parameters read as constants');

function layerClass(className: string): { prototype: NormalisationLayer } {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry === undefined) throw new Error(`tfjs-layers registered no ${className} class to correct`);
  return entry[0] as unknown as { prototype: NormalisationLayer };
}

function constant(value: 0 | 1, shape: number[]): { read(): tf.Tensor } {
  return { read: () => (value === 1 ? tf.ones(shape) : tf.zeros(shape)) };
}

function withStandIns(prototype: NormalisationLayer, shapeOf: ParameterShape): void {
  const original = prototype.call as NormalisationLayer['call'] & { [corrected]?: true };
  if (original[corrected]) return;
  const call = function (this: NormalisationLayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) {
    if (this.center && this.scale) return original.call(this, inputs, kwargs);
    const shape = shapeOf(this, Array.isArray(inputs) ? inputs[0]! : inputs);
    const own = { center: this.center, scale: this.scale, gamma: this.gamma, beta: this.beta };
    if (!this.center) Object.assign(this, { center: true, beta: constant(0, shape) });
    if (!this.scale) Object.assign(this, { scale: true, gamma: constant(1, shape) });
    try {
      return original.call(this, inputs, kwargs);
    } finally {
      Object.assign(this, own);
    }
  };
  prototype.call = Object.assign(call, { [corrected]: true as const });
}

/** Installs the correction on tfjs-layers' two classes; safe to call any number of times. */
export function correctAbsentNormalisationParameters(): void {
  // Keeps the import: the classes register themselves when tfjs-layers loads.
  void tfl.layers;
  for (const [className, shapeOf] of Object.entries(parameterShapes)) withStandIns(layerClass(className).prototype, shapeOf);
}
