/**
 * What the CLI prints for a person and what it exits with, for the commands
 * and cases the other CLI tests leave out: help, version and unknown
 * commands, `new`, `validate` (the summary table and each problem), `info`,
 * `predict` with images that cannot be read, `evaluate` with a file it skips,
 * and `explain`'s usage. Run in-process through main() against the real
 * engine, real project files and real PNGs (a tiny CNN trained here), so
 * every line is checked against the engine's own answer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { writePatternFolder } from '../testing/imageFolderFixture.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import type { EngineEvent } from '../protocol.js';
import { main } from './main.js';

let temp: { dir: string; remove: () => Promise<void> };
let data: string;
let runDir: string;

/** Runs main in-process; stdout lines through `out`, stderr caught while it runs. */
async function run(...argv: string[]): Promise<{ code: number; lines: string[]; stderr: string }> {
  const lines: string[] = [];
  let stderr = '';
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv, (line) => lines.push(line));
    return { code, lines, stderr };
  } finally {
    process.stderr.write = write;
  }
}

before(async () => {
  temp = await makeTempDir('cli-text-');
  data = await writePatternFolder({ perClass: 6, size: 12, seed: 9 });
  runDir = join(temp.dir, 'run');
  const engine = new Engine({ backend: 'cpu' });
  let failure: EngineEvent | null = null;
  engine.onEvent((e) => {
    if (e.type === 'error') failure = e;
  });
  await engine.execute({ type: 'train.start', project: tinyCnnProject({ size: 12, training: { epochs: 1 } }), options: { dataPath: data, runDir } });
  await engine.idle();
  assert.equal(failure, null);
});

after(async () => {
  await temp?.remove();
});

test('no command prints the usage and exits 2; help, --help and -h print it and exit 0', async () => {
  const none = await run();
  assert.equal(none.code, 2);
  assert.match(none.lines[0]!, /^convnet-studio — design, train and export convolutional networks\n\nUsage:\n {2}convnet-studio new <project-file>/);
  for (const word of ['help', '--help', '-h']) {
    const asked = await run(word);
    assert.equal(asked.code, 0, word);
    assert.deepEqual(asked.lines, none.lines, word);
  }
});

test('--version prints the engine\'s version; an unknown command is a usage error naming it, as text or JSON', async () => {
  const info = await new Engine().execute({ type: 'info' });
  assert.deepEqual((await run('--version')).lines, [info.version]);
  const unknown = await run('trian', 'p.json');
  assert.equal(unknown.code, 2);
  assert.deepEqual(unknown.lines, []);
  assert.match(unknown.stderr, /^convnet-studio: Unknown command "trian"\.\n {2}hint: Commands: new, validate, train, data, info, export, predict, evaluate, import, explain, job, runs, bases \(see --help\)\.\n$/);
  const json = await run('trian', '--json');
  assert.equal(json.code, 2);
  assert.deepEqual(JSON.parse(json.lines[0]!), {
    type: 'error',
    runId: null,
    message: 'Unknown command "trian".',
    hint: 'Commands: new, validate, train, data, info, export, predict, evaluate, import, explain, job, runs, bases (see --help).',
    code: 'usage',
  });
});

test('new lists the templates with --help, creates a project, refuses to overwrite it without --force', async () => {
  const templates = await new Engine().execute({ type: 'templates.list' });
  const help = await run('new', '--help');
  assert.equal(help.code, 0);
  const listed = help.lines[0]!.split('\nTemplates:\n')[1]!.split('\n');
  assert.deepEqual(listed.map((l) => l.trim().split(/\s+/)[0]), templates.map((t) => t.name));

  const path = join(temp.dir, 'new.cnnstudio.json');
  const created = await run('new', path, '--template', 'seed-cnn', '--name', 'Shirts');
  assert.equal(created.code, 0, created.stderr);
  const project = JSON.parse(await readFile(path, 'utf8'));
  assert.equal(project.name, 'Shirts');
  const report = await new Engine().execute({ type: 'project.validate', project });
  assert.equal(
    created.lines[0],
    `Created ${path} (${project.graph.nodes.length} layers, ${report.totals.params.toLocaleString('en-US')} parameters). Train it with: convnet-studio train ${path} --data <image folder>`,
  );

  const again = await run('new', path);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists; not overwriting it\.\n {2}hint: Pick another file name, or pass --force to replace it\./);
  const forced = await run('new', path, '--template', 'seed-cnn', '--force', '--json');
  assert.equal(forced.code, 0);
  assert.deepEqual(JSON.parse(forced.lines[0]!), { type: 'created', path, template: 'seed-cnn', params: report.totals.params });

  const noFile = await run('new');
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /Missing the project file\./);
  const twoFiles = await run('validate', path, path);
  assert.equal(twoFiles.code, 2);
  assert.match(twoFiles.stderr, /Expected one project file, got 2\./);
});

