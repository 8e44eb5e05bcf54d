/**
 * CSV sources a person writes by hand (csvSource.ts), on real files: short
 * rows, a row without a path, absolute paths, a column order of their own,
 * a quoted field spanning lines, an empty CSV and a folder given as the CSV.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCsv, planCsv } from './csvSource.js';
import { greyPng, makeTempDir, writeTree } from '../testing/imageFiles.js';
import { rejection } from '../testing/rejection.js';

test('a quoted field may hold a line break; the next row keeps its own line number', () => {
  assert.deepEqual(parseCsv('"two\nlines.png",cat\nb.png,dog\n'), [
    { line: 1, fields: ['two\nlines.png', 'cat'] },
    { line: 3, fields: ['b.png', 'dog'] },
  ]);
});

test('rows in a column order of their own: short rows, no path, absolute paths, a row without its split', async (t) => {
  const { dir, remove } = await makeTempDir('csv-edges');
  t.after(remove);
  await writeTree(dir, {
    'a.png': await greyPng(2, 2, 10),
    'b.png': await greyPng(2, 2, 20),
    'c.png': await greyPng(2, 2, 30),
    'far/d.png': await greyPng(2, 2, 40),
  });
  const csv = [
    'split,category,filepath',
    'train,cat,a.png',
    'test,dog',
    'train,dog,',
    `val,dog,${join(dir, 'far', 'd.png')}`,
    'train,cat,"b.png"',
    ',dog,c.png',
    'train',
  ].join('\n');
  await writeFile(join(dir, 'mine.csv'), csv);
  const plan = await planCsv(join(dir, 'mine.csv'));
  assert.equal(plan.layout, 'CSV of path,label,split rows');
  assert.deepEqual(plan.classNames, ['cat', 'dog']);
  assert.deepEqual(plan.images.train.map((item) => item.relativePath), ['a.png', 'b.png']);
  assert.deepEqual(plan.images.val.map((item) => [item.path, item.relativePath, item.classIndex]), [[join(dir, 'far', 'd.png'), 'far/d.png', 1]]);
  assert.deepEqual(plan.images.test, []);
  assert.deepEqual(
    plan.skipped.map(({ path, reason }) => [path === join(dir, 'mine.csv') ? 'mine.csv' : path.slice(dir.length + 1), reason]),
    [
      ['mine.csv', 'line 3 of mine.csv has no image path'],
      ['mine.csv', 'line 4 of mine.csv has no image path'],
      ['c.png', 'line 7 of mine.csv has split ""; use train, val or test'],
      ['mine.csv', 'line 8 of mine.csv has no image path'],
    ],
  );
  assert.deepEqual(plan.given, { val: true, test: false });
});

test('a row that stops before its split column is skipped; rows of one class come out sorted by path', async (t) => {
  const { dir, remove } = await makeTempDir('csv-order');
  t.after(remove);
  await writeTree(dir, { 'z.png': await greyPng(2, 2, 1), 'm.png': await greyPng(2, 2, 2), 'a.png': await greyPng(2, 2, 3), 'd.png': await greyPng(2, 2, 4) });
  await writeFile(join(dir, 'list.csv'), 'path,label,split\nz.png,cat,train\nm.png,cat,train\na.png,cat,train\nd.png,dog\nd.png,dog,train\n');
  const plan = await planCsv(join(dir, 'list.csv'));
  assert.deepEqual(plan.images.train.map((item) => item.relativePath), ['a.png', 'm.png', 'z.png', 'd.png']);
  assert.deepEqual(plan.skipped.map(({ reason }) => reason), ['line 5 of list.csv has split ""; use train, val or test']);
});

test('an empty CSV, one with only its header, and a folder given as the CSV are refused with what to write', async (t) => {
  const { dir, remove } = await makeTempDir('csv-empty');
  t.after(remove);
  await writeFile(join(dir, 'empty.csv'), '');
  await writeFile(join(dir, 'header.csv'), 'path,label\n\n');
  for (const name of ['empty.csv', 'header.csv']) {
    const none = await rejection(planCsv(join(dir, name)));
    assert.equal(none.code, 'data-no-images');
    assert.equal(none.message, `CSV file "${join(dir, name)}" lists no images.`);
    assert.equal(none.hint, 'Write one image per line as path,label (e.g. images/cat01.png,cat), with an optional header line "path,label".');
  }
  await mkdir(join(dir, 'list.csv'));
  const folder = await rejection(planCsv(join(dir, 'list.csv')));
  assert.equal(folder.code, 'data-file-unreadable');
  assert.equal(folder.message, `CSV file "${join(dir, 'list.csv')}" cannot be read (EISDIR).`);
  assert.match(folder.hint, /^Check the path/);
});
