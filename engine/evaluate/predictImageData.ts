/**
 * Prediction on images sent as bytes (a file dropped in the browser, which
 * has no path the engine could read). The bytes are checked (base64, size),
 * written to a private temporary folder and predicted like any image file;
 * results and errors name the image by the name it was sent with.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { MAX_SENT_IMAGE_BYTES, type SentImage } from '../protocol.js';
import { predictImages, type PredictResult } from './predict.js';

/** More than this many sent images in one request is not what a drop zone does. */
export const MAX_SENT_IMAGES = 8;

export function decodeSentImage(image: SentImage): Buffer {
  const text = image.base64.replace(/^data:[^,]*;base64,/, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new StudioError(`"${image.name}" was not sent as base64 text.`, 'Send the file\'s bytes base64-encoded (optionally as a data: URL).', 'bad-image-data');
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw new StudioError(`"${image.name}" is empty (0 bytes).`, 'Drop an image file (PNG, JPEG, WebP, GIF or TIFF).', 'bad-image');
  if (bytes.length > MAX_SENT_IMAGE_BYTES) {
    throw new StudioError(
      `"${image.name}" is ${(bytes.length / 2 ** 20).toFixed(1)} MiB; images sent to the engine may be at most ${MAX_SENT_IMAGE_BYTES / 2 ** 20} MiB.`,
      'Use a smaller image, or pass the file by its path.',
      'image-too-large',
    );
  }
  return bytes;
}

export async function predictImageData(model: string, paths: string[], sent: SentImage[], topK?: number): Promise<PredictResult> {
  if (sent.length > MAX_SENT_IMAGES) {
    throw new StudioError(`${sent.length} images were sent at once; at most ${MAX_SENT_IMAGES} are accepted.`, 'Predict fewer images per request.', 'too-many-images');
  }
  const decoded = sent.map(decodeSentImage);
  const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-predict-'));
  try {
    // Numbered names: the sent names are labels, never paths the engine writes to.
    const files = await Promise.all(
      decoded.map(async (bytes, i) => {
        const file = join(dir, `image-${i}`);
        await writeFile(file, bytes);
        return file;
      }),
    );
    const nameOf = new Map(files.map((file, i) => [file, sent[i]!.name]));
    let result: PredictResult;
    try {
      result = await predictImages(model, [...paths, ...files], topK);
    } catch (e) {
      if (e instanceof StudioError) {
        let message = e.message;
        for (const [file, name] of nameOf) message = message.split(file).join(`"${name}"`);
        throw new StudioError(message, e.hint, e.code);
      }
      throw e;
    }
    const named = (text: string) => {
      for (const [file, name] of nameOf) text = text.split(file).join(`"${name}"`);
      return text;
    };
    return {
      ...result,
      predictions: result.predictions.map((p) => ({ ...p, image: nameOf.get(p.image) ?? p.image })),
      failures: result.failures.map((f) => ({ ...f, image: nameOf.get(f.image) ?? f.image, message: named(f.message) })),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
