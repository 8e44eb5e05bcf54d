/**
 * A decode worker: reads files and runs the JavaScript PNG path on them, off
 * the main thread (which trains). Files the fast path leaves to sharp come
 * back marked so; the main thread hands those to sharp, whose own threads
 * decode them.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { decodeFastInto, ImageDecodeError } from './decode.js';
import type { DecodeRequest, DecodeResponse } from './decodePool.js';

parentPort!.on('message', (request: DecodeRequest) => {
  const { input, resize, paths } = request;
  const imageBytes = input.height * input.width * input.channels;
  const pixels = new Uint8Array(paths.length * imageBytes);
  const outcomes: DecodeResponse['outcomes'] = [];
  paths.forEach((path, i) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      outcomes.push(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return;
    }
    try {
      outcomes.push(decodeFastInto(path, bytes, input, resize, pixels.subarray(i * imageBytes, (i + 1) * imageBytes)) ? 'ok' : 'sharp');
    } catch (error) {
      outcomes.push(error instanceof ImageDecodeError ? error.message : `cannot be decoded: ${String(error)}`);
    }
  });
  const response: DecodeResponse = { id: request.id, pixels, outcomes };
  parentPort!.postMessage(response, [pixels.buffer]);
});
