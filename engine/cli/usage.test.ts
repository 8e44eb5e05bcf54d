// The CLI's argument parsing and the usage errors of the model commands
// (cli/args.ts, cli/exportCommands.ts): each mistake is named, with the usage,
// before any engine work starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../errors.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { parseArgs, positiveIntFlag, stringFlag, UsageError } from './args.js';
import { evaluateCommand, exportCommand, importCommand, predictCommand } from './exportCommands.js';

const SPEC = { epochs: { value: true }, json: { value: false } };

function usage(message: string | RegExp, hint?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.equal(e.code, 'usage');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    if (hint) assert.match(e.hint, hint);
    return true;
  };
}

test('flags with values (spaced or with =), switches and positionals, in any order', () => {
  assert.deepEqual(parseArgs(['p.json', '--epochs', '3', '--json', 'extra'], SPEC, 'u'), { positional: ['p.json', 'extra'], flags: { epochs: '3', json: true } });
  assert.deepEqual(parseArgs(['--epochs=12', 'p.json'], SPEC, 'u'), { positional: ['p.json'], flags: { epochs: '12' } });
  // An = value may itself start with dashes or be empty: it was given on purpose.
  assert.deepEqual(parseArgs(['--epochs=--5'], SPEC, 'u').flags, { epochs: '--5' });
  assert.deepEqual(parseArgs(['--epochs='], SPEC, 'u').flags, { epochs: '' });
});

test('an unknown flag is named with the known ones; a missing value is named', () => {
  assert.throws(() => parseArgs(['--epoch', '3'], SPEC, 'train P'), usage('Unknown option --epoch.', /^Usage: train P {2}\(options: --epochs, --json\)$/));
  assert.throws(() => parseArgs(['--x'], {}, 'info'), usage('Unknown option --x.', /^Usage: info$/));
  assert.throws(() => parseArgs(['p.json', '--epochs'], SPEC, 'train P'), usage('Option --epochs needs a value.', /^Usage: train P$/));
  assert.throws(() => parseArgs(['--epochs', '--json'], SPEC, 'train P'), usage('Option --epochs needs a value.'));
});

test('whole numbers of at least 1, and strings, from flags', () => {
  assert.equal(positiveIntFlag({ top: '5' }, 'top'), 5);
  assert.equal(positiveIntFlag({ top: ' 7 ' }, 'top'), 7);
  assert.equal(positiveIntFlag({}, 'top'), undefined);
  for (const bad of ['0', '-1', '2.5', 'three', '', '99999999999999999999']) {
    assert.throws(() => positiveIntFlag({ top: bad }, 'top'), usage(`--top must be a whole number of at least 1 (got ${JSON.stringify(bad)}).`, /For example --top 3\./));
  }
  assert.throws(() => positiveIntFlag({ top: true }, 'top'), usage('--top must be a whole number of at least 1 (got true).'));
  assert.equal(stringFlag({ out: 'dir' }, 'out'), 'dir');
  assert.equal(stringFlag({ out: true }, 'out'), undefined);
  assert.equal(stringFlag({}, 'out'), undefined);
});

test('the model commands name what is missing before they start an engine', async () => {
  const out: string[] = [];
  const line = (l: string) => out.push(l);
  await assert.rejects(exportCommand(['--out', 'x'], line), usage('Missing the run or model folder.', /^Usage: convnet-studio export/));
  await assert.rejects(exportCommand(['a', 'b', '--out', 'x'], line), usage('Expected one model folder, got 2.'));
  await assert.rejects(exportCommand(['run'], line), usage('Missing --out DIR: where the exported files go.'));
  await assert.rejects(predictCommand(['model'], line), usage('Give the model folder and at least one image.', /^Usage: convnet-studio predict/));
  await assert.rejects(predictCommand(['model', 'a.png', '--top', '0'], line), usage('--top must be a whole number of at least 1 (got "0").'));
  await assert.rejects(evaluateCommand(['--data', 'd'], line), usage('Missing the run or model folder.', /^Usage: convnet-studio evaluate/));
  await assert.rejects(evaluateCommand(['a', 'b'], line), usage('Expected one model folder, got 2.'));
  await assert.rejects(evaluateCommand(['run'], line), usage('Missing --data DIR: the labelled images to evaluate on.'));
  await assert.rejects(importCommand(['model'], line), usage('Give the model (folder, .keras or .h5) to import and the project file to write.'));
  assert.deepEqual(out, [], 'nothing printed for a usage error');
});

test('import does not overwrite an existing project file without --force', async () => {
  const { dir, remove } = await makeTempDir('usage-');
  try {
    const project = join(dir, 'p.cnnstudio.json');
    await writeFile(project, '{"keep": true}');
    await assert.rejects(importCommand([join(dir, 'model'), project], () => undefined), (e: unknown) => {
      assert.ok(e instanceof StudioError);
      assert.equal(e.code, 'file-exists');
      assert.equal(e.message, `${project} already exists; not overwriting it.`);
      return true;
    });
  } finally {
    await remove();
  }
});
