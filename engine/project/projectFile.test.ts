/**
 * Project files: what is written reads back the same; what is wrong is
 * refused with a message that names the file and the field to fix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProject, readProject, writeProject } from './projectFile.js';
import { PROJECT_FORMAT, PROJECT_VERSION, defaultTrainingSettings } from './schema.js';
import { StudioError } from '../errors.js';

const minimal = {
  format: PROJECT_FORMAT,
  version: 1,
  name: 'minimal',
  graph: { nodes: [{ id: 'in', type: 'Input', params: { shape: [8, 8, 1] }, position: { x: 1, y: 2 } }], edges: [] },
};

function refusal(text: string, pattern: RegExp, code?: string) {
  assert.throws(
    () => parseProject(text, 'p.cnnstudio.json'),
    (e: unknown) => e instanceof StudioError && pattern.test(e.message) && (!code || e.code === code) && e.hint.length > 0,
  );
}

test('a saved project reads back identically, and the save leaves no temporary files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-project-'));
  try {
    const project = parseProject(JSON.stringify(minimal), 'minimal');
    const path = join(dir, 'p.cnnstudio.json');
    await writeProject(path, project);
    assert.deepEqual(await readProject(path), project);
    assert.deepEqual(await readdir(dir), ['p.cnnstudio.json']);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).version, PROJECT_VERSION);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('missing sections take their defaults; given values are kept', () => {
  const p = parseProject(JSON.stringify({ ...minimal, training: { epochs: 3, optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true } } }));
  assert.equal(p.training.epochs, 3);
  assert.equal(p.training.batchSize, defaultTrainingSettings().batchSize);
  assert.deepEqual(p.training.optimizer, { type: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true });
  assert.equal(p.data.kind, 'image-folder');
  assert.deepEqual(p.graph.nodes[0].position, { x: 1, y: 2 });
  assert.equal(p.graph.edges.length, 0);
});

test('bad project files are refused with the file and the fix named', () => {
  refusal('{ not json', /p\.cnnstudio\.json is not valid JSON/, 'project-not-json');
  refusal(JSON.stringify({ format: 'something-else' }), /is not a Convnet Studio project/, 'project-wrong-format');
  refusal(JSON.stringify({ ...minimal, version: 99 }), /written by a newer Convnet Studio \(project version 99; this one reads up to 1\)/, 'project-newer-version');
  refusal(JSON.stringify({ ...minimal, version: 'one' }), /invalid "version"/, 'project-bad-version');
  refusal(JSON.stringify({ ...minimal, graph: { nodes: {} } }), /graph must be an object with "nodes" and "edges" arrays/);
  refusal(JSON.stringify({ ...minimal, graph: { nodes: [{ type: 'Dense' }], edges: [] } }), /graph\.nodes\[0\] needs a string "id"/);
  refusal(JSON.stringify({ ...minimal, graph: { nodes: [], edges: [{ source: 'a' }] } }), /graph\.edges\[0\] needs string "source" and "target"/);
});

test('impossible training settings name the setting', () => {
  refusal(JSON.stringify({ ...minimal, training: { epochs: 0 } }), /training\.epochs is 0; it must be a whole number of at least 1/, 'invalid-training-setting');
  refusal(JSON.stringify({ ...minimal, training: { epochs: 'ten' } }), /training\.epochs is "ten"/);
  refusal(JSON.stringify({ ...minimal, training: { batchSize: 2.5 } }), /training\.batchSize is 2\.5/);
  refusal(JSON.stringify({ ...minimal, training: { optimizer: { type: 'lion', learningRate: 1 } } }), /training\.optimizer\.type is "lion"; it must be one of sgd, adam, rmsprop, adagrad/);
  refusal(JSON.stringify({ ...minimal, training: { optimizer: { learningRate: -1 } } }), /training\.optimizer\.learningRate is -1/);
  refusal(JSON.stringify({ ...minimal, training: { schedule: { type: 'step', stepSize: 0, gamma: 0.5 } } }), /training\.schedule\.stepSize is 0/);
});

test('reading a file that does not exist says so and how to create one', async () => {
  await assert.rejects(readProject('/nonexistent/p.json'), (e: unknown) => e instanceof StudioError && /does not exist/.test(e.message) && /convnet-studio new/.test(e.hint));
});

test('a file whose content is broken on disk is refused without touching it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-project-'));
  try {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"format": "convnet-studio.project", "version": 1, "graph": ');
    await assert.rejects(readProject(path), /broken\.json is not valid JSON/);
    assert.equal(await readFile(path, 'utf8'), '{"format": "convnet-studio.project", "version": 1, "graph": ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
