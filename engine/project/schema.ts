/**
 * The project file: graph, data source, training settings and run history, as
 * plain versioned JSON (`*.cnnstudio.json`). Layer types and parameter names
 * follow Keras' own config names (snake_case, as `get_config()` writes them)
 * so a person who knows Keras reads a project file without a manual, and the
 * Keras exporter maps one to one.
 *
 * The file's shape (the types) is part of the contract and lives in
 * protocol/project.ts; this module re-exports it beside the format's name,
 * its version and the defaults of a new project. What each layer type
 * accepts lives in the layer catalogue (graph/layers); checking a graph lives
 * in graph/validate; reading and writing the file in project/projectFile.ts.
 */

import type { PreprocessingSettings, AugmentationSettings, DataSource, ProjectFile, TrainingSettings } from '../protocol/index.js';
export type { ParamValue, GraphNode, GraphEdge, Graph, ResizeMode, NormalizationMode, PreprocessingSettings, AugmentationSettings, DataCacheSettings, DataSourceCommon, ImageFolderSource, CsvSource, IdxSource, DataSource, OptimizerSettings, ScheduleSettings, MonitoredMetric, LossName, EarlyStoppingSettings, TransferSettings, TrainingSettings, RunRecord, ProjectFile } from '../protocol/index.js';

export const PROJECT_FORMAT = 'convnet-studio.project' satisfies ProjectFile['format'];
export const PROJECT_VERSION = 1;

export function defaultTrainingSettings(): TrainingSettings {
  return {
    epochs: 10,
    batchSize: 64,
    optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    schedule: { type: 'constant' },
    loss: 'sparse-categorical-crossentropy',
    earlyStopping: { enabled: false, monitor: 'valLoss', patience: 3, minDelta: 0, restoreBestWeights: true },
    seed: 42,
  };
}

export function defaultDataSource(): DataSource {
  return {
    kind: 'image-folder',
    path: null,
    validationSplit: 0.1,
    testSplit: 0,
    seed: 42,
    preprocessing: defaultPreprocessing(),
    augmentation: defaultAugmentation(),
    cache: { memoryBudgetMB: null },
  };
}

export function defaultPreprocessing(): PreprocessingSettings {
  return { resize: 'stretch', normalization: 'zero-one' };
}

export function defaultAugmentation(): AugmentationSettings {
  return {
    horizontalFlip: false,
    verticalFlip: false,
    rotation: 0,
    zoom: 0,
    translation: 0,
    crop: 0,
    brightness: 0,
    contrast: 0,
    saturation: 0,
    noise: 0,
    cutout: 0,
  };
}
