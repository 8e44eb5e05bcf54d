/**
 * Reading Keras' HDF5 files with h5wasm (the HDF5 C library compiled to
 * WebAssembly, shipped inside the npm package: nothing is downloaded).
 *
 * Two layouts:
 * - Keras 2 (`model.save_weights('w.h5')`, `model.save('m.h5')`, and the
 *   keras.applications release weights): the root (or `model_weights` in a
 *   full model) lists `layer_names`; each layer's group lists
 *   `weight_names` such as `Conv1/kernel:0`, stored at `<layer>/<weight name>`.
 *   A full model also holds its architecture as JSON in `model_config`.
 * - Keras 3 (`model.weights.h5` inside a `.keras` zip): `layers/<key>/vars/0…n`,
 *   where the key is the layer's class in snake_case, numbered per class in
 *   the order of the model's layers (`conv2d`, `conv2d_1`, …) — so the
 *   config's layer list is needed to name them (kerasFile.ts).
 */
import { open } from 'node:fs/promises';
import h5wasm from 'h5wasm/node';
import { StudioError } from '../errors.js';

export interface NamedWeight {
  shape: number[];
  data: Float32Array;
}

/** Weights by layer name, each by its short name (`kernel`, `gamma`, `depthwise_kernel`, …) in file order. */
export type LayerWeights = Map<string, Map<string, NamedWeight>>;

type H5File = InstanceType<typeof h5wasm.File>;
type H5Group = InstanceType<typeof h5wasm.Group>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

let ready: Promise<unknown> | null = null;

/** Opens an HDF5 file read-only and hands it to `use`; the file is closed however `use` ends. */
export async function withH5File<T>(path: string, use: (file: H5File) => T | Promise<T>): Promise<T> {
  if (!(await hasHdf5Signature(path))) throw notHdf5(path, 'no HDF5 signature');
  ready ??= h5wasm.ready;
  await ready;
  let file: H5File;
  try {
    file = new h5wasm.File(path, 'r');
  } catch (e) {
    throw notHdf5(path, (e as Error).message);
  }

  try {
    return await use(file);
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError(`${path} could not be read as a Keras HDF5 file (${(e as Error).message}).`, 'Point at a Keras .h5 weights or model file.', 'model-wrong-format');
  } finally {
    file.close();
  }
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * HDF5's superblock signature sits at byte 0 or, after a user block, at 512,
 * 1024, 2048…; checked first because h5wasm prints HDF5's diagnostics for a
 * file that is not HDF5 instead of failing cleanly.
 */
async function hasHdf5Signature(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new StudioError(`Cannot open ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, 'Check the path.', 'model-unreadable');
  }
  try {
    const size = (await handle.stat()).size;
    const probe = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(probe, 0, 8, offset);
      if (probe.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

function notHdf5(path: string, why: string): StudioError {
  return new StudioError(`${path} is not an HDF5 file (${why}).`, 'Point at a Keras .h5 weights or model file.', 'model-wrong-format');
}

export function stringList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map(String);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, String);
  return [String(value)];
}

export function attr(node: H5File | H5Group, name: string): unknown {
  const attrs = node.attrs as Record<string, { value: unknown } | undefined>;
  return attrs[name]?.value;
}

export function readFloat(dataset: H5Dataset, where: string): NamedWeight {
  const shape = (dataset.shape ?? []) as number[];
  const value = dataset.value as unknown;
  let data: Float32Array;
  if (value instanceof Float32Array) data = value;
  else if (ArrayBuffer.isView(value) || Array.isArray(value)) data = Float32Array.from(value as ArrayLike<number>);
  else if (typeof value === 'number') data = Float32Array.of(value);
  else throw new StudioError(`${where} is not a numeric weight (${dataset.dtype}).`, 'Point at a Keras weights file saved with float weights.', 'weights-mismatch');
  return { shape, data };
}

/** `Conv1/kernel:0` → `kernel`; Keras 3's legacy writer leaves out the `:0`. */
export function shortWeightName(name: string): string {
  return name.split('/').at(-1)!.replace(/:\d+$/, '');
}

/** True when the file has Keras 2's layout (a layer_names list at the root or in model_weights). */
export function isKeras2Layout(file: H5File): boolean {
  return attr(file, 'layer_names') !== undefined || file.keys().includes('model_weights');
}

/** Every layer's weights from a Keras 2 weights file or full-model file. */
export function readKeras2Weights(file: H5File, path: string): LayerWeights {
  const root = file.keys().includes('model_weights') ? (file.get('model_weights') as H5Group) : file;
  const layerNames = stringList(attr(root, 'layer_names'));
  if (layerNames.length === 0) {
    throw new StudioError(`${path} has no Keras layer_names: it is not a Keras weights file.`, 'Point at a file written by Keras model.save_weights() or model.save(...h5).', 'model-wrong-format');
  }
  const layers: LayerWeights = new Map();
  for (const layer of layerNames) {
    const group = root.get(layer) as H5Group | null;
    if (!group) throw new StudioError(`${path} lists layer "${layer}" but has no group for it.`, 'The file is damaged; save it again.', 'model-wrong-format');
    const weights = new Map<string, NamedWeight>();
    for (const name of stringList(attr(group, 'weight_names'))) {
      const dataset = group.get(name) as H5Dataset | null;
      if (!dataset) throw new StudioError(`${path}: layer "${layer}" lists weight "${name}" but has no dataset for it.`, 'The file is damaged; save it again.', 'model-wrong-format');
      weights.set(shortWeightName(name), readFloat(dataset, `${path}:${layer}/${name}`));
    }
    if (weights.size > 0) layers.set(layer, weights);
  }
  return layers;
}

/** Reads a Keras 2 layout .h5 (weights or full model) from disk. */
export async function readKerasH5Weights(path: string): Promise<LayerWeights> {
  return withH5File(path, (file) => {
    if (!isKeras2Layout(file)) {
      throw new StudioError(
        `${path} is not in the Keras 2 HDF5 layout (no layer_names).`,
        'A Keras 3 model.weights.h5 needs its config: import the whole .keras file instead.',
        'model-wrong-format',
      );
    }
    return readKeras2Weights(file, path);
  });
}
