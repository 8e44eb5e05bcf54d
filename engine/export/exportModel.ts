/**
 * Exporting a trained model: from a run, model or export folder to one
 * folder per format under the output folder, each with its own labels.json,
 * plus labels.json at the top.
 *
 *   OUT/labels.json
 *   OUT/tfjs/      model.json, weights.bin, labels.json
 *   OUT/onnx/      model.onnx, labels.json
 *   OUT/keras/     model.py, weights.safetensors, labels.json
 *   OUT/pytorch/   model.py, weights.safetensors, labels.json
 *
 * The output folder is checked for writing before anything else; every file
 * is generated in memory before the first is written, so a layer that a
 * format cannot express stops the export with nothing written; the whole
 * export is written into a staging folder beside the output and moved into
 * place at the end, so it appears whole or not at all (a full disk leaves
 * the output folder as it was). What was written is read back and
 * checked: the TensorFlow.js folder is reloaded, and the ONNX model is run
 * with onnxruntime-node where it is installed, against the trained model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileSystemError, namingPath, StudioError } from '../errors.js';
import { loadModelFolder, saveModelFolder, type ModelMetadata } from '../model/modelFiles.js';
import { removeStaleTemporaries, replaceWith, temporarySibling, writeFileAtomic, writeFolderAtomic } from '../util/atomicWrite.js';
import { fileSystemCause, isFileSystemError } from '../util/fsErrors.js';
import { EXPORT_FORMATS, type ExportFormat } from './formats.js';
import { describeModel, type ModelDescription } from '../model/modelDescription.js';
import { loadLayersModelFolder } from '../model/loadLayersModel.js';
import { resolveModelSource } from '../model/modelSource.js';
import { onnxConsumerWarnings } from './onnx/consumers.js';
import { ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, toOnnx } from './onnx/toOnnx.js';
import { toKeras } from './python/toKeras.js';
import { toPytorch } from './python/toPytorch.js';
import { encodeSafetensors, namedWeights, WEIGHTS_FILE } from './safetensors.js';
import { SIDECAR_FILE } from '../model/sidecar.js';
import { makeSidecar } from './sidecar.js';
import packageJson from '../../package.json' with { type: 'json' };
import type { ExportResult, ExportCheck, ModelSidecar } from '../protocol/index.js';
export type { ExportResult, ExportCheck } from '../protocol/index.js';

// A JSON import, not a path read at run time: the engine bundles (dist/engine) carry the version.
const studioVersion = packageJson.version;

export interface ExportRequest {
  /** A run folder, a model folder or an export folder. */
  source: string;
  formats: ExportFormat[];
  outDir: string;
}

export function parseFormats(list: string | string[]): ExportFormat[] {
  const names = (Array.isArray(list) ? list : list.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) throw new StudioError('No export format given.', `Choose from ${EXPORT_FORMATS.join(', ')}, e.g. --format tfjs,onnx.`, 'bad-format');
  for (const name of names) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(name)) {
      throw new StudioError(`There is no export format "${name}".`, `Choose from ${EXPORT_FORMATS.join(', ')}.`, 'bad-format');
    }
  }
  return [...new Set(names)] as ExportFormat[];
}

/**
 * The folder an export is written into before it is moved into place: a
 * hidden sibling of `outDir`, so the final renames stay on one file system.
 * Creating it is the check that the destination can be written, made before
 * any work. `createdParent` is the first folder made on the way, removed
 * with the staging folder when the export fails.
 */
