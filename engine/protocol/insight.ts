/**
 * Looking inside a trained model: Grad-CAM explanations, feature maps,
 * filters and weight histograms.
 */
import type { ClassProbability, SentImage } from './model.js';

export interface ExplainRequest {
  model: string;
  images: string[];
  /** Node id (default: the last node with a spatial output). */
  layer?: string;
  /** Class name or index (default: each image's predicted class). */
  targetClass?: string | number;
  /** Where overlay PNGs are written; without it no file is written (the overlays still come back as data URLs). */
  outDir?: string;
  /** Images sent as bytes (a dropped file, at most 1.25 MiB each); explained after `images`, under the names they were sent with. */
  imageData?: SentImage[];
}

export interface ImageExplanation {
  image: string;
  predicted: { index: number; name: string; probability: number };
  target: { index: number; name: string };
  /** The five most probable classes. */
  top: ClassProbability[];
  /** Max-normalised Grad-CAM at the layer's resolution, rows top to bottom. */
  heatmap: number[][];
  /** The overlay PNG written under outDir, or null. */
  overlay: string | null;
  /** The overlay as a PNG data URL (the heatmap coloured over the image the network saw). */
  overlayImage: string;
  /** The image as the network saw it (resized, its channels), as a PNG data URL. */
  inputImage: string;
  /** The coloured heatmap alone at the image's size, as a PNG data URL (for an overlay at any opacity). */
  heatmapImage: string;
}

export interface NodeSummary {
  id: string;
  className: string;
  shape: number[];
  /** Whether Grad-CAM can look at it (a spatial output). */
  spatial: boolean;
}

export interface ExplainResult {
  modelDir: string;
  classNames: string[];
  layer: string;
  /** The model's nodes, so a caller can offer the layers to choose from. */
  nodes: NodeSummary[];
  explanations: ImageExplanation[];
}

export interface FeatureMapsRequest {
  model: string;
  /** An image file; or '' with imageData. */
  image: string;
  /** The image as bytes, when it has no path the engine can read (a dropped file). */
  imageData?: SentImage;
  node: string;
  /** How many channels to send (default 64). */
  maxChannels?: number;
}

export interface ChannelMap {
  channel: number;
  mean: number;
  max: number;
  /** Fraction of the channel's values that are exactly 0. */
  zeroFraction: number;
  /** Grey PNG data URL (min black, max white); null for a node without a spatial output. */
  image: string | null;
}

export interface FeatureMaps {
  node: string;
  className: string;
  /** The node's output shape without the batch: [h, w, channels] or [units]. */
  shape: number[];
  /** Channels (or units) the node has; `channels` holds the first maxChannels of them. */
  channelCount: number;
  /** Fraction of zeros over the whole output (dead ReLU units show here). */
  zeroFraction: number;
  channels: ChannelMap[];
}

export interface FilterImages {
  node: string;
  /** Kernel size and input channels: [kh, kw, in]. */
  kernelShape: number[];
  /** One PNG data URL per filter: RGB for a 3-channel input, else the mean over input channels in grey. All share one scale (0 is mid-grey). */
  filters: string[];
}

export interface WeightHistogram {
  node: string;
  /** The weight's name, e.g. conv1/kernel. */
  weight: string;
  shape: number[];
  count: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  /** HISTOGRAM_BINS equal bins from min to max. */
  counts: number[];
}

export interface ModelFilters {
  firstConvolution: FilterImages | null;
  histograms: WeightHistogram[];
}
