/**
 * Feature maps: what one node outputs for one image, channel by channel. A
 * convolution's output is a stack of maps, one per filter, each bright where
 * the filter found its pattern; walking down the network shows the image
 * turn into features. Per channel the window gets a small grey image and
 * three figures: mean, max, and the fraction of exact zeros (a channel that
 * is zero everywhere, for most images, is a dead unit).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { greyMapDataUrl } from './images.js';
import { findNode, runLayers, type ModelNode } from './modelNodes.js';
import type { FeatureMaps, ChannelMap } from '../protocol/index.js';
export type { FeatureMaps, ChannelMap } from '../protocol/index.js';

/** Channels sent unless more are asked for: a 64-image grid is what a panel can show. */
export const DEFAULT_MAX_CHANNELS = 64;
/** Feature-map images are enlarged to at least this side so a 3 × 3 map is visible. */
const CHANNEL_IMAGE_MIN_SIDE = 32;

/** The node's output for the images x, as the layers compute it (values, batch first). */
export async function nodeOutput(model: tfl.LayersModel, x: tf.Tensor4D, node: ModelNode): Promise<{ values: Float32Array; shape: number[] }> {
  const output = tf.tidy(() => tf.clone(runLayers(model, x).get(node.outputLayer)!));
  try {
    return { values: (await output.data()) as Float32Array, shape: output.shape };
  } finally {
    output.dispose();
  }
}

/** The feature maps of node `id` for one preprocessed image x [1, H, W, C]. */
export async function featureMaps(model: tfl.LayersModel, x: tf.Tensor4D, id: string, maxChannels = DEFAULT_MAX_CHANNELS): Promise<FeatureMaps> {
  const node = findNode(model, id);
  const { values } = await nodeOutput(model, x, node);
  const spatial = node.shape.length === 3;
  const [height, width] = spatial ? node.shape : [1, 1];
  const channelCount = node.shape.at(-1)!;
  const cells = height! * width!;
  let zeros = 0;
  for (const v of values) if (v === 0) zeros++;
  const channels: ChannelMap[] = [];
  for (let c = 0; c < Math.min(channelCount, maxChannels); c++) {
    const map = new Float32Array(cells);
    for (let p = 0; p < cells; p++) map[p] = values[p * channelCount + c]!;
    let sum = 0;
    let max = -Infinity;
    let channelZeros = 0;
    for (const v of map) {
      sum += v;
      if (v > max) max = v;
      if (v === 0) channelZeros++;
    }
    channels.push({
      channel: c,
      mean: sum / cells,
      max,
      zeroFraction: channelZeros / cells,
      image: spatial ? await greyMapDataUrl(map, width!, height!, CHANNEL_IMAGE_MIN_SIDE) : null,
    });
  }
  return { node: node.id, className: node.className, shape: node.shape, channelCount, zeroFraction: values.length ? zeros / values.length : 0, channels };
}
