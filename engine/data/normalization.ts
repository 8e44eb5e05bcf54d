/**
 * Normalisation of pixels, from the project's choice and (for mean-std) the
 * per-channel statistics of the training split. Batches apply it; the model's
 * metadata records it so that predictions later repeat it exactly.
 */
import { StudioError } from '../errors.js';
import type { NormalizationMode } from '../project/schema.js';
import type { Normalization } from './types.js';

export const NORMALIZATION_MODES: readonly NormalizationMode[] = ['zero-one', 'minus-one-one', 'mean-std'];

/** Sums of pixel values per channel over many images, on the 0…255 scale. */
export class ChannelStatistics {
  readonly sum: Float64Array;
  readonly sumOfSquares: Float64Array;
  count = 0;

  constructor(readonly channels: number) {
    this.sum = new Float64Array(channels);
    this.sumOfSquares = new Float64Array(channels);
  }

  add(pixels: Uint8Array): void {
    const c = this.channels;
    // Per-channel running sums in plain numbers: typed-array writes in the inner loop are slower.
    const sums = new Array<number>(c).fill(0);
    const squares = new Array<number>(c).fill(0);
    for (let i = 0; i < pixels.length; i += c) {
      for (let k = 0; k < c; k++) {
        const v = pixels[i + k]!;
        sums[k] += v;
        squares[k] += v * v;
      }
    }
    for (let k = 0; k < c; k++) {
      this.sum[k] += sums[k]!;
      this.sumOfSquares[k] += squares[k]!;
    }
    this.count += pixels.length / c;
  }
}

export function checkNormalizationMode(mode: unknown): asserts mode is NormalizationMode {
  if (!NORMALIZATION_MODES.includes(mode as NormalizationMode)) {
    throw new StudioError(
      `The normalisation "${String(mode)}" is not one the studio knows.`,
      `Set data.preprocessing.normalization to one of ${NORMALIZATION_MODES.join(', ')}.`,
      'data-bad-normalization',
    );
  }
}

export function normalizationFor(mode: NormalizationMode, channels: number, statistics?: ChannelStatistics): Normalization {
  if (mode === 'zero-one') return { mode, mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
  if (mode === 'minus-one-one') return { mode, mean: new Array(channels).fill(0.5), std: new Array(channels).fill(0.5) };
  if (!statistics || statistics.count === 0) {
    throw new StudioError('Mean/std normalisation needs training images to measure, and there are none.', 'Choose zero-one normalisation, or add training images.', 'data-no-statistics');
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < channels; k++) {
    const m = statistics.sum[k]! / statistics.count / 255;
    const variance = statistics.sumOfSquares[k]! / statistics.count / 255 ** 2 - m * m;
    mean.push(round6(m));
    // A channel that never changes would divide by zero; 1 leaves it centred only.
    std.push(round6(variance > 1e-12 ? Math.sqrt(variance) : 1));
  }
  return { mode, mean, std };
}

/** Six decimals: plenty for pixels, and the metadata stays readable. */
function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
