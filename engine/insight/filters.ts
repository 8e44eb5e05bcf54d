/**
 * What the weights look like: the first convolution's kernels as images
 * (on the raw pixels they are edge, colour and blob detectors, the course's
 * classic picture), and a histogram of every weight array per node (weights
 * that collapse to 0 or spread without bound show here first).
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { pngDataUrl } from '../data/thumbnails.js';
import { encodePng } from './images.js';
import { nodeIdOfLayerName } from './modelNodes.js';
import type { ModelFilters, FilterImages, WeightHistogram } from '../protocol/index.js';
export type { ModelFilters, FilterImages, WeightHistogram } from '../protocol/index.js';

const FILTER_IMAGE_MIN_SIDE = 36;
export const HISTOGRAM_BINS = 30;

export async function modelFilters(model: tfl.LayersModel): Promise<ModelFilters> {
  return { firstConvolution: await firstConvolutionFilters(model), histograms: await weightHistograms(model) };
}

export async function firstConvolutionFilters(model: tfl.LayersModel): Promise<FilterImages | null> {
  const conv = model.layers.find((l) => l.getClassName() === 'Conv2D');
  if (!conv) return null;
  const kernel = conv.getWeights()[0]!;
  const [kh, kw, inChannels, outChannels] = kernel.shape as [number, number, number, number];
  const values = (await kernel.data()) as Float32Array;
  // One symmetric scale for all filters, so their strengths compare and 0 is mid-grey.
  let limit = 0;
  for (const v of values) limit = Math.max(limit, Math.abs(v));
  const toByte = (v: number) => (limit > 0 ? Math.round(127.5 + (127.5 * v) / limit) : 128);
  const colour = inChannels === 3;
  const filters: string[] = [];
  for (let f = 0; f < outChannels; f++) {
    const pixels = new Uint8Array(kh * kw * (colour ? 3 : 1));
    for (let p = 0; p < kh * kw; p++) {
      if (colour) {
        for (let c = 0; c < 3; c++) pixels[p * 3 + c] = toByte(values[(p * inChannels + c) * outChannels + f]!);
      } else {
        let sum = 0;
        for (let c = 0; c < inChannels; c++) sum += values[(p * inChannels + c) * outChannels + f]!;
        pixels[p] = toByte(sum / inChannels);
      }
    }
    filters.push(pngDataUrl(await encodePng(pixels, kw, kh, colour ? 3 : 1, FILTER_IMAGE_MIN_SIDE)));
  }
  return { node: nodeIdOfLayerName(conv.name), kernelShape: [kh, kw, inChannels], filters };
}

export async function weightHistograms(model: tfl.LayersModel, bins = HISTOGRAM_BINS): Promise<WeightHistogram[]> {
  const histograms: WeightHistogram[] = [];
  for (const layer of model.layers) {
    for (const weight of layer.weights) {
      const values = (await weight.read().data()) as Float32Array;
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
        sum += v;
      }
      const mean = sum / values.length;
      let squares = 0;
      for (const v of values) squares += (v - mean) ** 2;
      const counts = new Array<number>(bins).fill(0);
      const width = (max - min) / bins;
      for (const v of values) counts[width > 0 ? Math.min(bins - 1, Math.floor((v - min) / width)) : 0]!++;
      histograms.push({
        node: nodeIdOfLayerName(layer.name),
        weight: weight.originalName,
        shape: weight.shape as number[],
        count: values.length,
        min,
        max,
        mean,
        std: Math.sqrt(squares / values.length),
        counts,
      });
    }
  }
  return histograms;
}
