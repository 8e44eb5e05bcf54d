/** validateProject: what the engine's project.validate and the window's per-edit check both run. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProject } from './templates.js';
import { validateGraph } from './validate.js';
import { validateProject } from './validateProject.js';

test('a project is read as a file is read, then its graph validated against its own loss', () => {
  const project = createProject('seed-cnn', 'checked');
  assert.deepEqual(validateProject(project), validateGraph(project.graph, { loss: project.training.loss, memory: { optimizer: project.training.optimizer, batchSize: project.training.batchSize } }));
  assert.throws(() => validateProject({ ...project, graph: { nodes: 'none' } }), /graph must be an object with "nodes" and "edges"/);
  assert.throws(() => validateProject({ ...project, training: { ...project.training, epochs: 0 } }), /training\.epochs is 0/);
});

test('the memory limit the window gets from the engine turns into the same memory problem', () => {
  const project = createProject('seed-cnn', 'tight');
  const tiny = { bytes: 1024, label: 'a 1 KiB test backend' };
  assert.equal(validateProject(project).problems.some((p) => p.code === 'too-much-memory'), false);
  const limited = validateProject(project, { memoryLimit: tiny });
  assert.ok(limited.problems.some((p) => p.code === 'too-much-memory' && p.message.includes(tiny.label)), JSON.stringify(limited.problems));
});
