/** The shipped sample project opens as a valid, trainable copy whose data path points at the shipped images. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { Engine } from '../engine.js';
import { SAMPLE_PROJECT_PATH, openSampleProject } from './sampleProject.js';
import { StudioError } from '../errors.js';

test('project.sample answers the shipped project with an absolute data path to its images, leaving the file as it was', async () => {
  const before = readFileSync(SAMPLE_PROJECT_PATH, 'utf8');
  const engine = new Engine();
  const { project, path } = await engine.execute({ type: 'project.sample' });
  assert.equal(path, SAMPLE_PROJECT_PATH);
  const dataPath = project.data.path;
  assert.ok(typeof dataPath === 'string' && isAbsolute(dataPath), `data path ${dataPath} is absolute`);
  const classFolders = readdirSync(join(dataPath, 'train'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.equal(classFolders.length, 10, `class folders in ${dataPath}/train: ${classFolders.join(', ')}`);
  const report = await engine.execute({ type: 'project.validate', project, classCount: 10 });
  assert.equal(report.valid, true, JSON.stringify(report.problems));
  assert.equal(readFileSync(SAMPLE_PROJECT_PATH, 'utf8'), before);
});

test('an installation without the sample says so and what to do instead', async () => {
  await assert.rejects(
    openSampleProject('/nonexistent/sample.cnnstudio.json'),
    (e: unknown) => e instanceof StudioError && e.code === 'no-sample-project' && /not part of this installation/.test(e.message) && /template/.test(e.hint),
  );
});
