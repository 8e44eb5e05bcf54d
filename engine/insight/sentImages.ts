/**
 * Images sent as bytes (a file dropped in the window, which has no path the
 * engine could read), for the insight commands: checked as predict checks
 * them (evaluate/predictImageData.ts), written to a private temporary folder
 * under numbered names, used by path, and the folder removed; results and
 * errors name each image by the name it was sent with.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { decodeSentImage, MAX_SENT_IMAGES } from '../evaluate/predictImageData.js';
import type { SentImage } from '../protocol.js';

export async function withSentImages<T>(sent: SentImage[], use: (paths: string[], nameOf: (path: string) => string) => Promise<T>): Promise<T> {
  if (sent.length > MAX_SENT_IMAGES) {
    throw new StudioError(`${sent.length} images were sent at once; at most ${MAX_SENT_IMAGES} are accepted.`, 'Explain fewer images per request.', 'too-many-images');
  }
  const decoded = sent.map(decodeSentImage);
  const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-explain-'));
  try {
    const paths = await Promise.all(
      decoded.map(async (bytes, i) => {
        const file = join(dir, `image-${i}`);
        await writeFile(file, bytes);
        return file;
      }),
    );
    const names = new Map(paths.map((path, i) => [path, sent[i]!.name]));
    const nameOf = (path: string) => names.get(path) ?? path;
    try {
      return await use(paths, nameOf);
    } catch (e) {
      if (e instanceof StudioError) {
        let message = e.message;
        for (const [path, name] of names) message = message.split(path).join(`"${name}"`);
        throw new StudioError(message, e.hint, e.code);
      }
      throw e;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
