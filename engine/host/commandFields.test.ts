/**
 * Every field of every command, written out here by hand from
 * engine/protocol.ts (not read from the validator's own table): a valid
 * command passes; each required field left out, and each field given a value
 * of the wrong kind, is refused by name with what it must be; each optional
 * field may be left out. Mutation testing (npm run mutate --
 * message-validation) showed that a field of the validator's table could be
 * loosened without any test noticing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequest } from './messageValidation.js';

type Kind =
  | 'string'
  | 'path'
  | 'path-list'
  | 'string-list'
  | 'object'
  | 'positive-int'
  | 'boolean'
  | 'number'
  | 'string-or-number'
  | 'train-options'
  | 'sent-image'
  | 'sent-images'
  | 'graph'
  | 'data-source'
  | 'image-input'
  | 'resize';

/** command type → field → [kind, optional?] */
const PROTOCOL: Record<string, Record<string, [Kind, 'optional'?]>> = {
  info: {},
  'templates.list': {},
  'bases.list': {},
  'bases.fetch': { id: ['string'], basesUrl: ['string', 'optional'] },
  'layers.catalogue': {},
  'project.create': { template: ['string'], name: ['string', 'optional'] },
  'project.validate': { project: ['object'], classCount: ['positive-int', 'optional'] },
  'project.open': { path: ['path'] },
  'project.sample': {},
  'project.save': { path: ['path'], project: ['object'], overwrite: ['boolean', 'optional'] },
  'train.start': { project: ['object'], projectPath: ['path', 'optional'], options: ['train-options', 'optional'] },
  'model.export': { source: ['path'], formats: ['string-list'], outDir: ['path'] },
  'model.predict': { model: ['path'], images: ['path-list'], imageData: ['sent-images', 'optional'], topK: ['positive-int', 'optional'] },
  'images.thumbnails': { paths: ['path-list'] },
  'model.evaluate': { model: ['path'], dataPath: ['path'], worst: ['positive-int', 'optional'] },
  'model.import': { path: ['path'], freezeUpTo: ['string', 'optional'], classCount: ['positive-int', 'optional'], headAfter: ['string', 'optional'] },
  'model.explain': {
    model: ['path'],
    images: ['path-list'],
    layer: ['string', 'optional'],
    targetClass: ['string-or-number', 'optional'],
    outDir: ['path', 'optional'],
    imageData: ['sent-images', 'optional'],
  },
  'model.featureMaps': { model: ['path'], image: ['string'], imageData: ['sent-image', 'optional'], node: ['string'], maxChannels: ['positive-int', 'optional'] },
  'model.filters': { model: ['path'] },
  'graph.freeze': { graph: ['graph'], nodeIds: ['string-list', 'optional'], frozen: ['boolean', 'optional'], upTo: ['string', 'optional'] },
  'graph.replaceHead': { graph: ['graph'], classCount: ['positive-int'], after: ['string', 'optional'] },
  'train.pause': { runId: ['string'] },
  'train.resume': { runId: ['string'] },
  'train.stop': { runId: ['string'] },
  'run.read': { runDir: ['path'] },
  'run.record': { project: ['object'], projectPath: ['path', 'optional'], runDir: ['path'] },
  'job.write': { project: ['object'], projectPath: ['path', 'optional'], outDir: ['path'], dataPath: ['path', 'optional'], initialWeights: ['path', 'optional'] },
  'data.summary': { data: ['data-source'], projectPath: ['path', 'optional'], thumbnailsPerClass: ['number', 'optional'], verify: ['boolean', 'optional'] },
  'data.preview': {
    image: ['path'],
    input: ['image-input'],
    augmentation: ['object', 'optional'],
    resize: ['resize', 'optional'],
    count: ['positive-int', 'optional'],
    seed: ['number', 'optional'],
  },
  'engine.restart': {},
};

const VALID: Record<Kind, unknown> = {
  string: 'a',
  path: '/a',
  'path-list': ['/a', '/b'],
  'string-list': ['a', 'b'],
  object: { any: 'thing' },
  'positive-int': 3,
  boolean: true,
  number: 0.5,
  'string-or-number': 2,
  'train-options': { dataPath: '/d', epochs: 2, batchSize: 8, runDir: '/r', initialWeights: '/w', basesUrl: 'http://127.0.0.1:1/', threads: 2 },
  'sent-image': { name: 'a.png', base64: 'iVBORw0KGgo=' },
  'sent-images': [{ name: 'a.png', base64: 'iVBORw0KGgo=' }],
  graph: { nodes: [], edges: [] },
  'data-source': { kind: 'image-folder', path: '/d' },
  'image-input': { height: 28, width: 28, channels: 1 },
  resize: 'stretch',
};

