/**
 * The pretrained bases the studio knows (a small zoo): where each file lives
 * relative to the base URL, its licence and source, and the SHA-256 pinned
 * for each file.
 *
 * The upstream files' real SHA-256 values could not be computed where this
 * was written (no network). The pin table holds them (`SHA256_PINS`, one
 * line per file); a file without a pin is fetched, its hash is reported in
 * the download event and kept beside the cached file, and from then on the
 * cached copy must keep that hash. A test or a site pins its own files with
 * the `pins` option.
 */
import { MOBILENET_V2_ALPHAS, MOBILENET_V2_ROWS } from '../graph/mobilenetV2.js';
import { StudioError } from '../errors.js';
import type { PretrainedBaseInfo } from '../protocol.js';

/** Where every base's files live; a mirror keeps the same paths below its own URL. */
export const DEFAULT_BASES_URL = 'https://storage.googleapis.com/';
/** Overrides the base URL (a mirror, an offline site's server, the tests' local server). */
export const BASES_URL_ENV = 'CONVNET_STUDIO_BASES_URL';

export type BaseFormat = 'tfjs-layers' | 'keras-h5';

export interface PretrainedBase extends PretrainedBaseInfo {
  format: BaseFormat;
  /**
   * The file to fetch first, relative to the base URL: model.json (whose
   * weightsManifest names the shards, fetched next from the same folder) or the .h5.
   */
  file: string;
}

/** SHA-256 per file path (relative to the base URL). Empty until measured where the network exists; see README. */
export const SHA256_PINS: Readonly<Record<string, string>> = {};

const APACHE = 'Apache License 2.0';
const IMAGENET_NOTE = 'Trained on ImageNet (ILSVRC 2012); check the ImageNet terms for your use.';

function alphaLabel(alpha: number): string {
  // Keras writes 1.0 with its decimal, 0.35 and 0.5 as they are.
  return Number.isInteger(alpha) ? alpha.toFixed(1) : String(alpha);
}

function kerasBase(alpha: number, rows: number): PretrainedBase {
  const name = `mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alphaLabel(alpha)}_${rows}_no_top.h5`;
  return {
    id: `mobilenetv2-keras-${alphaLabel(alpha)}-${rows}`,
    title: `MobileNetV2 α ${alphaLabel(alpha)}, ${rows} px (Keras)`,
    architecture: 'mobilenetv2',
    alpha,
    rows,
    format: 'keras-h5',
    file: `tensorflow/keras-applications/mobilenet_v2/${name}`,
    licence: APACHE,
    source: `Keras Applications release weights (keras.applications.MobileNetV2, include_top=False), ${DEFAULT_BASES_URL}tensorflow/keras-applications/mobilenet_v2/${name}. ${IMAGENET_NOTE}`,
  };
}

const TEACHABLE_MACHINE_FOLDER = 'teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top';

const BASES: readonly PretrainedBase[] = [
  {
    id: 'mobilenetv2-0.35-224',
    title: 'MobileNetV2 α 0.35, 224 px (TensorFlow.js, Teachable Machine)',
    architecture: 'mobilenetv2',
    alpha: 0.35,
    rows: 224,
    format: 'tfjs-layers',
    file: `${TEACHABLE_MACHINE_FOLDER}/model.json`,
    licence: APACHE,
    source: `Google's Teachable Machine base, the Keras MobileNetV2 converted to TensorFlow.js: ${DEFAULT_BASES_URL}${TEACHABLE_MACHINE_FOLDER}/model.json. ${IMAGENET_NOTE}`,
  },
  ...MOBILENET_V2_ALPHAS.flatMap((alpha) => MOBILENET_V2_ROWS.map((rows) => kerasBase(alpha, rows))),
];

export function listBases(): PretrainedBaseInfo[] {
  return BASES.map(({ id, title, architecture, alpha, rows, licence, source }) => ({ id, title, architecture, alpha, rows, licence, source }));
}

export function findBase(id: string): PretrainedBase {
  const base = BASES.find((b) => b.id === id);
  if (base) return base;
  throw new StudioError(
    `There is no pretrained base "${id}".`,
    `Use one of: ${BASES.map((b) => b.id).slice(0, 4).join(', ')}, … (convnet-studio bases lists them all).`,
    'unknown-base',
  );
}

/** The base URL in force: the caller's setting, else the environment variable, else Google's storage. */
export function basesUrl(setting?: string | null): string {
  const chosen = setting?.trim() || process.env[BASES_URL_ENV]?.trim() || DEFAULT_BASES_URL;
  return chosen.endsWith('/') ? chosen : `${chosen}/`;
}
