/**
 * Everything between "train this project" and the first batch: find the data,
 * load it at the Input's size, check the graph against the dataset's classes,
 * pick the backend, build and compile the model, and lay out the run folder.
 * Each step fails with an error that names what to fix, before any training.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { StudioError } from '../errors.js';
import type { ProjectFile, TrainingSettings } from '../graph/schema.js';
import type { BackendPreference, EngineEvent, TrainOptions } from '../protocol.js';
import { validateGraph } from '../graph/validate.js';
import { buildModel } from '../graph/build.js';
import { loadDataset } from '../data/dataset.js';
import { writeSplitRecord } from '../data/splitRecord.js';
import { selectBackend } from '../backend/select.js';
import { checkTrainingSettings } from '../project/trainingSettings.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { createOptimizer } from './optimizers.js';
import { TrainingRun } from './trainingRun.js';
import { applyInitialWeights } from '../export/initialWeights.js';

export interface PrepareRunRequest {
  runId: string;
  runDir: string;
  project: ProjectFile;
  projectPath?: string;
  options: TrainOptions;
  backend: BackendPreference;
  emit: (event: EngineEvent) => void;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Where a run's folder goes when the caller does not say. */
export function defaultRunDir(runId: string, projectPath?: string): string {
  return join(projectPath ? dirname(resolve(projectPath)) : process.cwd(), 'runs', runId);
}

/** The project's settings with the caller's overrides, checked as one. */
export function effectiveSettings(project: ProjectFile, options: TrainOptions): TrainingSettings {
  const settings: TrainingSettings = {
    ...project.training,
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
  };
  checkTrainingSettings(settings, project.name);
  return settings;
}

export function resolveDataPath(project: ProjectFile, options: TrainOptions, projectPath?: string): string {
  const given = options.dataPath ?? project.data.path;
  if (!given) {
    throw new StudioError(
      `Project "${project.name}" has no data folder.`,
      'Pass --data <folder of class sub-folders>, or set data.path in the project.',
      'no-data',
    );
  }
  if (isAbsolute(given) || options.dataPath !== undefined) return resolve(given);
  // A path written in the project file is relative to the project file.
  return resolve(projectPath ? dirname(resolve(projectPath)) : process.cwd(), given);
}

export async function prepareRun(req: PrepareRunRequest): Promise<TrainingRun> {
  const { project, options, runId, runDir, emit } = req;
  const settings = effectiveSettings(project, options);

  // The Input's shape decides how images are decoded, so check the graph's
  // structure first (class count is not known yet).
  const structure = validateGraph(project.graph, { loss: settings.loss });
  if (!structure.valid) throw graphError(project, structure.problems);
  const inputShape = structure.inputShape;
  if (!inputShape || inputShape.length !== 3 || (inputShape[2] !== 1 && inputShape[2] !== 3)) {
    const inputNode = project.graph.nodes.find((n) => n.type === 'Input');
    throw new StudioError(
      `Input "${inputNode?.id ?? 'Input'}" has shape ${JSON.stringify(inputShape)}; image training needs [height, width, 1 or 3].`,
      'Set the Input shape to e.g. [28, 28, 1] for grey or [64, 64, 3] for colour images.',
      'bad-input-shape',
    );
  }
  const [height, width, channels] = inputShape as [number, number, 1 | 3];

  const dataPath = resolveDataPath(project, options, req.projectPath);
  const dataset = await loadDataset(
    project.data,
    dataPath,
    { height, width, channels },
    { onProgress: throttled((done, total) => emit({ type: 'progress', runId, stage: 'loading-data', done, total })) },
  );

  const report = validateGraph(project.graph, { classCount: dataset.classNames.length, loss: settings.loss });
  if (!report.valid) throw graphError(project, report.problems, dataPath);

  const backend = await selectBackend(req.backend);
  emit({ type: 'progress', runId, stage: 'building-model', done: 0, total: 1 });
  const model = buildModel(project.graph, { seed: settings.seed });
  // Fine-tuning: layers start from a trained model's weights (by layer name) instead of their initializers.
  const initialWeights = options.initialWeights
    ? await applyInitialWeights(model, project.graph, options.initialWeights).catch((e: unknown) => {
        model.dispose();
        throw e;
      })
    : null;
  const optimizer = createOptimizer(settings.optimizer);
  model.compile({
    optimizer,
    loss: settings.loss === 'binary-crossentropy' ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
  });
  emit({ type: 'progress', runId, stage: 'building-model', done: 1, total: 1 });

  const modelMetadata = {
    classNames: dataset.classNames,
    inputShape,
    preprocessing: dataset.preprocessing,
    project: project.name,
    runId,
  };
  await writeFileAtomic(
    join(runDir, 'run.json'),
    JSON.stringify(
      {
        runId,
        startedAt: new Date().toISOString(),
        project: project.name,
        projectPath: req.projectPath ? resolve(req.projectPath) : null,
        dataPath,
        backend,
        settings,
        classNames: dataset.classNames,
        sizes: { train: dataset.train.count, validation: dataset.validation.count, test: dataset.test.count },
        skipped: dataset.skipped,
        data: { kind: dataset.kind, layout: dataset.layout, splits: dataset.origin, loading: dataset.loading, preprocessing: dataset.preprocessing, augmentation: dataset.train.augmentation?.settings ?? null },
        graph: project.graph,
        initialWeights,
        tfjs: tf.version_core,
      },
      null,
      2,
    ),
  );

  await writeSplitRecord(runDir, dataset, project.data);

  return new TrainingRun({
    runId,
    runDir,
    model,
    optimizer,
    dataset,
    settings,
    backend: { name: backend.name, device: backend.device, ...(backend.adapter ? { adapter: backend.adapter } : {}) },
    modelMetadata,
    emit,
  });
}

function graphError(project: ProjectFile, problems: { nodeId: string | null; param?: string; message: string; hint: string }[], dataPath?: string): StudioError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; run \`convnet-studio validate\` to list them)` : '';
  const where = first.nodeId ? `Node "${first.nodeId}"${first.param ? `, parameter ${first.param}` : ''}: ` : '';
  return new StudioError(
    `${where}${first.message}${more}${dataPath ? ` [data: ${dataPath}]` : ''}`,
    first.hint,
    'invalid-graph',
  );
}

/** At most ~10 progress events a second, always the last one. */
function throttled(fn: (done: number, total: number) => void): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = performance.now();
    if (done === total || now - last > 100) {
      last = now;
      fn(done, total);
    }
  };
}
