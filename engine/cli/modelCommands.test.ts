/**
 * The text that `evaluate`, `export` and `predict` print for a person (not
 * --json), checked line by line against the same command's --json answer:
 * a tiny CNN trained here on real PNG files, run in-process through main().
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { Engine } from '../engine.js';
import type { EvaluationReport } from '../evaluate/evaluate.js';
import type { EngineEvent } from '../protocol.js';
import { PATTERN_CLASSES, writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { main } from './main.js';

let temp: { dir: string; remove: () => Promise<void> };
let data: string;
let runDir: string;

async function run(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main(argv, (line) => lines.push(line));
  return { code, lines };
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

before(async () => {
  temp = await makeTempDir('cli-models-');
  data = await writePatternFolder({ perClass: 8, size: 12, seed: 4 });
  runDir = join(temp.dir, 'run');
  const engine = new Engine({ backend: 'cpu' });
  let failure: EngineEvent | null = null;
  engine.onEvent((e) => {
    if (e.type === 'error') failure = e;
  });
  await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 12, training: { epochs: 2 } }), options: { dataPath: data, runDir } });
  await engine.idle();
  assert.equal(failure, null);
});

after(async () => {
  await temp.remove();
  await rm(data, { recursive: true, force: true });
});

test('evaluate prints the accuracy, a per-class table, the confusion matrix and the worst mistakes, as --json reports them', async () => {
  const json = await run('evaluate', runDir, '--data', data, '--worst', '2', '--json');
  assert.equal(json.code, 0, json.lines.join('\n'));
  const report = JSON.parse(json.lines[0]!) as EvaluationReport & { type: string };
  assert.equal(report.type, 'evaluation');
  assert.deepEqual(report.classNames, [...PATTERN_CLASSES]);
  assert.equal(report.count, 24);

  const { code, lines } = await run('evaluate', runDir, '--data', data, '--worst', '2');
  assert.equal(code, 0, lines.join('\n'));
  assert.equal(lines[0], `24 images (every image of ${data}): accuracy ${percent(report.accuracy)}`);
  assert.equal(lines[1], 'class       precision  recall     F1  support');
  report.perClass.forEach((c, i) => {
    assert.equal(lines[2 + i], `${c.className.padEnd(10)}  ${c.precision.toFixed(3).padStart(9)}  ${c.recall.toFixed(3).padStart(6)}  ${c.f1.toFixed(3).padStart(5)}  ${String(c.support).padStart(7)}`);
    assert.equal(c.support, 8);
  });
  assert.match(lines[5]!, new RegExp(`^macro\\s+${report.macro.precision.toFixed(3)}\\s+${report.macro.recall.toFixed(3)}\\s+${report.macro.f1.toFixed(3)}$`));
  assert.equal(lines[6], 'Confusion matrix (rows: true class, columns: predicted, in the order above):');
  const matrix = lines.slice(7, 10).map((line) => line.trim().split(/\s+/));
  assert.deepEqual(matrix.map((row) => row[0]), [...PATTERN_CLASSES]);
  assert.deepEqual(matrix.map((row) => row.slice(1).map(Number)), report.confusion);
  const rest = lines.slice(10);
  if (report.worst.length) {
    assert.equal(rest[0], 'Most confident mistakes:');
    assert.deepEqual(rest.slice(1), report.worst.map((m) => `  ${m.path}: ${m.trueClass} taken for ${m.predictedClass} (${percent(m.confidence)})`));
    assert.ok(report.worst.length <= 2, '--worst 2');
  } else {
    assert.deepEqual(rest, []);
  }
});

test('evaluate without --data is a usage error (exit 2) saying what is missing', async () => {
  const { code } = await run('evaluate', runDir);
  assert.equal(code, 2);
  const json = await run('evaluate', runDir, '--json');
  assert.equal(json.code, 2);
  assert.match(JSON.parse(json.lines[0]!).message, /^Missing --data DIR: the labelled images to evaluate on\.$/);
});

test('export prints each file, each check, and the classes; predict prints the top classes of each image', async () => {
  const out = join(temp.dir, 'exported');
  const exported = await run('export', runDir, '--format', 'tfjs,onnx', '--out', out);
  assert.equal(exported.code, 0, exported.lines.join('\n'));
  const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(out.length + 1)).sort();
  assert.equal(exported.lines[0], `Exported tfjs, onnx to ${out}:`);
  assert.deepEqual(exported.lines.slice(1, 1 + files.length).map((l) => l.trim()).sort(), files);
  const checks = exported.lines.slice(1 + files.length, 3 + files.length);
  assert.match(checks[0]!, /^ {2}tfjs: read back and run, outputs within 0\.0e\+0 of the trained model$/);
  assert.match(checks[1]!, /^ {2}onnx: read back and run, outputs within \d\.\de-\d+ of the trained model$/);
  assert.equal(exported.lines.at(-1), 'Classes (3): checks, horizontal, vertical');
  assert.equal(exported.lines.length, 4 + files.length);

  const images = (await readdir(join(data, 'vertical'))).slice(0, 2).map((f) => join(data, 'vertical', f));
  const json = await run('predict', out, ...images, '--top', '2', '--json');
  assert.equal(json.code, 0, json.lines.join('\n'));
  const predictions = json.lines.map((l) => JSON.parse(l) as { image: string; top: { className: string; probability: number }[] });
  const text = await run('predict', out, ...images, '--top', '2');
  assert.equal(text.code, 0, text.lines.join('\n'));
  assert.deepEqual(
    text.lines,
    predictions.map((p) => `${p.image}: ${p.top.map((t) => `${t.className} ${percent(t.probability)}`).join(', ')}`),
  );
  for (const p of predictions) assert.equal(p.top.length, 2);
});
