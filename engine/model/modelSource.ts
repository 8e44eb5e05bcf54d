/**
 * Where a model is: a TensorFlow.js layers folder (model.json + weights), a
 * run folder (its `model/`), or an export folder (its `tfjs/`). Export,
 * predict, evaluate and import all accept any of the three.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StudioError } from '../errors.js';
import { MODEL_JSON } from './modelFiles.js';

export type ModelSourceKind = 'model-folder' | 'run-folder' | 'export-folder';

export interface ModelSource {
  /** The folder holding model.json. */
  modelDir: string;
  kind: ModelSourceKind;
  /** The run folder, when the model came from one. */
  runDir?: string;
}

export function resolveModelSource(path: string): ModelSource {
  const full = resolve(path);
  if (!existsSync(full)) {
    throw new StudioError(`${path} does not exist.`, 'Point at a run folder, a model folder (model.json + weights.bin) or an export folder.', 'model-not-found');
  }
  if (statSync(full).isFile()) {
    if (basename(full) === MODEL_JSON) return { modelDir: dirname(full), kind: 'model-folder' };
    throw new StudioError(
      `${path} is a file, not a model folder.`,
      `Point at the folder that holds ${MODEL_JSON} (and its weights), or at a run folder.`,
      'model-wrong-format',
    );
  }
  if (existsSync(join(full, MODEL_JSON))) return { modelDir: full, kind: 'model-folder' };
  if (existsSync(join(full, 'model', MODEL_JSON))) return { modelDir: join(full, 'model'), kind: 'run-folder', runDir: full };
  if (existsSync(join(full, 'tfjs', MODEL_JSON))) return { modelDir: join(full, 'tfjs'), kind: 'export-folder' };
  const stillTraining = existsSync(join(full, 'run.json'));
  throw new StudioError(
    stillTraining
      ? `Run folder ${path} has no saved model yet (no model/${MODEL_JSON}).`
      : `${path} holds no model: no ${MODEL_JSON}, no model/${MODEL_JSON} (run folder) and no tfjs/${MODEL_JSON} (export folder).`,
    stillTraining ? 'Wait for the run to finish (or stop it: the model so far is saved), then try again.' : 'Point at a run folder, a model folder or an export folder.',
    'model-not-found',
  );
}
