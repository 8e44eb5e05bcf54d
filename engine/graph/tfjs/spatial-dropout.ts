/**
 * SpatialDropout2D for tfjs. tfjs-layers has only SpatialDropout1D, and its
 * Dropout fixes `noiseShape` including the batch size at construction, so a
 * whole-channel mask cannot be expressed with stock layers for any batch
 * size. This layer draws one keep/drop decision per (sample, channel) and
 * broadcasts it over height and width, as Keras does. It is registered with
 * tfjs serialization so a saved model that contains it loads again.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export interface SpatialDropout2DArgs {
  rate: number;
  name?: string;
  trainable?: boolean;
}

export class SpatialDropout2D extends tfl.layers.Layer {
  static className = 'SpatialDropout2D';
  readonly rate: number;

  constructor(args: SpatialDropout2DArgs) {
    super(args);
    this.rate = args.rate;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0]! : inputs;
      // Like tfjs' own Dropout: only a training call (fit) drops anything.
      if (kwargs['training'] !== true || this.rate === 0) return tf.clone(input);
      const [batch, , , channels] = input.shape;
      return tf.dropout(input, this.rate, [batch!, 1, 1, channels!]);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}

tf.serialization.registerClass(SpatialDropout2D);