const WRONG: Record<Kind, { values: unknown[]; mustBe: string }> = {
  string: { values: [42, null, ['a'], {}], mustBe: 'a string' },
  path: { values: [42, null, ['a'], {}], mustBe: 'a path' },
  'path-list': { values: ['a', {}], mustBe: 'a list of paths' },
  'string-list': { values: ['a', [1], ['a', null], {}], mustBe: 'a list of strings' },
  object: { values: ['x', [], null, 3], mustBe: 'an object' },
  'positive-int': { values: [0, -1, 1.5, '3', Number.NaN], mustBe: 'a whole number of at least 1' },
  boolean: { values: ['true', 1, null], mustBe: 'true or false' },
  number: { values: ['1', null, []], mustBe: 'a number' },
  'string-or-number': { values: [null, [], {}], mustBe: 'a string or a number' },
  'train-options': { values: ['x', []], mustBe: 'an object' },
  'sent-image': { values: ['x', []], mustBe: 'a {name, base64} image' },
  'sent-images': { values: ['x', {}], mustBe: 'a list of {name, base64} images' },
  graph: { values: ['x', []], mustBe: 'a graph object with "nodes" and "edges" lists' },
  'data-source': { values: ['x', []], mustBe: 'a data source object' },
  'image-input': { values: ['x', []], mustBe: 'an object {height, width, channels}' },
  resize: { values: [3, 'sideways'], mustBe: 'one of stretch, center-crop, letterbox' },
};

const parse = (command: Record<string, unknown>) => parseRequest(JSON.stringify({ kind: 'request', id: 5, command }));

function refused(command: Record<string, unknown>, message: RegExp, what: string): void {
  const parsed = parse(command);
  assert.equal(parsed.ok, false, `${what} was accepted`);
  if (parsed.ok) return;
  assert.equal(parsed.error.code, 'invalid-message', what);
  assert.equal(parsed.id, 5, what);
  assert.match(parsed.error.message, message, what);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('the validator knows exactly the protocol\'s commands', () => {
  for (const type of Object.keys(PROTOCOL)) {
    const parsed = parse({ type });
    assert.ok(parsed.ok || parsed.error.code !== 'unknown-command', `${type} is unknown to the validator`);
  }
});

for (const [type, fields] of Object.entries(PROTOCOL)) {
  test(`${type}: all fields, the required ones alone, each one missing or of the wrong kind`, () => {
    const full = { type, ...Object.fromEntries(Object.entries(fields).map(([name, [kind]]) => [name, VALID[kind]])) };
    const parsedFull = parse(full);
    assert.ok(parsedFull.ok, `${type} with every field: ${!parsedFull.ok && parsedFull.error.message}`);
    assert.deepEqual(parsedFull.request.command, full);

    const required = Object.entries(fields).filter(([, [, optional]]) => !optional);
    const minimal: Record<string, unknown> = { type, ...Object.fromEntries(required.map(([name, [kind]]) => [name, VALID[kind]])) };
    assert.ok(parse(minimal).ok, `${type} with only its required fields`);

    for (const [name] of required) {
      const { [name]: _left, ...without } = minimal;
      refused(without, new RegExp(`^command "${escape(type)}" is missing "${name}"\\.$`), `${type} without ${name}`);
    }
    for (const [name, [kind]] of Object.entries(fields)) {
      for (const value of WRONG[kind].values) {
        refused({ ...minimal, [name]: value }, new RegExp(`^command "${escape(type)}"\\.${name} must be ${escape(WRONG[kind].mustBe)} \\(got `), `${type}.${name} = ${JSON.stringify(value)}`);
      }
    }
    refused({ ...minimal, extra: 1 }, new RegExp(`^command "${escape(type)}" has an unknown field "extra"\\.$`), `${type} with an extra field`);
  });
}

test('train options and sent images are checked field by field too', () => {
  const project = { nodes: [] };
  refused({ type: 'train.start', project, options: { epochs: 0 } }, /^command "train\.start"\.options\.epochs must be a whole number of at least 1 \(got number 0\)\.$/, 'epochs 0');
  refused({ type: 'train.start', project, options: { threads: 0 } }, /^command "train\.start"\.options\.threads must be a whole number of at least 1 \(got number 0\)\.$/, 'threads 0');
  refused({ type: 'train.start', project, options: { threads: 'all' } }, /^command "train\.start"\.options\.threads must be a whole number of at least 1/, 'threads "all"');
  refused({ type: 'train.start', project, options: { batchSize: 2.5 } }, /options\.batchSize must be a whole number/, 'batch 2.5');
  refused({ type: 'train.start', project, options: { dataPath: 1 } }, /options\.dataPath must be a path/, 'dataPath 1');
  refused({ type: 'train.start', project, options: { runDir: [] } }, /options\.runDir must be a path/, 'runDir []');
  refused({ type: 'train.start', project, options: { initialWeights: false } }, /options\.initialWeights must be a path/, 'weights false');
  refused({ type: 'train.start', project, options: { learningRate: 1 } }, /options has an unknown field "learningRate"/, 'unknown option');
  const predict = { type: 'model.predict', model: '/m', images: [] };
  refused({ ...predict, imageData: ['x'] }, /^command "model\.predict"\.imageData\[0\] must be an object \(got "x"\)\.$/, 'image not an object');
  refused({ ...predict, imageData: [{ name: 'a.png' }] }, /^command "model\.predict"\.imageData\[0\] is missing "base64"\.$/, 'no base64');
  refused({ ...predict, imageData: [{ name: 'a.png', base64: 1 }] }, /imageData\[0\]\.base64 must be a string/, 'base64 1');
  refused({ ...predict, imageData: [{ name: 'a.png', base64: '', path: '/etc' }] }, /imageData\[0\] has an unknown field "path"/, 'extra image field');
  assert.ok(parse({ ...predict, imageData: [] }).ok);
});
