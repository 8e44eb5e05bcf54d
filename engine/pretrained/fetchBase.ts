/**
 * A pretrained base on disk: from the cache when it is there and its hashes
 * hold, else fetched from the base URL (Google's storage, a mirror, or the
 * tests' local server) with progress. A TensorFlow.js base is model.json
 * plus the weight shards its manifest names; a Keras base is one .h5.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { StudioError } from '../errors.js';
import { basesCacheFolder } from './cacheFolder.js';
import { downloadVerified, type DownloadResult } from './download.js';
import { BASES_URL_ENV, basesUrl, findBase, SHA256_PINS, type PretrainedBase } from './registry.js';
import type { FetchedBaseResult } from '../protocol.js';

export interface BaseProgress {
  baseId: string;
  /** The file being fetched, relative to the base URL. */
  file: string;
  received: number;
  total: number | null;
}

export interface FetchBaseOptions {
  /** The base URL setting; else CONVNET_STUDIO_BASES_URL, else Google's storage. */
  baseUrl?: string | null;
  /** Defaults to the user's data folder (cacheFolder.ts). */
  cacheDir?: string;
  /** SHA-256 pins by file path, over the built-in table (tests pin their fixtures here). */
  pins?: Readonly<Record<string, string>>;
  onProgress?: (progress: BaseProgress) => void;
  timeoutMs?: number;
}

export interface FetchedBase {
  /** The local path of the base's first file (model.json or the .h5). */
  path: string;
  files: (DownloadResult & { file: string })[];
}

/** The recorded hash of an unpinned file, beside it in the cache, so the cached copy is still checked. */
const RECORDED_HASH_SUFFIX = '.sha256';

export async function fetchBase(base: PretrainedBase, options: FetchBaseOptions = {}): Promise<FetchedBase> {
  const cacheDir = options.cacheDir ?? basesCacheFolder();
  const url = basesUrl(options.baseUrl);
  const files: FetchedBase['files'] = [];
  const fetchFile = async (file: string) => {
    const dest = join(cacheDir, ...file.split('/'));
    const pinned = options.pins?.[file] ?? SHA256_PINS[file] ?? (await recordedHash(dest));
    const result = await downloadVerified({
      url: url + file,
      dest,
      sha256: pinned,
      timeoutMs: options.timeoutMs,
      onProgress: (p) => options.onProgress?.({ baseId: base.id, file, received: p.received, total: p.total }),
      offlineHint:
        `Work offline: put ${file} at ${dest} yourself, or set the base URL (the Train panel's field, training.transfer.basesUrl, --bases-url or ${BASES_URL_ENV}) to a mirror that serves it at <mirror>/${file}, ` +
        'or import a MobileNetV2 .h5/.keras you have (convnet-studio import).',
    });
    if (pinned === null) await writeFile(dest + RECORDED_HASH_SUFFIX, result.sha256 + '\n');
    files.push({ ...result, file });
    return result;
  };

  const first = await fetchFile(base.file);
  if (base.format === 'tfjs-layers') {
    for (const shard of await shardsOf(first.path)) await fetchFile(posix.join(posix.dirname(base.file), shard));
  }
  return { path: first.path, files };
}

/** The bases.fetch command: a base by id, into the user's cache. */
export async function fetchBaseById(id: string, baseUrl?: string): Promise<FetchedBaseResult> {
  const fetched = await fetchBase(findBase(id), { baseUrl });
  const files = await Promise.all(
    fetched.files.map(async (f) => ({ file: f.file, path: f.path, sha256: f.sha256, fromCache: f.fromCache, bytes: (await stat(f.path)).size })),
  );
  return { id, path: fetched.path, files };
}

async function recordedHash(dest: string): Promise<string | null> {
  try {
    const text = (await readFile(dest + RECORDED_HASH_SUFFIX, 'utf8')).trim();
    return /^[0-9a-f]{64}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** The weight files a model.json names, relative to its folder. */
async function shardsOf(modelJson: string): Promise<string[]> {
  let manifest: unknown;
  try {
    manifest = (JSON.parse(await readFile(modelJson, 'utf8')) as { weightsManifest?: unknown }).weightsManifest;
  } catch (e) {
    throw new StudioError(`${modelJson} is not JSON (${(e as Error).message}).`, `Delete ${dirname(modelJson)} so the base is fetched again.`, 'model-wrong-format');
  }
  if (!Array.isArray(manifest)) {
    throw new StudioError(`${modelJson} has no weightsManifest.`, `Delete ${dirname(modelJson)} so the base is fetched again.`, 'model-wrong-format');
  }
  const paths = manifest.flatMap((group: { paths?: unknown }) => (Array.isArray(group.paths) ? group.paths.map(String) : []));
  for (const p of paths) {
    if (p.includes('..') || p.startsWith('/') || p.includes('\\')) {
      throw new StudioError(`${modelJson} names a weight file outside its folder (${p}).`, 'Use a model.json whose shards sit beside it.', 'model-wrong-format');
    }
  }
  return paths;
}
