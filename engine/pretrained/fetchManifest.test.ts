/**
 * fetchBase on a TensorFlow.js base whose model.json is broken, served by a
 * real HTTP server on 127.0.0.1: not JSON, no weightsManifest, a shard named
 * outside its folder, a manifest group without paths; a recorded hash that
 * is not a hash; the base URL setting without a trailing slash; an unknown
 * base id; and the data folder on each platform.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { StudioError } from '../errors.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { serveFolder, type FixtureServer } from '../testing/pretrainedBases.js';
import { basesCacheFolder, userDataFolder } from './cacheFolder.js';
import { fetchBase, fetchBaseById } from './fetchBase.js';
import { basesUrl, BASES_URL_ENV, DEFAULT_BASES_URL, findBase } from './registry.js';
import { rejection } from '../testing/rejection.js';

const TFJS = findBase('mobilenetv2-0.35-224');
const FOLDER = TFJS.file.replace(/\/model\.json$/, '');
let work: string;
let removeWork: () => Promise<void>;
let mirror: string;
let server: FixtureServer;

before(async () => {
  ({ dir: work, remove: removeWork } = await makeTempDir('manifest'));
  mirror = join(work, 'mirror');
  await mkdir(join(mirror, ...FOLDER.split('/')), { recursive: true });
  server = await serveFolder(mirror);
});

after(async () => {
  await server.close();
  await removeWork();
});

/** Serves `modelJson` as the base's model.json (and `shards` beside it), then fetches the base into a fresh cache. */
async function fetchWith(name: string, modelJson: string, shards: Record<string, string> = {}) {
  await writeFile(join(mirror, ...TFJS.file.split('/')), modelJson);
  for (const [file, text] of Object.entries(shards)) await writeFile(join(mirror, ...FOLDER.split('/'), file), text);
  const cacheDir = join(work, `cache-${name}`);
  return { cacheDir, fetched: fetchBase(TFJS, { baseUrl: server.url, cacheDir }) };
}

