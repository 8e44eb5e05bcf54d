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
import type { ProjectFile, TrainingSettings } from '../project/schema.js';
import type { BackendPreference, EngineEvent, TrainOptions } from '../protocol.js';
import { validateGraph } from '../graph/validate.js';
import { buildModel } from '../graph/tfjs/build.js';
import { loadDataset } from '../data/dataset.js';
import { writeSplitRecord } from '../data/splitRecord.js';
import { selectBackend, type SelectedBackend } from '../backend/select.js';
import { memoryProblems } from '../graph/memory.js';
import { memoryLimit, workersSharingLimit } from './memoryLimit.js';
import { checkTrainingSettings } from '../project/trainingSettings.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { createOptimizer } from './optimizers.js';
import { userRunsFolder } from './userRunsFolder.js';
import { TrainingRun } from './trainingRun.js';
import { applyInitialWeights } from '../model/initialWeights.js';
import { baseGroups, fineTuneLayerNames, loadPretrainedBases } from '../pretrained/transferRun.js';
import { fitHeadToClasses } from '../graph/transferHead.js';
import { startReplicas } from './parallel/startReplicas.js';
import { requestedThreads, threadsUsed } from './parallel/threads.js';

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

/** Where a run's folder goes when the caller does not say: beside the project file, or in the person's own runs folder. */
export function defaultRunDir(runId: string, projectPath?: string): string {
  return projectPath ? join(dirname(resolve(projectPath)), 'runs', runId) : join(userRunsFolder(), runId);
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
      'Choose a folder with one sub-folder of images per class: in the Data panel of the window, with --data on the command line, or as data.path in the project.',
      'no-data',
    );
  }
  if (isAbsolute(given) || options.dataPath !== undefined) return resolve(given);
  // A path written in the project file is relative to the project file.
  return resolve(projectPath ? dirname(resolve(projectPath)) : process.cwd(), given);
}

/** What a run needs that can be checked before touching the disk. */
export interface CheckedRunRequest {
  settings: TrainingSettings;
  inputShape: number[];
  dataPath: string;
  backend: SelectedBackend;
}

/**
 * The checks of a run that need no disk: its settings, the graph's structure
 * (class count is not known yet), an image Input, and a data folder. The
 * engine runs them before it answers train.start, so a run that cannot start
 * is refused in the answer instead of failing in an event the caller may not
 * be listening for yet.
 */
export async function checkRunRequest(
  project: ProjectFile,
  options: TrainOptions,
  projectPath: string | undefined,
  backendPreference: BackendPreference,
): Promise<CheckedRunRequest> {
  const settings = effectiveSettings(project, options);
  const threads = requestedThreads(options.threads);

  // The Input's shape decides how images are decoded, so check the graph's
  // structure first (class count is not known yet).
  const structure = validateGraph(project.graph, { loss: settings.loss });
  if (!structure.valid) throw graphError(project, structure.problems);
  // What cannot fit is refused now, before data loads and before tfjs allocates anything.
  const backend = await selectBackend(backendPreference);
  const workers = workersSharingLimit(backend.name, threadsUsed(threads, backend.name));
  const memory = memoryProblems(project.graph, structure, { optimizer: settings.optimizer, batchSize: settings.batchSize, limit: memoryLimit(backend.name), workers });
  if (memory.problems.length > 0) throw graphError(project, memory.problems, undefined, 'too-much-memory');
  const inputShape = structure.inputShape;
  if (!inputShape || inputShape.length !== 3 || (inputShape[2] !== 1 && inputShape[2] !== 3)) {
    const inputNode = project.graph.nodes.find((n) => n.type === 'Input');
    throw new StudioError(
      `Input "${inputNode?.id ?? 'Input'}" has shape ${JSON.stringify(inputShape)}; image training needs [height, width, 1 or 3].`,
      'Set the Input shape to e.g. [28, 28, 1] for grey or [64, 64, 3] for colour images.',
      'bad-input-shape',
    );
  }
  return { settings, inputShape, dataPath: resolveDataPath(project, options, projectPath), backend };
}

/**
 * The folder the layers start from: the caller's (--weights, resolved from
 * the working folder) or else the project's own (relative to its file).
 */
export function initialWeightsPath(project: ProjectFile, options: TrainOptions, projectPath?: string): string | null {
  if (options.initialWeights) return resolve(options.initialWeights);
  const stored = project.training.initialWeights;
  if (!stored) return null;
  return isAbsolute(stored) ? stored : resolve(projectPath ? dirname(resolve(projectPath)) : process.cwd(), stored);
}

