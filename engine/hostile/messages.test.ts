/**
 * Hostile input, part 2: frames a hostile or broken client sends, through
 * the real EngineSession onto the real Engine. Prototype key names, giant and
 * control-character names, ten-thousand-level nesting, malformed nested
 * fields, and a seeded 2,000-frame fuzz: every frame is answered with an
 * error a person can read, none with `internal` (which is kept for bugs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { createRandom } from '../data/random.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { createProject } from '../graph/templates.js';
import { EngineSession } from '../host/engineSession.js';
import { parseRequest } from '../host/messageValidation.js';
import type { EngineMessage } from '../protocol.js';
import { readProject } from '../project/projectFile.js';

const request = (command: unknown, id = 1) => JSON.stringify({ kind: 'request', id, command });

function refusal(frame: string): { message: string; code: string } {
  const parsed = parseRequest(frame);
  assert.equal(parsed.ok, false, `accepted ${frame.slice(0, 200)}`);
  return parsed.ok ? { message: '', code: '' } : parsed.error;
}

test('field names JavaScript objects carry (toString, constructor, __proto__, valueOf) are unknown fields', () => {
  for (const key of ['toString', 'constructor', 'valueOf', 'hasOwnProperty']) {
    const error = refusal(`{"kind":"request","id":1,"command":{"type":"project.open","path":"/tmp/a.json","${key}":1}}`);
    assert.match(error.message, new RegExp(`unknown field "${key}"|a field named "${key}"`));
  }
  const proto = refusal('{"kind":"request","id":1,"command":{"type":"project.validate","project":{"format":"convnet-studio.project","data":{"__proto__":{"polluted":true}}}}}');
  assert.match(proto.message, /a field named "__proto__" \(at "command.project.data"\), a name JavaScript reserves/);
});

test('a project file with a __proto__ key in its settings is refused by name, not loaded with a new prototype', async (t) => {
  const { dir, remove } = await makeTempDir('proto-project');
  t.after(remove);
  const path = join(dir, 'p.cnnstudio.json');
  const text = JSON.stringify(createProject('seed-cnn')).replace('"training":{', '"training":{"__proto__":{"epochs":999},');
  await writeFile(path, text);
  await assert.rejects(readProject(path), /has a field named "__proto__" \(at "training"\)/);
});

test('a 1 MiB unknown field name with newlines is echoed quoted, escaped and cut, in one log line', async () => {
  const key = `evil\n${'k'.repeat(1024 * 1024)}`;
  const replies: string[] = [];
  const log: string[] = [];
  const session = new EngineSession(new Engine(), (_c, text) => replies.push(text), (line) => log.push(line));
  session.receive(1, JSON.stringify({ kind: 'request', id: 1, command: { type: 'info', [key]: 1 } }));
  assert.equal(replies.length, 2, 'a response and an error event');
  for (const reply of replies) assert.ok(reply.length < 2000, `a reply of ${reply.length} characters`);
  assert.equal(log.length, 1);
  assert.ok(log[0]!.length < 1000 && !log[0]!.includes('\n'), log[0]!.slice(0, 300));
  assert.match(log[0]!, /unknown field "evil\\nk{115}…" \(1,048,581 characters\)/);
  session.dispose();
});

test('a frame nested ten thousand levels deep is refused as too deep', () => {
  const deep = `{"kind":"request","id":3,"command":{"type":"project.validate","project":${'['.repeat(10_000)}${']'.repeat(10_000)}}}`;
  const parsed = parseRequest(deep);
  assert.equal(parsed.ok, false);
  if (parsed.ok) return;
  assert.equal(parsed.id, 3);
  assert.equal(parsed.error.code, 'message-too-deep');
  assert.match(parsed.error.message, /nested more than 64 levels deep/);
});

test('malformed nested fields are refused in words: graph nodes, data sources, NUL and over-long paths', () => {
  assert.match(refusal(request({ type: 'graph.freeze', graph: { nodes: [{ id: 1 }], edges: [] } })).message, /graph.nodes\[0\].id must be a string \(got number 1\)/);
  assert.match(refusal(request({ type: 'graph.freeze', graph: { nodes: 'x', edges: [] } })).message, /graph.nodes must be a list/);
  assert.match(refusal(request({ type: 'graph.replaceHead', graph: { nodes: [null], edges: [] }, classCount: 2 })).message, /nodes\[0\] must be an object \(got null\)/);
  assert.match(refusal(request({ type: 'data.summary', data: { path: -1 } })).message, /data.path must be a path \(got number -1\)/);
  assert.match(refusal(request({ type: 'data.summary', data: { kind: 'ftp', path: '/d' } })).message, /data.kind must be one of image-folder, csv, idx/);
  assert.match(refusal(request({ type: 'data.summary', data: { path: '/d', validationSplit: 2 } })).message, /validationSplit must be a fraction/);
  assert.match(refusal(request({ type: 'project.save', path: '/tmp/a\u0000b', project: {} })).message, /path holds a NUL character/);
  assert.match(refusal(request({ type: 'project.save', path: `/tmp/${'n'.repeat(5000)}`, project: {} })).message, /path is 5,005 characters long, more than the 4,096/);
  assert.match(refusal(request({ type: 'data.preview', image: '/a.png', input: { height: 8, width: 'x', channels: 1 } })).message, /input.width must be a whole number/);
});

/** Every value a fuzzed field is replaced with. */
const HOSTILE_VALUES: unknown[] = [null, -1, 0, 1.5, 1e308, -0, '', '\u0000', 'x'.repeat(5000), [], {}, [[[[]]]], true, 'no-such', { nodes: [], edges: [] }, [1, 'a', null]];

