/**
 * `convnet-studio train` for a person at a terminal: the run-started line,
 * one line per epoch and the closing line, and Ctrl-C during training (the
 * run stops after its batch, the model so far is saved, exit 0). Run
 * in-process through main() against the real engine on real PNGs; Ctrl-C is
 * the SIGINT handler the command installs, called as the signal would
 * (engine/cli/interrupt.test.ts sends real signals to a child process).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { main } from './main.js';

let temp: { dir: string; remove: () => Promise<void> };
let data: string;

before(async () => {
  temp = await makeTempDir('cli-train-text-');
  data = await writePatternFolder({ perClass: 8, size: 12, seed: 5 });
});

after(async () => {
  await temp?.remove();
  if (data) await rm(data, { recursive: true, force: true });
});

/** Runs main in-process; `onLine` sees each stdout line as it comes. stderr is caught while it runs. */
async function run(argv: string[], onLine: (line: string) => void = () => undefined): Promise<{ code: number; lines: string[]; stderr: string }> {
  const lines: string[] = [];
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv, (line) => {
      lines.push(line);
      onLine(line);
    });
    return { code, lines, stderr };
  } finally {
    process.stderr.write = write;
  }
}

const NUMBER = '\\d+\\.\\d{4}';

test('train prints what it trains on, one line per epoch, and how it finished; the run is recorded in the project', async () => {
  const path = join(temp.dir, 'text.cnnstudio.json');
  await writeFile(path, JSON.stringify(tinyCnnProject({ size: 12, data: { validationSplit: 0.25 }, training: { epochs: 2 } })));
  const runDir = join(temp.dir, 'text-run');
  const { code, lines, stderr } = await run(['train', path, '--data', data, '--backend', 'cpu', '--out', runDir, '--threads', '1']);
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.match(lines[0]!, new RegExp(`^Training on cpu \\(CPU\\): \\d[\\d,]* parameters, (\\d+) training / (\\d+) validation images in 3 classes, batch 16, 2 epochs, 1 thread, images in memory\\. Run folder: ${runDir}$`));
  const [, trainCount, valCount] = /(\d+) training \/ (\d+) validation/.exec(lines[0]!)!;
  assert.equal(Number(trainCount) + Number(valCount), 24, 'all 24 images, split');
  assert.ok(Number(valCount) > 0);
  for (const epoch of [1, 2]) {
    assert.match(lines[epoch]!, new RegExp(`^epoch ${epoch}/2  loss ${NUMBER}  acc ${NUMBER}  val_loss ${NUMBER}  val_acc ${NUMBER}  lr 0\\.00100  \\d`));
  }
  assert.match(lines[3]!, new RegExp(`^Finished after 2 epochs( \\(best epoch \\d\\))?: loss ${NUMBER}, accuracy ${NUMBER}, validation accuracy ${NUMBER}\\. Model: ${runDir}/model$`));
  assert.ok(existsSync(join(runDir, 'model', 'model.json')));
  const project = JSON.parse(await readFile(path, 'utf8'));
  assert.equal(project.runs.length, 1, 'the run is recorded in the project file');
});

test('Ctrl-C during train stops after the batch, says so, saves the model and exits 0', async () => {
  const path = join(temp.dir, 'interrupted.cnnstudio.json');
  await writeFile(path, JSON.stringify(tinyCnnProject({ size: 12, training: { epochs: 500 } })));
  const runDir = join(temp.dir, 'interrupted-run');
  const before = new Set(process.listeners('SIGINT'));
  let interrupted = false;
  const { code, lines, stderr } = await run(['train', path, '--data', data, '--backend', 'cpu', '--out', runDir], (line) => {
    if (interrupted || !line.startsWith('epoch 1/500')) return;
    interrupted = true;
    const handlers = process.listeners('SIGINT').filter((l) => !before.has(l));
    assert.equal(handlers.length, 1, 'train listens for Ctrl-C while it runs');
    handlers[0]!('SIGINT');
  });
  assert.ok(interrupted, lines.join('\n'));
  assert.equal(code, 0, stderr);
  assert.match(stderr, /\nStopping after this batch \(Ctrl-C again to quit at once\)…\n/);
  assert.match(lines.at(-1)!, new RegExp(`^Stopped after [12] epochs?( \\(best epoch \\d\\))?: loss ${NUMBER}, accuracy ${NUMBER}, validation accuracy ${NUMBER}\\. Model: ${runDir}/model$`));
  assert.ok(existsSync(join(runDir, 'model', 'model.json')), 'the model so far is saved');
  assert.deepEqual(process.listeners('SIGINT').filter((l) => !before.has(l)), [], 'the handler is gone once the run ends');
});

test('train refuses a backend it does not know, and a missing project file, as usage errors', async () => {
  const path = join(temp.dir, 'text.cnnstudio.json');
  const backend = await run(['train', path, '--backend', 'gpu']);
  assert.equal(backend.code, 2);
  assert.match(backend.stderr, /--backend must be one of auto, tensorflow, webgpu, wasm, cpu \(got "gpu"\)\./);
  const none = await run(['train']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Missing the project file\.\n {2}hint: Usage: convnet-studio train <project-file>/);
});
