// Where a model a person points at really is (export/modelSource.ts), and the
// model.json files that are refused before tfjs reads them
// (export/loadLayersModel.ts): real folders and files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { resolveModelSource } from './modelSource.js';
import { loadLayersModelFolder } from './loadLayersModel.js';

async function inTemp(work: (dir: string) => Promise<void>) {
  const { dir, remove } = await makeTempDir('model-source-');
  try {
    await work(dir);
  } finally {
    await remove();
  }
}

function refused(code: string, message: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof StudioError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  };
}

test('a model folder, its model.json, a run folder and an export folder each lead to the folder holding model.json', () =>
  inTemp(async (dir) => {
    for (const sub of ['plain', 'run/model', 'export/tfjs']) {
      await mkdir(join(dir, sub), { recursive: true });
      await writeFile(join(dir, sub, 'model.json'), '{}');
    }
    assert.deepEqual(resolveModelSource(join(dir, 'plain')), { modelDir: join(dir, 'plain'), kind: 'model-folder' });
    assert.deepEqual(resolveModelSource(join(dir, 'plain', 'model.json')), { modelDir: join(dir, 'plain'), kind: 'model-folder' });
    assert.deepEqual(resolveModelSource(join(dir, 'run')), { modelDir: join(dir, 'run', 'model'), kind: 'run-folder', runDir: join(dir, 'run') });
    assert.deepEqual(resolveModelSource(join(dir, 'export')), { modelDir: join(dir, 'export', 'tfjs'), kind: 'export-folder' });
  }));

test('nothing there, another file, a run still training, or a folder without a model: each said plainly', () =>
  inTemp(async (dir) => {
    assert.throws(() => resolveModelSource(join(dir, 'gone')), refused('model-not-found', /gone does not exist\./));
    await writeFile(join(dir, 'weights.bin'), '');
    assert.throws(() => resolveModelSource(join(dir, 'weights.bin')), refused('model-wrong-format', /weights\.bin is a file, not a model folder\./));
    await mkdir(join(dir, 'training'));
    await writeFile(join(dir, 'training', 'run.json'), '{}');
    assert.throws(() => resolveModelSource(join(dir, 'training')), (e: unknown) => {
      refused('model-not-found', /Run folder .*training has no saved model yet \(no model\/model\.json\)\./)(e);
      assert.match((e as StudioError).hint, /Wait for the run to finish/);
      return true;
    });
    await mkdir(join(dir, 'empty'));
    assert.throws(() => resolveModelSource(join(dir, 'empty')), refused('model-not-found', /empty holds no model: no model\.json, no model\/model\.json \(run folder\) and no tfjs\/model\.json/));
  }));

test('model.json that is not JSON, or whose weights are quantised, is refused naming the file', () =>
  inTemp(async (dir) => {
    await writeFile(join(dir, 'model.json'), '{"format": "layers-model",');
    await assert.rejects(loadLayersModelFolder(dir), refused('model-wrong-format', new RegExp(`Cannot read ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/model\\.json as JSON`)));
    const topology = { class_name: 'Sequential', config: { layers: [] } };
    const quantised = { format: 'layers-model', modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'dense/kernel', shape: [2, 2], dtype: 'int8' }] }] };
    await writeFile(join(dir, 'model.json'), JSON.stringify(quantised));
    await writeFile(join(dir, 'w.bin'), new Uint8Array(4));
    await assert.rejects(loadLayersModelFolder(dir), refused('weights-mismatch', /weight dense\/kernel has dtype int8, which the studio does not read/));
  }));