test('validate prints the summary table of a valid project, and each problem with its fix for a broken one', async () => {
  const path = join(temp.dir, 'tiny.cnnstudio.json');
  const project = tinyCnnProject({ size: 12 });
  await writeFile(path, JSON.stringify(project));
  const report = await new Engine().execute({ type: 'project.validate', project });
  const valid = await run('validate', path);
  assert.equal(valid.code, 0);
  const table = valid.lines[0]!.split('\n');
  assert.match(table[0]!, /^Layer \(type\)\s+Output shape\s+Params\s+Mult-adds$/);
  // One row per layer, in the project's order, with its shape and parameters.
  project.graph.nodes.forEach((node, i) => {
    const cells = table[2 + i]!.split(/\s{2,}/);
    const r = report.nodes[node.id]!;
    assert.deepEqual(cells, [`${node.id} (${node.type})`, `[${r.shape!.join(', ')}]`, r.params.toLocaleString('en-US'), r.macs.toLocaleString('en-US')]);
  });
  assert.equal(table.at(-2), `Total params: ${report.totals.params.toLocaleString('en-US')}  (trainable ${report.totals.trainableParams.toLocaleString('en-US')})`);
  assert.equal(valid.lines.at(-1), `✓ ${path} is valid.`);

  // Dense asks for 3 classes; the data has 5: one problem naming the node and parameter.
  const five = await run('validate', path, '--classes', '5');
  assert.equal(five.code, 1);
  // No table for an invalid project: the problem, then the count.
  assert.deepEqual(five.lines, [
    '✗ node "dense", units: The model outputs 3 values but the data has 5 classes.\n    fix: Set units of "dense" to 5.',
    `1 problem in ${path}.`,
  ]);

  // A graph with its Flatten unplugged: problems on the graph and its nodes, counted.
  const broken = { ...project, graph: { ...project.graph, edges: project.graph.edges.filter((e) => e.target !== 'flatten') } };
  await writeFile(path, JSON.stringify(broken));
  const invalid = await run('validate', path);
  const brokenReport = await new Engine().execute({ type: 'project.validate', project: broken });
  assert.equal(invalid.code, 1);
  assert.equal(invalid.lines.length, brokenReport.problems.length + 1);
  brokenReport.problems.forEach((p, i) => assert.ok(invalid.lines[i]!.includes(`: ${p.message}\n    fix: ${p.hint}`), invalid.lines[i]));
  assert.equal(invalid.lines.at(-1), `${brokenReport.problems.length} problems in ${path}.`);
  const json = await run('validate', path, '--json');
  assert.equal(json.code, 1);
  assert.deepEqual(JSON.parse(json.lines[0]!).problems, brokenReport.problems);
});

test('info prints the version line and every backend with its status, or one JSON line', async () => {
  const info = await new Engine().execute({ type: 'info' });
  const text = await run('info');
  assert.equal(text.code, 0);
  assert.equal(text.lines[0], `Convnet Studio ${info.version} (protocol ${info.protocolVersion}), Node ${info.node}, TensorFlow.js ${info.tfjs}`);
  assert.equal(text.lines[1], 'Backends, in the order training picks them:');
  info.backends.forEach((b, i) => {
    assert.ok(text.lines[2 + i]!.startsWith(`  ${b.available ? '✓' : '✗'} ${b.name.padEnd(11)} ${b.available ? 'available' : b.reason}`), text.lines[2 + i]);
  });
  const json = await run('info', '--json');
  assert.deepEqual(JSON.parse(json.lines[0]!), { type: 'info', ...JSON.parse(JSON.stringify(info)) });
});