function mutate(value: unknown, random: () => number): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  const containers: Record<string, unknown>[] = [];
  const walk = (v: unknown) => {
    if (typeof v !== 'object' || v === null) return;
    containers.push(v as Record<string, unknown>);
    for (const child of Object.values(v)) walk(child);
  };
  walk(copy);
  const target = containers[Math.floor(random() * containers.length)]!;
  const keys = Object.keys(target);
  const roll = random();
  if (keys.length === 0 || roll < 0.1) target[['extra', 'toString', '__proto__', 'constructor'][Math.floor(random() * 4)]!] = 1;
  else {
    const key = keys[Math.floor(random() * keys.length)]!;
    if (roll < 0.2 && !(Array.isArray(target))) delete target[key];
    else target[key] = HOSTILE_VALUES[Math.floor(random() * HOSTILE_VALUES.length)];
  }
  return copy;
}

test('2,000 fuzzed frames: every one answered, none with an internal error', async (t) => {
  const { dir, remove } = await makeTempDir('fuzz');
  t.after(remove);
  const home = process.cwd();
  // Fuzzed relative paths land in the temporary folder, never in the project.
  process.chdir(dir);
  t.after(() => process.chdir(home));
  await mkdir(join(dir, 'data'));
  const project = createProject('seed-cnn');
  const graph = project.graph;
  const p = (name: string) => join(dir, name);
  const commands: Record<string, unknown>[] = [
    { type: 'info' },
    { type: 'project.create', template: 'lenet5', name: 'x' },
    { type: 'project.validate', project, classCount: 3 },
    { type: 'project.open', path: p('none.cnnstudio.json') },
    { type: 'project.save', path: p('fuzz.cnnstudio.json'), project },
    { type: 'train.start', project, options: { dataPath: p('data'), epochs: 1, runDir: p('run') } },
    { type: 'train.pause', runId: 'r' },
    { type: 'model.export', source: p('no-model'), formats: ['onnx'], outDir: p('out') },
    { type: 'model.predict', model: p('no-model'), images: [p('a.png')], imageData: [{ name: 'a.png', base64: 'iVBORw0KGgo=' }], topK: 2 },
    { type: 'model.evaluate', model: p('no-model'), dataPath: p('data'), worst: 2 },
    { type: 'model.import', path: p('no-model'), classCount: 2 },
    { type: 'graph.freeze', graph, nodeIds: [graph.nodes[1]!.id], frozen: true },
    { type: 'graph.replaceHead', graph, classCount: 4 },
    { type: 'run.read', runDir: p('run') },
    { type: 'run.record', project, runDir: p('run') },
    { type: 'data.summary', data: { kind: 'image-folder', path: p('data'), validationSplit: 0.1 }, verify: false },
    { type: 'data.preview', image: p('a.png'), input: { height: 8, width: 8, channels: 1 }, count: 2 },
  ];
  const random = createRandom(16);
  const replies = new Map<number, EngineMessage>();
  const internal: string[] = [];
  const engine = new Engine({ backend: 'cpu' });
  const session = new EngineSession(
    engine,
    (_client, text) => {
      const message = JSON.parse(text) as EngineMessage;
      if (message.kind === 'response') replies.set(message.id, message);
      const error = message.kind === 'response' ? (message.ok ? null : message.error) : message.event.type === 'error' ? message.event : null;
      if (error?.code === 'internal') internal.push(error.message);
    },
    () => undefined,
  );
  const FRAMES = 2000;
  for (let id = 1; id <= FRAMES; id++) {
    const base = commands[Math.floor(random() * commands.length)]!;
    const envelope = { kind: 'request', id, command: mutate(base, random) };
    session.receive(1, JSON.stringify(envelope));
    if (id % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = Date.now() + 60_000;
  while (replies.size < FRAMES && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  await engine.idle();
  session.dispose();
  assert.equal(replies.size, FRAMES, 'every frame with an id is answered');
  assert.deepEqual(internal, [], 'no internal errors');
  // The one valid save that went through wrote a real project.
  await readFile(p('fuzz.cnnstudio.json'), 'utf8').catch(() => '');
});
