/**
 * A project as a PyTorch training job for torchrun: one folder with the
 * generated nn.Module (model.py, the PyTorch exporter's own output) and its
 * starting weights, the recipe as data (job.json), the studio's model
 * topology (studio-model.json + studio-weights.bin, so train.py writes its
 * trained model in the studio's format), train.py and a README with the
 * commands. Everything is generated in memory first: a layer the PyTorch
 * exporter refuses stops the job naming the layer, with nothing written.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { StudioError } from '../errors.js';
import type { ProjectFile } from '../project/schema.js';
import type { BackendPreference } from '../protocol.js';
import { validateGraph } from '../graph/validate.js';
import { buildModel } from '../graph/tfjs/build.js';
import { selectBackend } from '../backend/select.js';
import { dataSettings } from '../data/dataset.js';
import { planSource, resolveSourcePath } from '../data/source.js';
import { checkTestSplit, checkValidationSplit } from '../data/split.js';
import { applyInitialWeights } from '../model/initialWeights.js';
import { describeModel } from '../model/modelDescription.js';
import { toPytorch } from '../export/python/toPytorch.js';
import { encodeSafetensors, namedWeights, WEIGHTS_FILE } from '../export/safetensors.js';
import { effectiveSettings } from '../train/prepareRun.js';
import { writeFolderAtomic } from '../util/atomicWrite.js';
import { JOB_FILE, JOB_FORMAT, JOB_STUDIO_MODEL_DIR, JOB_VERSION, jobWeights, type JobRecipe } from './jobRecipe.js';
import { jobReadme } from './jobReadme.js';
import packageJson from '../../package.json' with { type: 'json' };
import type { JobResult } from '../protocol/index.js';
export type { JobResult } from '../protocol/index.js';

// A JSON import, not a path read at run time: the engine bundles (dist/engine) carry the version.
const studioVersion = packageJson.version;

export const TRAIN_SCRIPT = 'train.py';
export const STUDIO_MODEL_JSON = `${JOB_STUDIO_MODEL_DIR}.json`;
export const STUDIO_WEIGHTS_BIN = 'studio-weights.bin';
const MODEL_CLASS = 'ConvnetStudioModel';
/** What a job folder holds; an existing folder with anything else in it is not overwritten. */
export const JOB_FILES = ['model.py', WEIGHTS_FILE, JOB_FILE, TRAIN_SCRIPT, 'README.md', STUDIO_MODEL_JSON, STUDIO_WEIGHTS_BIN] as const;

export interface JobRequest {
  project: ProjectFile;
  projectPath?: string;
  outDir: string;
  /** The image folder the job will train on; read now for the class names (else the project's data path). */
  dataPath?: string;
  /** A run, model or export folder whose weights the model starts from (as `train --weights`). */
  initialWeights?: string;
  backend?: BackendPreference;
}

