/** project.save replaces a project file, but a file that is not a project (or any file, for Save As) only with consent. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { createProject } from '../graph/templates.js';

test('project.save refuses to replace what is not a project without overwrite, and Save As asks about any file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-save-guard-'));
  const engine = new Engine({ backend: 'cpu' });
  const project = createProject('seed-cnn', 'Guarded');
  const model = join(dir, 'model.json');
  const modelText = JSON.stringify({ modelTopology: {}, weightsManifest: [] });
  await writeFile(model, modelText);

  await assert.rejects(engine.execute({ type: 'project.save', path: model, project }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'file-exists');
    assert.ok(e.message.includes(model));
    assert.match(e.message, /TensorFlow\.js model, not a Convnet Studio project/);
    return true;
  });
  assert.equal(await readFile(model, 'utf8'), modelText);

  // A project file is replaced by a plain Save, but not by a Save As that says overwrite: false.
  const own = join(dir, 'own.cnnstudio.json');
  await engine.execute({ type: 'project.save', path: own, project });
  await engine.execute({ type: 'project.save', path: own, project: { ...project, name: 'Again' } });
  assert.equal(JSON.parse(await readFile(own, 'utf8')).name, 'Again');
  await assert.rejects(engine.execute({ type: 'project.save', path: own, project, overwrite: false }), /another project file \(“Again”\)/);

  // Consent replaces anything but a folder.
  await engine.execute({ type: 'project.save', path: model, project, overwrite: true });
  assert.equal(JSON.parse(await readFile(model, 'utf8')).name, 'Guarded');
  await mkdir(join(dir, 'folder'));
  await assert.rejects(engine.execute({ type: 'project.save', path: join(dir, 'folder'), project, overwrite: true }), /is a folder/);
});