export async function prepareRun(req: PrepareRunRequest): Promise<TrainingRun> {
  const { project, options, runId, runDir, emit } = req;
  const { settings, inputShape, dataPath, backend } = await checkRunRequest(project, options, req.projectPath, req.backend);
  const [height, width, channels] = inputShape as [number, number, 1 | 3];

  const dataset = await loadDataset(
    project.data,
    dataPath,
    { height, width, channels },
    { onProgress: throttled((done, total) => emit({ type: 'progress', runId, stage: 'loading-data', done, total })) },
  );

  if (dataset.vanished.length > 0) {
    emit({
      type: 'warning',
      runId,
      message: `${dataset.vanished.length} image${dataset.vanished.length === 1 ? '' : 's'} disappeared from "${dataset.root}" after the scan and ${dataset.vanished.length === 1 ? 'is' : 'are'} left out of this run (e.g. "${dataset.vanished[0]!.path}").`,
      hint: 'Leave the dataset in place while a run loads it; run.json lists every skipped file.',
      code: 'data-vanished',
    });
  }

  // Transfer learning: the new head gets as many units as the data has classes.
  const graph = fitHeadToClasses(project.graph, settings.transfer, dataset.classNames.length);
  const report = validateGraph(graph, { classCount: dataset.classNames.length, loss: settings.loss });
  if (!report.valid) throw graphError(project, report.problems, dataPath);

  emit({ type: 'progress', runId, stage: 'building-model', done: 0, total: 1 });
  const model = buildModel(graph, { seed: settings.seed });
  const disposeOnError = (e: unknown): never => {
    model.dispose();
    throw e;
  };
  // Fine-tuning: layers start from a trained model's weights (by layer name) instead of their initializers.
  const weightsFrom = initialWeightsPath(project, options, req.projectPath);
  const initialWeights = weightsFrom
    ? await applyInitialWeights(model, graph, weightsFrom).catch(disposeOnError)
    : null;
  // A pretrained base (a node group) is fetched on first use and loads by layer name; a run that
  // starts from --weights already has the base's weights in that model.
  const download = throttledBytes((file, done, total) => emit({ type: 'progress', runId, stage: 'downloading-base', done, total, file }));
  const pretrained =
    !weightsFrom && baseGroups(graph).length > 0
      ? await loadPretrainedBases(model, graph, { basesUrl: options.basesUrl || settings.transfer?.basesUrl, onProgress: download.report })
          .finally(download.end)
          .catch(disposeOnError)
      : null;
  const optimizer = createOptimizer(settings.optimizer);
  const compile = (chosen: tf.Optimizer) =>
    model.compile({
      optimizer: chosen,
      loss: settings.loss === 'binary-crossentropy' ? 'binaryCrossentropy' : 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
  compile(optimizer);
  const transfer = settings.transfer;
  const fineTune =
    transfer && transfer.fineTuneBlocks > 0 && transfer.fineTuneEpochs > 0
      ? {
          epochs: transfer.fineTuneEpochs,
          layerNames: fineTuneLayerNames(model, graph, transfer.fineTuneBlocks),
          learningRateFactor: transfer.fineTuneLearningRateFactor,
          compile,
        }
      : undefined;

  const modelMetadata = {
    classNames: dataset.classNames,
    inputShape,
    preprocessing: dataset.preprocessing,
    project: project.name,
    runId,
  };
  // threads > 1 on wasm/cpu: worker replicas of the model, each with a share of every batch (last: nothing after may leave them running).
  const { threads, replicas } = await startReplicas({ options, backend: backend.name, graph, settings, model, sampleShape: inputShape, runId, emit }).catch(disposeOnError);
  emit({ type: 'progress', runId, stage: 'building-model', done: 1, total: 1 });
  const closeReplicasOnError = async (e: unknown): Promise<never> => {
    await replicas?.close();
    throw e;
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
        threads,
        settings,
        classNames: dataset.classNames,
        sizes: { train: dataset.train.count, validation: dataset.validation.count, test: dataset.test.count },
        skipped: dataset.skipped,
        data: { kind: dataset.kind, layout: dataset.layout, splits: dataset.origin, loading: dataset.loading, preprocessing: dataset.preprocessing, augmentation: dataset.train.augmentation?.settings ?? null },
        graph,
        initialWeights,
        pretrained,
        tfjs: tf.version_core,
      },
      null,
      2,
    ),
  ).catch(closeReplicasOnError);

  await writeSplitRecord(runDir, dataset, project.data).catch(closeReplicasOnError);

  return new TrainingRun({
    runId,
    runDir,
    model,
    optimizer,
    dataset,
    settings,
    backend: { name: backend.name, device: backend.device, ...(backend.adapter ? { adapter: backend.adapter } : {}) },
    modelMetadata,
    initialWeights,
    emit,
    fineTune,
    replicas,
  });
}

function graphError(
  project: ProjectFile,
  problems: { nodeId: string | null; param?: string; message: string; hint: string }[],
  dataPath?: string,
  code = 'invalid-graph',
): StudioError {
  const first = problems[0];
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}; run \`convnet-studio validate\` to list them)` : '';
  const where = first.nodeId ? `Node "${first.nodeId}"${first.param ? `, parameter ${first.param}` : ''}: ` : '';
  return new StudioError(
    `${where}${first.message}${more}${dataPath ? ` [data: ${dataPath}]` : ''}`,
    first.hint,
    code,
  );
}

/** Download progress at most ~10 times a second per file, always its last bytes. */
/**
 * Download progress at most ~10 times a second, but always a file's first
 * and last figures, and what a transfer that pauses has reached (sent once
 * it has been quiet for the interval), so a stalled download shows where it stands.
 */
function throttledBytes(fn: (file: string, done: number, total: number) => void): {
  report: (p: { file: string; received: number; total: number | null }) => void;
  /** The download is over (done or failed): nothing more is sent. */
  end: () => void;
} {
  let last = 0;
  let lastFile: string | null = null;
  let pending: ReturnType<typeof setTimeout> | null = null;
  const end = () => {
    if (pending) clearTimeout(pending);
    pending = null;
  };
  const report = ({ file, received, total }: { file: string; received: number; total: number | null }) => {
    if (pending) clearTimeout(pending);
    pending = null;
    const now = performance.now();
    if (received === total || file !== lastFile || now - last > 100) {
      last = now;
      lastFile = file;
      fn(file, received, total ?? 0);
    } else {
      pending = setTimeout(() => {
        pending = null;
        last = performance.now();
        fn(file, received, total ?? 0);
      }, 100);
    }
  };
  return { report, end };
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