describe('a TensorFlow.js base with a broken model.json', () => {
  test('not JSON: names the file and says to delete the folder so it is fetched again', async () => {
    const { cacheDir, fetched } = await fetchWith('not-json', '{"modelTopology": ');
    const error = await rejection(fetched);
    const local = join(cacheDir, ...TFJS.file.split('/'));
    assert.equal(error.code, 'model-wrong-format');
    assert.match(error.message, new RegExp(`^${local.replace(/[.]/g, '\\.')} is not JSON \\(`));
    assert.equal(error.hint, `Delete ${join(cacheDir, ...FOLDER.split('/'))} so the base is fetched again.`);
  });

  test('no weightsManifest: says so', async () => {
    const { cacheDir, fetched } = await fetchWith('no-manifest', JSON.stringify({ modelTopology: {} }));
    const error = await rejection(fetched);
    assert.equal(error.message, `${join(cacheDir, ...TFJS.file.split('/'))} has no weightsManifest.`);
  });

  test('a shard outside the folder (.., absolute, backslash) is refused before anything is fetched for it', async () => {
    for (const [i, shard] of ['../../elsewhere.bin', '/etc/passwd', 'sub\\w.bin'].entries()) {
      const before = server.requests.length;
      const { fetched } = await fetchWith(`outside-${i}`, JSON.stringify({ weightsManifest: [{ paths: ['weights.bin', shard] }] }));
      const error = await rejection(fetched);
      assert.match(error.message, new RegExp(`names a weight file outside its folder \\(${shard.replace(/[.\\/]/g, '\\$&')}\\)\\.$`));
      assert.equal(error.hint, 'Use a model.json whose shards sit beside it.');
      assert.deepEqual(server.requests.slice(before).map((r) => r.path), [TFJS.file], 'only model.json was asked for');
    }
  });

  test('a manifest group without paths is skipped; the shards of the others are fetched', async () => {
    const { fetched } = await fetchWith('no-paths', JSON.stringify({ weightsManifest: [{ weights: [] }, { paths: ['a.bin'] }] }), { 'a.bin': 'shard a' });
    const result = await fetched;
    assert.deepEqual(result.files.map((f) => f.file), [TFJS.file, `${FOLDER}/a.bin`]);
  });

  test('a recorded hash that is not a hash does not pin the cached copy; a sound one is recorded in its place', async () => {
    const { cacheDir, fetched } = await fetchWith('recorded', JSON.stringify({ weightsManifest: [] }));
    const first = await fetched;
    const recorded = `${first.path}.sha256`;
    assert.equal((await readFile(recorded, 'utf8')).trim(), first.files[0]!.sha256);
    await writeFile(recorded, 'not a hash\n');
    const before = server.requests.length;
    const again = await fetchBase(TFJS, { baseUrl: server.url, cacheDir });
    assert.equal(again.files[0]!.fromCache, true);
    assert.equal(server.requests.length, before);
    assert.equal((await readFile(recorded, 'utf8')).trim(), first.files[0]!.sha256);
  });

  test('fetchBaseById reports each file with its size; an unknown id is refused with the ids to use', async () => {
    await writeFile(join(mirror, ...TFJS.file.split('/')), JSON.stringify({ weightsManifest: [{ paths: ['a.bin'] }] }));
    process.env['CONVNET_STUDIO_DATA'] = join(work, 'data');
    try {
      const result = await fetchBaseById(TFJS.id, ` ${server.url.replace(/\/$/, '')} `);
      assert.deepEqual(result.files.map((f) => [f.file, f.bytes, f.fromCache]), [
        [TFJS.file, JSON.stringify({ weightsManifest: [{ paths: ['a.bin'] }] }).length, false],
        [`${FOLDER}/a.bin`, 'shard a'.length, false],
      ]);
      assert.equal(result.path, join(work, 'data', 'pretrained', ...TFJS.file.split('/')));
    } finally {
      delete process.env['CONVNET_STUDIO_DATA'];
    }
    assert.throws(() => findBase('resnet-50'), (e: StudioError) => e.code === 'unknown-base' && e.message === 'There is no pretrained base "resnet-50".' && /^Use one of: mobilenetv2-0\.35-224, /.test(e.hint));
  });
});

describe('where bases come from and go', () => {
  test('the base URL: the setting, else the environment variable, else Google; always ending in /', () => {
    const saved = process.env[BASES_URL_ENV];
    try {
      delete process.env[BASES_URL_ENV];
      assert.equal(basesUrl(null), DEFAULT_BASES_URL);
      assert.equal(basesUrl('  '), DEFAULT_BASES_URL);
      process.env[BASES_URL_ENV] = 'http://mirror.local/bases';
      assert.equal(basesUrl(undefined), 'http://mirror.local/bases/');
      assert.equal(basesUrl(' http://other/x/ '), 'http://other/x/');
    } finally {
      if (saved === undefined) delete process.env[BASES_URL_ENV];
      else process.env[BASES_URL_ENV] = saved;
    }
  });

  test('the data folder on each platform, and CONVNET_STUDIO_DATA over all', () => {
    assert.equal(userDataFolder({ CONVNET_STUDIO_DATA: ' /d ' }, 'linux'), '/d');
    assert.equal(userDataFolder({ APPDATA: 'C:/Roaming' }, 'win32'), join('C:/Roaming', 'convnet-studio'));
    assert.equal(userDataFolder({}, 'win32'), join(homedir(), 'AppData', 'Roaming', 'convnet-studio'));
    assert.equal(userDataFolder({}, 'darwin'), join(homedir(), 'Library', 'Application Support', 'convnet-studio'));
    assert.equal(userDataFolder({ XDG_DATA_HOME: '/xdg' }, 'linux'), join('/xdg', 'convnet-studio'));
    assert.equal(userDataFolder({ XDG_DATA_HOME: ' ' }, 'linux'), join(homedir(), '.local', 'share', 'convnet-studio'));
    assert.equal(basesCacheFolder({ CONVNET_STUDIO_DATA: '/d' }), join('/d', 'pretrained'));
  });
});
