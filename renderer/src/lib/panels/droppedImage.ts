/**
 * A file dropped in the window, as bytes the engine can predict on
 * (model.predict's imageData): sent as it is when small enough, so the
 * engine itself says what is wrong with a file that is not an image; a large
 * photo is scaled down in the browser first (the model sees a few dozen
 * pixels anyway).
 */
import { MAX_SENT_IMAGE_BYTES, type SentImage } from '../../../../engine/protocol.js';

/** A large image is scaled so its longer side is this many pixels before sending. */
const SCALED_SIDE = 512;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export async function readDroppedImage(file: File): Promise<SentImage> {
  if (file.size <= MAX_SENT_IMAGE_BYTES) {
    return { name: file.name, base64: toBase64(new Uint8Array(await file.arrayBuffer())) };
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(
      `"${file.name}" (${(file.size / 2 ** 20).toFixed(1)} MiB) is larger than the ${MAX_SENT_IMAGE_BYTES / 2 ** 20} MiB the engine accepts, and this window cannot read it as an image to shrink it. Drop a PNG, JPEG, WebP or GIF image.`,
    );
  }
  const scale = Math.min(1, SCALED_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error(`"${file.name}" could not be scaled down for sending.`);
  return { name: file.name, base64: toBase64(new Uint8Array(await blob.arrayBuffer())) };
}
