/**
 * Test fixtures for pretrained bases, all made here (there is no network):
 * a MobileNetV2 base with seeded random weights written by the studio itself
 * as a TensorFlow.js layers model in Teachable Machine's folder layout, the
 * same weights as a Keras 2 layout .h5 written by Debian's python3-h5py, and
 * a local HTTP server on 127.0.0.1 that serves a folder the way a mirror
 * would (with Range requests), and can break a transfer off on purpose.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfl from '@tensorflow/tfjs-layers';
import { buildModel } from '../graph/tfjs/build.js';
import { mobileNetV2Base } from '../graph/mobilenetV2.js';
import type { Graph } from '../graph/schema.js';
import { saveModelFolder } from '../model/modelFiles.js';
import { shortWeightName } from '../model/kerasH5.js';
import { findBase } from '../pretrained/registry.js';

const WRITE_KERAS_H5 = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'write_keras_h5.py');

/** The studio's MobileNetV2 base (no top) ending in an Output, as a graph. */
export function baseGraphWithOutput(alpha: number, rows: number): Graph {
  const { graph, outputId } = mobileNetV2Base({ alpha, rows });
  graph.nodes.push({ id: 'output', type: 'Output', params: {}, position: { x: 0, y: 0 } });
  graph.edges.push({ id: `${outputId}->output`, source: outputId, target: 'output' });
  return graph;
}

/** A built base with seeded random weights (BatchNormalization's moving statistics too, so they matter). */
export async function randomBaseModel(alpha: number, rows: number, seed: number): Promise<tfl.LayersModel> {
  const tf = await import('@tensorflow/tfjs-core');
  const model = buildModel(baseGraphWithOutput(alpha, rows), { seed });
  const weights = model.getWeights();
  const varied = weights.map((w, i) => {
    const name = model.weights[i]!.originalName;
    // Moving variances must stay positive; the rest spread around their initial values.
    if (name.endsWith('moving_variance')) return tf.randomUniform(w.shape, 0.5, 1.5, 'float32', seed + i);
    if (name.endsWith('moving_mean') || name.endsWith('beta')) return tf.randomUniform(w.shape, -0.2, 0.2, 'float32', seed + i);
    if (name.endsWith('gamma')) return tf.randomUniform(w.shape, 0.8, 1.2, 'float32', seed + i);
    return tf.clone(w);
  });
  model.setWeights(varied);
  // getWeights() hands out the variables' own tensors: only the new ones are ours to free.
  tf.dispose(varied);
  return model;
}

/** Writes the Teachable Machine base's files (model.json + shards) below `root`, as a mirror holds them. Returns model.json's path. */
export async function writeTfjsBaseFixture(model: tfl.LayersModel, root: string): Promise<string> {
  const file = findBase('mobilenetv2-0.35-224').file;
  const dir = join(root, dirname(file));
  await saveModelFolder(model, dir);
  return join(root, file);
}

/**
 * Writes `model`'s weights as a Keras 2 layout .h5 with Keras' group and
 * dataset names (`Conv1/Conv1/kernel:0`), every layer listed in layer_names
 * as Keras lists them (weightless ones too). With `config`, a full model file.
 */
export async function writeKerasH5Fixture(model: tfl.LayersModel, out: string, config?: unknown): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    weights: layer.weights.map((w) => ({ name: `${layer.name}/${shortWeightName(w.originalName)}:0`, shape: w.shape })),
  }));
  const chunks = model.layers.flatMap((layer) =>
    layer.getWeights().map((t) => {
      const data = t.dataSync() as Float32Array;
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    }),
  );
  const manifest = `${out}.manifest.json`;
  const bin = `${out}.weights.bin`;
  await writeFile(manifest, JSON.stringify({ layers, ...(config ? { full_model_config: config } : {}) }));
  await writeFile(bin, Buffer.concat(chunks));
  const result = spawnSync('/usr/bin/python3', [WRITE_KERAS_H5, manifest, bin, out], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`write_keras_h5.py failed: ${result.stderr || result.error?.message}`);
}

export interface FixtureServer {
  url: string;
  /** Every request's path and Range header, in order. */
  requests: { path: string; range: string | null }[];
  /** Lets the held transfers (ServeOptions.hold) send their second half. */
  release(): void;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Paths (below the URL) whose first full response breaks off after half its bytes. */
  breakOnce?: string[];
  /** Paths that answer but never send a byte (a stalled server). */
  stall?: string[];
  /** Answer Range requests with 206; false: always the whole file (a server that cannot resume). */
  ranges?: boolean;
  /** Paths whose first transfer sends half its bytes, then waits for release() (a download caught midway). */
  hold?: string[];
}