test('predict: the top 3 classes by default, each unreadable image with its error, and exit 1 with the count', async () => {
  const good = join(data, 'checks', 'checks-000.png');
  const bad = join(temp.dir, 'notes.png');
  await writeFile(bad, 'these are notes, not a picture');
  const json = await run('predict', runDir, good, bad, '--json');
  assert.equal(json.code, 1);
  const [prediction, failure] = json.lines.map((l) => JSON.parse(l));
  assert.equal(prediction.type, 'prediction');
  assert.equal(prediction.top.length, 3, 'three classes without --top');
  assert.equal(failure.type, 'error');
  assert.equal(failure.image, bad);

  const text = await run('predict', runDir, good, bad);
  assert.equal(text.code, 1);
  assert.deepEqual(text.lines, [
    `${good}: ${prediction.top.map((t: { className: string; probability: number }) => `${t.className} ${(100 * t.probability).toFixed(1)}%`).join(', ')}`,
    `${bad}: error: ${failure.message} ${failure.hint}`,
    '1 of 2 images could not be predicted.',
  ]);
  const one = await run('predict', runDir);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /Give the model folder and at least one image\./);
});

test('evaluate says how many files it skipped, and on which split it measured a train/test folder', async () => {
  const withJunk = join(temp.dir, 'with-junk');
  await cp(data, withJunk, { recursive: true });
  await writeFile(join(withJunk, 'checks', 'broken.png'), 'not a png');
  const text = await run('evaluate', runDir, '--data', withJunk);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.lines.at(-1), '1 file skipped (see --json for the reasons).');

  const split = join(temp.dir, 'split');
  for (const [part, from] of [['train', 0], ['test', 1]] as const) {
    for (const kind of ['checks', 'horizontal', 'vertical']) {
      await cp(join(data, kind), join(split, part, kind), { recursive: true, filter: (p) => !p.endsWith('.png') || Number(/(\d+)\.png$/.exec(p)![1]) % 2 === from });
    }
  }
  const onTest = await run('evaluate', runDir, '--data', split);
  assert.equal(onTest.code, 0, onTest.stderr);
  assert.match(onTest.lines[0]!, new RegExp(`^9 images \\(the test split of ${split.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\): accuracy \\d+\\.\\d%$`));
  const twoModels = await run('evaluate', runDir, runDir, '--data', data);
  assert.equal(twoModels.code, 2);
  assert.match(twoModels.stderr, /Expected one model folder, got 2\./);
});

test('explain without an image is a usage error; import names the frozen layers it wrote', async () => {
  const noImage = await run('explain', runDir);
  assert.equal(noImage.code, 2);
  assert.match(noImage.stderr, /Give the model \(run, model or export folder\) and at least one image\.\n {2}hint: Usage: convnet-studio explain/);

  const projectPath = join(temp.dir, 'imported.cnnstudio.json');
  const modelDir = join(temp.dir, 'model-copy');
  await cp(join(runDir, 'model'), modelDir, { recursive: true });
  const imported = await run('import', modelDir, projectPath, '--freeze-up-to', 'conv');
  assert.equal(imported.code, 0, imported.stderr);
  const project = JSON.parse(await readFile(projectPath, 'utf8'));
  const frozen = project.graph.nodes.filter((n: { frozen?: boolean }) => n.frozen).map((n: { id: string }) => n.id);
  assert.ok(frozen.includes('conv'), frozen.join(','));
  assert.equal(imported.lines[0], `Imported ${project.graph.nodes.length} nodes into ${projectPath} (frozen: ${frozen.join(', ')}).`);
  assert.match(imported.lines[1]!, new RegExp(`^Fine-tune it with: convnet-studio train ${projectPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --data <image folder> --weights `));
});