export async function writeJob(request: JobRequest): Promise<JobResult> {
  const { project } = request;
  const outDir = resolve(request.outDir);
  const training = effectiveSettings(project, {});
  const source = project.data;
  if (source.kind !== 'image-folder') {
    throw new StudioError(
      `Project "${project.name}" reads its data from ${source.kind === 'csv' ? 'a CSV file' : 'IDX files'}; the PyTorch job reads image folders (DIR/<class>/… or DIR/train|val|test/<class>/…).`,
      source.kind === 'idx'
        ? 'Write the images as folders first (node --import tsx scripts/fashion-mnist-to-folders.ts --out DIR), set data.kind to image-folder, then make the job.'
        : 'Set data.kind to image-folder and point data.path at a folder of class sub-folders.',
      'job-unsupported-data',
    );
  }
  const data = dataSettings(source);
  checkValidationSplit(source.validationSplit);
  checkTestSplit(data.testSplit, source.validationSplit);

  const structure = validateGraph(project.graph, { loss: training.loss });
  const inputShape = structure.inputShape;
  if (!structure.valid || !inputShape || inputShape.length !== 3 || (inputShape[2] !== 1 && inputShape[2] !== 3)) {
    const first = structure.problems[0];
    throw new StudioError(
      first ? `${first.nodeId ? `Node "${first.nodeId}": ` : ''}${first.message}` : `The Input's shape ${JSON.stringify(inputShape)} is not an image [height, width, 1 or 3].`,
      first?.hint ?? 'Set the Input shape to e.g. [28, 28, 1] or [64, 64, 3].',
      'invalid-graph',
    );
  }
  const classNames = await classNamesOf(request);
  if (classNames) {
    const report = validateGraph(project.graph, { classCount: classNames.length, loss: training.loss });
    if (!report.valid) {
      const first = report.problems[0]!;
      throw new StudioError(`${first.nodeId ? `Node "${first.nodeId}": ` : ''}${first.message}`, first.hint, 'invalid-graph');
    }
  }
  const outDirProblem = foreignFiles(outDir);
  if (outDirProblem) {
    throw new StudioError(
      `${outDir} already holds files that are not a job's (e.g. "${outDirProblem}"); not writing the job over them.`,
      'Choose an empty or new folder for --out.',
      'job-folder-not-empty',
    );
  }

  await selectBackend(request.backend ?? 'auto');
  const model = buildModel(project.graph, { seed: training.seed });
  try {
    const initial = request.initialWeights ? await applyInitialWeights(model, project.graph, request.initialWeights) : null;
    const description = describeModel(model, `Project "${project.name}"`);
    // The exporter refuses what it cannot express, naming the layer: the job refuses the same, before writing anything.
    const moduleSource = toPytorch(description, {
      className: MODEL_CLASS,
      classNames: classNames ?? undefined,
      description: `${project.name}: the network of a Convnet Studio training job (${initial ? `starting from ${initial.source}` : `seeded initial weights, seed ${training.seed}`}).`,
    });
    const safetensors = encodeSafetensors(namedWeights(description), { format: 'pt', project: project.name });
    const studioModel = await modelArtifacts(model);
    const outputShape = description.outputShape;
    const recipe: JobRecipe = {
      format: JOB_FORMAT,
      version: JOB_VERSION,
      project: project.name,
      createdAt: new Date().toISOString(),
      studioVersion,
      classNames,
      outputUnits: outputShape[outputShape.length - 1]!,
      input: { height: inputShape[0]!, width: inputShape[1]!, channels: inputShape[2] as 1 | 3 },
      data: {
        kind: 'image-folder',
        validationSplit: source.validationSplit,
        testSplit: data.testSplit,
        seed: source.seed,
        preprocessing: data.preprocessing,
        augmentation: data.augmentation,
      },
      training,
      model: { source: 'model.py', className: MODEL_CLASS, weights: WEIGHTS_FILE, studioModel: JOB_STUDIO_MODEL_DIR, initialWeights: initial?.source ?? null },
      weights: jobWeights(model),
      graph: project.graph,
    };
    const trainScript = await readFile(new URL('./train.py', import.meta.url), 'utf8');
    const files: Record<string, string | Uint8Array> = {
      'model.py': moduleSource,
      [WEIGHTS_FILE]: safetensors,
      [JOB_FILE]: JSON.stringify(recipe, null, 2) + '\n',
      [TRAIN_SCRIPT]: trainScript,
      [STUDIO_MODEL_JSON]: studioModel.json,
      [STUDIO_WEIGHTS_BIN]: studioModel.weights,
      'README.md': jobReadme(recipe, request.projectPath),
    };
    await writeFolderAtomic(outDir, files);
    return { outDir, files: Object.keys(files), classNames, commands: jobCommands(request.projectPath) };
  } finally {
    model.dispose();
  }
}

/** The exact commands, with the user's own paths where the job knows them. */
export function jobCommands(projectPath?: string): JobResult['commands'] {
  const project = projectPath ?? '<project>.cnnstudio.json';
  return {
    single: 'python3 train.py --data <image folder> --out <run folder>',
    torchrun: 'torchrun --standalone --nproc_per_node=<N> train.py --data <image folder> --out <run folder>',
    evaluate: 'convnet-studio evaluate <run folder> --data <test image folder>',
    record: `convnet-studio runs add ${project} <run folder>`,
  };
}

/** Class names from the data the job will see: --data, else the project's own data folder when it is there. */
async function classNamesOf(request: JobRequest): Promise<string[] | null> {
  const source = request.project.data;
  if (request.dataPath === undefined) {
    if (!source.path) return null;
    const path = resolveSourcePath(source, request.projectPath);
    if (!existsSync(path)) return null;
    return (await planSource(source, path)).classNames;
  }
  return (await planSource({ ...source, path: resolve(request.dataPath) }, resolve(request.dataPath))).classNames;
}

function foreignFiles(dir: string): string | null {
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) return dir;
  const known = new Set<string>(JOB_FILES);
  return readdirSync(dir).find((name) => !known.has(name) && name !== '__pycache__') ?? null;
}

/** The model's topology and weights in the studio's layers format, in memory (the weights file is named for the job folder). */
async function modelArtifacts(model: tfl.LayersModel): Promise<{ json: string; weights: Uint8Array }> {
  let result: { json: string; weights: Uint8Array } | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData;
      const buffers = !data ? [] : Array.isArray(data) ? data : [data];
      const weights = new Uint8Array(buffers.reduce((n, b) => n + b.byteLength, 0));
      let offset = 0;
      for (const b of buffers) {
        weights.set(new Uint8Array(b), offset);
        offset += b.byteLength;
      }
      result = {
        json: JSON.stringify({
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
          convertedBy: 'Convnet Studio',
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: [STUDIO_WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
        }),
        weights,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
  return result!;
}