/** Serves `root` on 127.0.0.1 (a random free port) like a static mirror. */
export async function serveFolder(root: string, options: ServeOptions = {}): Promise<FixtureServer> {
  const broken = new Set<string>();
  const held = new Set<string>();
  let released = false;
  const waiting: Array<() => void> = [];
  const requests: FixtureServer['requests'] = [];
  const server: Server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '');
    const range = typeof req.headers.range === 'string' ? req.headers.range : null;
    requests.push({ path, range });
    if (options.stall?.includes(path)) return; // never answers; the client's timeout must end it
    const file = join(root, ...path.split('/'));
    let size: number;
    try {
      if (path.includes('..')) throw new Error('outside');
      size = (await stat(file)).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    const from = options.ranges !== false && range ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    if (from >= size && from > 0) {
      res.writeHead(416).end();
      return;
    }
    res.writeHead(from > 0 ? 206 : 200, {
      'content-length': String(size - from),
      ...(from > 0 ? { 'content-range': `bytes ${from}-${size - 1}/${size}` } : {}),
    });
    if (from === 0 && options.breakOnce?.includes(path) && !broken.has(path)) {
      broken.add(path);
      const half = Math.floor(size / 2);
      createReadStream(file, { start: 0, end: half - 1 })
        .on('end', () => setTimeout(() => res.socket?.destroy(), 20))
        .pipe(res, { end: false });
      return;
    }
    if (from === 0 && options.hold?.includes(path) && !held.has(path) && !released) {
      held.add(path);
      const half = Math.floor(size / 2);
      createReadStream(file, { start: 0, end: half - 1 })
        .on('end', () => waiting.push(() => createReadStream(file, { start: half }).pipe(res)))
        .pipe(res, { end: false });
      return;
    }
    createReadStream(file, { start: from }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    release() {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Json = Record<string, unknown>;

/**
 * A model's architecture as Keras 2 writes it (tfjs' toJSON is that form),
 * with relu6 written the way keras.applications.MobileNetV2 writes it: a
 * ReLU layer with max_value 6.
 */
export function keras2Config(model: tfl.LayersModel): Json {
  const config = model.toJSON(null, false) as unknown as Json;
  const layers = (config['config'] as Json)['layers'] as Json[];
  for (const layer of layers) {
    const own = layer['config'] as Json;
    if (layer['class_name'] === 'Activation' && own['activation'] === 'relu6') {
      layer['class_name'] = 'ReLU';
      layer['config'] = { name: own['name'], trainable: own['trainable'], dtype: 'float32', max_value: 6.0, negative_slope: 0.0, threshold: 0.0 };
    }
  }
  config['keras_version'] = '2.15.0';
  config['backend'] = 'tensorflow';
  return config;
}

/** The same architecture in Keras 3's config.json form (modules, dtype policies, call-argument inbound nodes). */
export function keras3Config(keras2: Json): Json {
  const model = keras2['config'] as Json;
  const layers = (model['layers'] as Json[]).map((layer) => {
    const own = { ...(layer['config'] as Json) };
    if (layer['class_name'] === 'InputLayer') {
      own['batch_shape'] = own['batch_input_shape'];
      delete own['batch_input_shape'];
    } else {
      own['dtype'] = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
    }
    const tensor = ([name, node, index]: [string, number, number]) => ({
      class_name: '__keras_tensor__',
      config: { shape: [null], dtype: 'float32', keras_history: [name, node, index] },
    });
    const inbound = ((layer['inbound_nodes'] ?? []) as [string, number, number][][]).map((call) => ({
      args: call.length === 1 ? [tensor(call[0]!)] : [call.map(tensor)],
      kwargs: {},
    }));
    return { module: 'keras.layers', class_name: layer['class_name'], config: own, registered_name: null, name: layer['name'], inbound_nodes: inbound };
  });
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: model['name'], trainable: true, layers, input_layers: (model['input_layers'] as unknown[])[0], output_layers: (model['output_layers'] as unknown[])[0] },
    registered_name: 'Functional',
  };
}

/** Writes a Keras 3 `.keras` file of `model` (weights at Keras 3's layers/<key>/vars/<i>) with python3-h5py. */
export async function writeKeras3Fixture(model: tfl.LayersModel, config: Json, out: string): Promise<void> {
  const { keras3LayerKeys } = await import('../model/kerasFile.js');
  const keys = keras3LayerKeys(config);
  const weighted = model.layers.filter((l) => l.weights.length > 0);
  const manifest = { layers: weighted.map((l) => ({ key: keys.get(l.name), shapes: l.weights.map((w) => w.shape) })) };
  const chunks = weighted.flatMap((l) =>
    l.getWeights().map((t) => {
      const data = t.dataSync() as Float32Array;
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    }),
  );
  await mkdir(dirname(out), { recursive: true });
  await writeFile(`${out}.config.json`, JSON.stringify(config));
  await writeFile(`${out}.manifest.json`, JSON.stringify(manifest));
  await writeFile(`${out}.weights.bin`, Buffer.concat(chunks));
  const script = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'write_keras3.py');
  const result = spawnSync('/usr/bin/python3', [script, `${out}.config.json`, `${out}.manifest.json`, `${out}.weights.bin`, out], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`write_keras3.py failed: ${result.stderr || result.error?.message}`);
}
