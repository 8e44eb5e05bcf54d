/**
 * The weights file the Keras and PyTorch sources load: safetensors (an
 * 8-byte little-endian header length, a JSON header naming each array's
 * dtype, shape and byte range, then the raw little-endian data). Python reads
 * it with numpy alone (the generated files carry a ten-line reader), and the
 * `safetensors` package reads it too. Arrays keep their Keras layouts and
 * names (`conv1/kernel`); the PyTorch source converts on load.
 */
import { StudioError } from '../errors.js';
import type { ModelDescription, WeightArray } from '../model/modelDescription.js';

export const WEIGHTS_FILE = 'weights.safetensors';

/** Every weight of the model, named `<layer>/<weight>`, in layer order. */
export function namedWeights(model: ModelDescription): Map<string, WeightArray> {
  const named = new Map<string, WeightArray>();
  for (const layer of model.layers) {
    for (const [short, weight] of layer.weights) named.set(`${layer.name}/${short}`, weight);
  }
  return named;
}

export function encodeSafetensors(arrays: Map<string, WeightArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, { shape, data }] of arrays) {
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.length * 4] };
    offset += data.length * 4;
  }
  let json = JSON.stringify(header);
  // The data that follows starts 8-byte aligned, as the format recommends.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const { data } of arrays.values()) {
    for (let i = 0; i < data.length; i++, at += 4) view.setFloat32(at, data[i]!, true);
  }
  return out;
}

/** Reads what encodeSafetensors wrote (float32 arrays only); for round-trip checks. */
export function decodeSafetensors(bytes: Uint8Array, file = 'weights.safetensors'): { arrays: Map<string, WeightArray>; metadata: Record<string, string> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new StudioError(`${file} is too short to be a safetensors file.`, 'Export the weights again.', 'weights-unreadable');
  const headerLength = Number(view.getBigUint64(0, true));
  const dataStart = 8 + headerLength;
  if (dataStart > bytes.length) throw new StudioError(`${file} has a header longer than the file.`, 'Export the weights again.', 'weights-unreadable');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart))) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const { __metadata__: metadata = {}, ...entries } = header as unknown as Record<string, never> & { __metadata__?: Record<string, string> };
  const arrays = new Map<string, WeightArray>();
  for (const [name, spec] of Object.entries(entries) as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][]) {
    if (spec.dtype !== 'F32') throw new StudioError(`${file}: weight ${name} is ${spec.dtype}, not F32.`, 'Export the weights again.', 'weights-unreadable');
    const [begin, end] = spec.data_offsets;
    const data = new Float32Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + begin + i * 4, true);
    arrays.set(name, { shape: spec.shape, data });
  }
  return { arrays, metadata };
}
