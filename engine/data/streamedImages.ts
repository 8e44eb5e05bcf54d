/**
 * A split read from disk batch by batch, for datasets larger than their
 * memory budget. While one batch trains, the next ones are already being
 * decoded by the pool's workers and sharp's threads (read-ahead), so the
 * trainer rarely waits, and memory holds only a few batches of pixels.
 */
import { StudioError } from '../errors.js';
import type { ResizeMode } from '../project/schema.js';
import type { DecodePool } from './decodePool.js';
import { decodeItems } from './itemDecode.js';
import type { DatasetItem } from './source.js';
import type { ImageInputShape, ImageReader } from './types.js';

/** Batches decoded ahead of the one being trained on. */
export const READ_AHEAD_BATCHES = 2;

interface Pending {
  indices: Int32Array;
  start: number;
  end: number;
  pixels: Promise<Uint8Array>;
}

export class StreamedImages implements ImageReader {
  private readonly imageBytes: number;
  private ahead: Pending[] = [];

  constructor(
    private readonly items: readonly DatasetItem[],
    private readonly input: ImageInputShape,
    private readonly resize: ResizeMode,
    private readonly pool: DecodePool,
    private readonly readAhead = READ_AHEAD_BATCHES,
  ) {
    this.imageBytes = input.height * input.width * input.channels;
  }

  async read(indices: Int32Array, start: number, end: number, target: Uint8Array): Promise<void> {
    const head = this.ahead[0];
    let pixels: Promise<Uint8Array>;
    if (head && head.indices === indices && head.start === start && head.end === end) {
      this.ahead.shift();
      pixels = head.pixels;
    } else {
      // A different order (a new epoch, or validation): what was read ahead is of no use.
      this.ahead = [];
      pixels = this.decode(indices, start, end);
    }
    this.readAheadFrom(indices, end, end - start);
    target.set(await pixels);
  }

  private readAheadFrom(indices: Int32Array, from: number, size: number): void {
    let next = this.ahead.at(-1)?.end ?? from;
    while (this.ahead.length < this.readAhead && next < indices.length) {
      const end = Math.min(indices.length, next + size);
      const pixels = this.decode(indices, next, end);
      // Failures surface when the batch is read, not as an unhandled rejection now.
      pixels.catch(() => undefined);
      this.ahead.push({ indices, start: next, end, pixels });
      next = end;
    }
  }

  private async decode(indices: Int32Array, start: number, end: number): Promise<Uint8Array> {
    const batch: DatasetItem[] = [];
    for (let i = start; i < end; i++) {
      const item = this.items[indices[i]!];
      if (item === undefined) throw new RangeError(`image index ${indices[i]} is outside the split's 0…${this.items.length - 1}`);
      batch.push(item);
    }
    const pixels = new Uint8Array(batch.length * this.imageBytes);
    const reasons = await decodeItems(batch, this.input, this.resize, pixels, this.pool);
    const failed = reasons.findIndex((reason) => reason !== null);
    if (failed !== -1) {
      throw new StudioError(
        `"${batch[failed]!.path}" ${reasons[failed]} — it decoded when the run started, so it changed on disk during training.`,
        'Leave the dataset unchanged while a run streams from it, or start the run again (a broken file is then skipped and reported).',
        'data-file-changed',
      );
    }
    return pixels;
  }
}
