/**
 * The project's training recipe as data (job.json): the one source of truth
 * train.py reads for classes, input shape, preprocessing, augmentation,
 * split, optimizer, schedule, loss, epochs, batch size, early stopping and
 * seed, plus which PyTorch tensor each of the studio's weights becomes. train.py
 * restates none of it, so a recipe edited here (or by hand) is the recipe run.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { AugmentationSettings, PreprocessingSettings, ProjectFile, TrainingSettings } from '../project/schema.js';

export const JOB_FORMAT = 'convnet-studio.job';
export const JOB_VERSION = 1;
export const JOB_FILE = 'job.json';
/** The untrained (or --weights) model in the studio's format: train.py copies its topology into every saved model. */
export const JOB_STUDIO_MODEL_DIR = 'studio-model';

/** One weight of the studio's model: its name in model.json, its key in weights.safetensors, its Keras shape. */
export interface JobWeight {
  name: string;
  key: string;
  shape: number[];
  /** False for the weights of a frozen node (and moving statistics): train.py never updates them. */
  trainable: boolean;
  /** Keras' kernel regularizer of the layer, added to the loss as the studio does. */
  regularizer?: { l1: number; l2: number };
}

export interface JobRecipe {
  format: typeof JOB_FORMAT;
  version: number;
  project: string;
  createdAt: string;
  studioVersion: string;
  /** Class names in output order, as found in the data at job time; null when no data was reachable then. */
  classNames: string[] | null;
  /** How many classes the network's output has (its last layer's units; 1 for a binary classifier). */
  outputUnits: number;
  input: { height: number; width: number; channels: 1 | 3 };
  data: {
    kind: 'image-folder';
    validationSplit: number;
    testSplit: number;
    seed: number;
    preprocessing: PreprocessingSettings;
    augmentation: AugmentationSettings;
  };
  training: TrainingSettings;
  model: {
    /** The generated nn.Module (engine/export/python/toPytorch.ts) and its starting weights. */
    source: 'model.py';
    className: string;
    weights: 'weights.safetensors';
    studioModel: typeof JOB_STUDIO_MODEL_DIR;
    /** Where the starting weights came from: the seeded initialisation, or a trained model (--weights). */
    initialWeights: string | null;
  };
  weights: JobWeight[];
  /** The project graph the model was built from, carried into every run.json as the studio's runs carry it. */
  graph: ProjectFile['graph'];
}

/** The weights of a built model in model.json's order, with their safetensors keys (`<layer>/<weight>`, as the exporter names them). */
export function jobWeights(model: tfl.LayersModel): JobWeight[] {
  const weights: JobWeight[] = [];
  for (const layer of model.layers) {
    const regularizer = kernelRegularizer(layer.getConfig() as Record<string, unknown>);
    for (const variable of layer.weights) {
      const short = variable.originalName.split('/').at(-1)!;
      weights.push({
        name: variable.originalName,
        key: `${layer.name}/${short}`,
        shape: variable.shape.map((d) => d ?? -1),
        trainable: variable.trainable && layer.trainable,
        ...(regularizer && short === 'kernel' ? { regularizer } : {}),
      });
    }
  }
  return weights;
}

function kernelRegularizer(config: Record<string, unknown>): { l1: number; l2: number } | null {
  const r = config['kernelRegularizer'] as { config?: { l1?: number; l2?: number } } | null | undefined;
  if (!r || typeof r !== 'object' || !r.config) return null;
  const l1 = Number(r.config.l1 ?? 0);
  const l2 = Number(r.config.l2 ?? 0);
  return l1 || l2 ? { l1, l2 } : null;
}
