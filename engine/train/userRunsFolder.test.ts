/** Runs of a project without a file go to the person's folder, never the process's working folder (the app's installation). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { userRunsFolder } from './userRunsFolder.js';
import { defaultRunDir } from './prepareRun.js';

test('an unsaved project\'s runs go under Documents, or the platform\'s application data, or CONVNET_STUDIO_RUNS', async () => {
  const home = await mkdtemp(join(tmpdir(), 'cnnstudio-home-'));
  assert.equal(userRunsFolder({}, home, 'linux'), join(home, '.local', 'share', 'convnet-studio', 'runs'));
  assert.equal(userRunsFolder({ XDG_DATA_HOME: '/data' }, home, 'linux'), join('/data', 'convnet-studio', 'runs'));
  assert.equal(userRunsFolder({ APPDATA: 'C:/Users/a/AppData/Roaming' }, home, 'win32'), join('C:/Users/a/AppData/Roaming', 'Convnet Studio', 'runs'));
  assert.equal(userRunsFolder({}, home, 'win32'), join(home, 'AppData', 'Roaming', 'Convnet Studio', 'runs'));
  assert.equal(userRunsFolder({}, home, 'darwin'), join(home, 'Library', 'Application Support', 'Convnet Studio', 'runs'));
  await mkdir(join(home, 'Documents'));
  assert.equal(userRunsFolder({}, home, 'darwin'), join(home, 'Documents', 'Convnet Studio', 'runs'));
  assert.equal(userRunsFolder({ CONVNET_STUDIO_RUNS: '/somewhere/runs' }, home, 'linux'), '/somewhere/runs');
  assert.ok(!defaultRunDir('run-x').startsWith(join(process.cwd(), 'runs')), 'an unsaved project\'s run went into the working folder');
  assert.equal(defaultRunDir('run-x', '/p/q/project.cnnstudio.json'), '/p/q/runs/run-x');
});
