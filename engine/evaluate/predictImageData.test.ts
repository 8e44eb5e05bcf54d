/**
 * model.predict on images sent as bytes (a file dropped in the browser): the
 * same answer as for the file on disk, the sent name in results and errors,
 * and refusals of bytes that are not base64, empty or too large; the
 * temporary files are gone afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../backend/select.js';
import { writeBrightnessModel } from '../testing/brightnessModel.js';
import { greyPng, makeTempDir, writeTree } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import { parseRequest } from '../host/messageValidation.js';
import { MAX_SENT_IMAGE_BYTES } from '../protocol.js';

let temp: { dir: string; remove: () => Promise<void> };
let modelDir: string;
const engine = new Engine({ backend: 'cpu' });
const systemTemp = process.env.TMPDIR;

before(async () => {
  await selectBackend('cpu');
  temp = await makeTempDir('predict-bytes-');
  modelDir = join(temp.dir, 'model');
  await writeBrightnessModel(modelDir);
  // A temporary folder of this file's own (os.tmpdir() reads TMPDIR at each call): another test file
  // running at the same time may predict from bytes too, and its folders must not count as this one's leftovers.
  await mkdir(join(temp.dir, 'tmp'));
  process.env.TMPDIR = join(temp.dir, 'tmp');
});

after(async () => {
  if (systemTemp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = systemTemp;
  await temp.remove();
});

const leftovers = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('cnnstudio-predict-'));

test('sent bytes get the same prediction as the file, under the name they were sent with', async () => {
  const png = await greyPng(8, 8, 220);
  await writeTree(join(temp.dir, 'img'), { 'bright.png': png });
  const before = await leftovers();
  const fromFile = await engine.execute({ type: 'model.predict', model: modelDir, images: [join(temp.dir, 'img', 'bright.png')] });
  const sent = await engine.execute({ type: 'model.predict', model: modelDir, images: [], imageData: [{ name: 'dropped.png', base64: png.toString('base64') }] });
  assert.equal(sent.predictions.length, 1);
  assert.equal(sent.predictions[0]!.image, 'dropped.png');
  assert.deepEqual(sent.predictions[0]!.top, fromFile.predictions[0]!.top);
  assert.equal(sent.predictions[0]!.top[0]!.className, 'bright');
  // A data: URL is accepted as well, and paths and bytes mix (paths first).
  const mixed = await engine.execute({
    type: 'model.predict',
    model: modelDir,
    images: [join(temp.dir, 'img', 'bright.png')],
    imageData: [{ name: 'dark.png', base64: `data:image/png;base64,${(await greyPng(8, 8, 5)).toString('base64')}` }],
  });
  assert.deepEqual(mixed.predictions.map((p) => [p.image.split('/').pop(), p.top[0]!.className]), [
    ['bright.png', 'bright'],
    ['dark.png', 'dark'],
  ]);
  assert.deepEqual(await leftovers(), before, 'the temporary folder was left behind');
});

test('a dropped file that is not an image is refused by its name, with what to drop instead', async () => {
  const text = Buffer.from('name,label\na.png,cat\n').toString('base64');
  await assert.rejects(
    engine.execute({ type: 'model.predict', model: modelDir, images: [], imageData: [{ name: 'labels.csv', base64: text }] }),
    (e: Error & { hint?: string }) => {
      assert.match(e.message, /^"labels\.csv" cannot be decoded/);
      assert.doesNotMatch(e.message, /cnnstudio-predict-/);
      assert.match(e.hint ?? '', /PNG, JPEG/);
      return true;
    },
  );
});

test('bytes that are not base64, empty, or too large are refused before anything is written', async () => {
  const ask = (base64: string) => engine.execute({ type: 'model.predict', model: modelDir, images: [], imageData: [{ name: 'x.png', base64 }] });
  await assert.rejects(ask('not base64!'), /"x\.png" was not sent as base64/);
  await assert.rejects(ask(''), /"x\.png" is empty/);
  const big = Buffer.alloc(MAX_SENT_IMAGE_BYTES + 1).toString('base64');
  await assert.rejects(ask(big), /"x\.png" is 1\.3 MiB; images sent to the engine may be at most 1\.25 MiB/);
});

test('the transport checks imageData as a list of {name, base64}', () => {
  const frame = (imageData: unknown) => JSON.stringify({ kind: 'request', id: 1, command: { type: 'model.predict', model: 'm', images: [], imageData } });
  assert.equal(parseRequest(frame([{ name: 'a.png', base64: 'AAAA' }])).ok, true);
  const refused = (imageData: unknown) => {
    const parsed = parseRequest(frame(imageData));
    assert.equal(parsed.ok, false);
    return parsed.ok ? '' : parsed.error.message;
  };
  assert.match(refused('AAAA'), /imageData must be a list of \{name, base64\} images/);
  assert.match(refused([{ name: 'a.png' }]), /imageData\[0\] is missing "base64"/);
  assert.match(refused([{ name: 'a.png', base64: 'AAAA', path: '/etc/passwd' }]), /imageData\[0\] has an unknown field "path"/);
});