async function createStaging(outDir: string): Promise<{ dir: string; createdParent: string | undefined; release: () => void }> {
  let createdParent: string | undefined;
  try {
    const existing = await stat(outDir).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (existing && !existing.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR', syscall: 'mkdir' });
    createdParent = await mkdir(dirname(outDir), { recursive: true });
    await removeStaleTemporaries(outDir);
    const { temp, release } = temporarySibling(outDir, '.export.tmp');
    await mkdir(temp);
    return { dir: temp, createdParent, release };
  } catch (e) {
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    throw new StudioError(
      `Cannot write to the export folder ${outDir} (${fileSystemCause(e)}).`,
      'Choose a folder you can write to with --out, or fix its permissions.',
      'export-dir-unwritable',
    );
  }
}

/**
 * Moves each finished entry of the staging folder into `outDir`: the whole
 * folder when `outDir` is new, else entry by entry (a format's folder, the
 * top labels.json), each replacing its old version, so other files a person
 * keeps in `outDir` stay. Everything that can run out of space was written
 * before this; renames need none.
 */
async function commitStaging(staging: string, outDir: string, entries: string[]): Promise<void> {
  try {
    await rename(staging, outDir);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  }
  for (const entry of entries) await replaceWith(join(staging, entry), join(outDir, entry));
  await rm(staging, { recursive: true, force: true });
}

/**
 * Writes every requested format, or nothing: all files go to a staging
 * folder beside `outDir` and are checked there; only then do they move into
 * place. A failure (a layer a format cannot express, a missing source, a
 * full disk) removes the staging folder and leaves `outDir` as it was.
 */
export async function exportModel(request: ExportRequest): Promise<ExportResult> {
  const formats = parseFormats(request.formats);
  const outDir = resolve(request.outDir);
  const staging = await createStaging(outDir);
  try {
    const source = resolveModelSource(request.source);
    const { model, metadata } = await loadLayersModelFolder(source.modelDir);
    try {
      const description = describeModel(model, source.modelDir);
      const sidecar = makeSidecar(description, metadata, formats, studioVersion);
      const sidecarJson = JSON.stringify(sidecar, null, 2) + '\n';
      const folders = buildFolders(description, formats, sidecar, sidecarJson);

      const files: string[] = [];
      for (const format of formats) {
        const dir = join(staging.dir, format);
        if (format === 'tfjs') {
          await saveModelFolder(model, dir, metadata);
          await writeFileAtomic(join(dir, SIDECAR_FILE), sidecarJson);
          files.push('tfjs/model.json', 'tfjs/weights.bin', `tfjs/${SIDECAR_FILE}`);
          continue;
        }
        await writeFolderAtomic(dir, folders.get(format)!);
        files.push(...Object.keys(folders.get(format)!).map((name) => `${format}/${name}`));
      }
      await writeFileAtomic(join(staging.dir, SIDECAR_FILE), sidecarJson);
      files.push(SIDECAR_FILE);

      const checks = await checkExports(model, description, staging.dir, formats, folders);
      await namingPath(outDir, 'write', () => commitStaging(staging.dir, outDir, [...formats, SIDECAR_FILE]));
      const sizes = await Promise.all(files.map(async (file) => (await stat(join(outDir, file))).size));
      const warnings = formats.includes('onnx') ? onnxConsumerWarnings(description) : [];
      return { outDir, formats, files, sizes, sidecar, checks, warnings };
    } finally {
      model.dispose();
    }
  } catch (e) {
    await rm(staging.dir, { recursive: true, force: true });
    if (staging.createdParent) await rm(staging.createdParent, { recursive: true, force: true });
    // A failure while writing names the export folder, not the staging folder beside it.
    if (isFileSystemError(e)) throw fileSystemError(e, outDir, 'write');
    if (e instanceof StudioError) throw new StudioError(e.message.split(staging.dir).join(outDir), e.hint, e.code);
    throw e;
  } finally {
    staging.release();
  }
}

/** Every file of every non-tfjs format, in memory; throws (naming layer and format) before anything is written. */
function buildFolders(
  description: ModelDescription,
  formats: ExportFormat[],
  sidecar: ModelSidecar,
  sidecarJson: string,
): Map<ExportFormat, Record<string, string | Uint8Array>> {
  const folders = new Map<ExportFormat, Record<string, string | Uint8Array>>();
  const about = `${sidecar.project ? `"${sidecar.project}"` : 'A network'}${sidecar.runId ? ` (run ${sidecar.runId})` : ''}, exported by ${sidecar.exportedBy}.`;
  const classNames = sidecar.classNames;
  let weights: Uint8Array | null = null;
  const weightsFile = () => (weights ??= encodeSafetensors(namedWeights(description), { format: 'keras-layouts', exportedBy: sidecar.exportedBy }));
  for (const format of formats) {
    switch (format) {
      case 'tfjs':
        break;
      case 'onnx':
        folders.set(format, {
          'model.onnx': toOnnx(description, {
            producerVersion: studioVersion,
            metadata: { classNames: JSON.stringify(classNames), preprocessing: JSON.stringify(sidecar.preprocessing), inputLayout: 'NHWC' },
          }),
          [SIDECAR_FILE]: sidecarJson,
        });
        break;
      case 'keras':
        folders.set(format, { 'model.py': toKeras(description, { description: about, classNames }), [WEIGHTS_FILE]: weightsFile(), [SIDECAR_FILE]: sidecarJson });
        break;
      case 'pytorch':
        folders.set(format, { 'model.py': toPytorch(description, { description: about, classNames }), [WEIGHTS_FILE]: weightsFile(), [SIDECAR_FILE]: sidecarJson });
        break;
    }
  }
  return folders;
}

/** Deterministic check images in [0, 1]: the same bytes on every run. */
function checkImages(inputShape: number[], count = 2): tf.Tensor {
  const size = inputShape.reduce((a, b) => a * b, 1) * count;
  const values = new Float32Array(size);
  let state = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    values[i] = state / 0x100000000;
  }
  return tf.tensor(values, [count, ...inputShape], 'float32');
}

async function checkExports(
  model: tfl.LayersModel,
  description: ModelDescription,
  outDir: string,
  formats: ExportFormat[],
  folders: Map<ExportFormat, Record<string, string | Uint8Array>>,
): Promise<ExportCheck[]> {
  const x = checkImages(description.inputShape);
  const expected = tf.tidy(() => model.predict(x) as tf.Tensor);
  const reference = (await expected.data()) as Float32Array;
  const checks: ExportCheck[] = [];
  try {
    for (const format of formats) {
      if (format === 'tfjs') {
        const reloaded = await loadModelFolder(join(outDir, 'tfjs'));
        const y = tf.tidy(() => reloaded.model.predict(x) as tf.Tensor);
        checks.push({ format, maxDifference: maxDifference(reference, (await y.data()) as Float32Array) });
        y.dispose();
        reloaded.model.dispose();
      } else if (format === 'onnx') {
        checks.push(await checkOnnx(folders.get('onnx')!['model.onnx'] as Uint8Array, x, reference));
      } else {
        checks.push({ format, maxDifference: null, skipped: 'the Python sources are verified by the test suite (PyTorch parity), not at export time.' });
      }
    }
  } finally {
    tf.dispose([x, expected]);
  }
  return checks;
}

/** Runs the ONNX model with onnxruntime-node when it is installed (a development dependency). */
async function checkOnnx(bytes: Uint8Array, x: tf.Tensor, reference: Float32Array): Promise<ExportCheck> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return { format: 'onnx', maxDifference: null, skipped: 'onnxruntime-node is not installed here.' };
  }
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input = new ort.Tensor('float32', (await x.data()) as Float32Array, x.shape);
    const result = await session.run({ [ONNX_INPUT_NAME]: input });
    return { format: 'onnx', maxDifference: maxDifference(reference, result[ONNX_OUTPUT_NAME]!.data as Float32Array) };
  } finally {
    await session.release();
  }
}

export function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

export type { ModelMetadata };
