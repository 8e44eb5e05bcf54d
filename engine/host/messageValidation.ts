/**
 * The gate every transport passes through: a text frame from the window (over
 * Electron IPC, a MessagePort or a WebSocket) becomes a RequestMessage only if
 * it is small enough, is JSON, and has the shape engine/protocol.ts promises.
 * Anything else is refused here, with a reason a person can act on, before it
 * can reach the Engine. Deep checks of a project's content stay in the engine
 * (projectFromJson, validateGraph): this module checks the envelope, the
 * depth and key names of the whole message, and each command's fields down
 * to the nested ones the engine reads directly (a graph's nodes and edges, a
 * data source, an input shape, paths), so a malformed command is refused in
 * words and `internal` errors are left for real bugs.
 */
import type { Command, CommandType, ErrorInfo, RequestMessage } from '../protocol.js';
import { describeJsonProblem, findJsonProblem, MAX_JSON_DEPTH, quoteName } from '../util/safeJson.js';

/** The largest frame accepted: a project file with thousands of layers fits many times over. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export type ParsedRequest =
  | { ok: true; request: RequestMessage }
  /** `id` is the request's id when one could be read, so the caller's promise can be answered too. */
  | { ok: false; id: number | null; error: ErrorInfo };

type FieldKind =
  | 'string'
  | 'path'
  | 'path-list'
  | 'string-list'
  | 'object'
  | 'positive-int'
  | 'train-options'
  | 'boolean'
  | 'number'
  | 'fraction'
  | 'sent-images'
  | 'graph'
  | 'data-source'
  | 'image-input'
  | 'resize'
  | 'string-or-number'
  | 'sent-image';
type FieldSpec = Record<string, { kind: FieldKind; optional?: boolean; nullable?: boolean }>;

/** Longer than any path a file system accepts (PATH_MAX is 4,096 on Linux). */
export const MAX_PATH_CHARS = 4096;

/**
 * The fields of every command. Typed against the protocol's command list, so
 * a command added there without a line here fails the type check.
 */
const COMMAND_FIELDS: { [T in CommandType]: FieldSpec } = {
  info: {},
  'templates.list': {},
  'bases.list': {},
  'bases.fetch': { id: { kind: 'string' }, basesUrl: { kind: 'string', optional: true } },
  'layers.catalogue': {},
  'project.create': { template: { kind: 'string' }, name: { kind: 'string', optional: true } },
  'project.validate': { project: { kind: 'object' }, classCount: { kind: 'positive-int', optional: true } },
  'project.open': { path: { kind: 'path' } },
  'project.sample': {},
  'project.save': { path: { kind: 'path' }, project: { kind: 'object' }, overwrite: { kind: 'boolean', optional: true } },
  'train.start': {
    project: { kind: 'object' },
    projectPath: { kind: 'path', optional: true },
    options: { kind: 'train-options', optional: true },
  },
  'model.export': { source: { kind: 'path' }, formats: { kind: 'string-list' }, outDir: { kind: 'path' } },
  'model.predict': {
    model: { kind: 'path' },
    images: { kind: 'path-list' },
    imageData: { kind: 'sent-images', optional: true },
    topK: { kind: 'positive-int', optional: true },
  },
  'images.thumbnails': { paths: { kind: 'path-list' } },
  'model.evaluate': { model: { kind: 'path' }, dataPath: { kind: 'path' }, worst: { kind: 'positive-int', optional: true } },
  'model.import': {
    path: { kind: 'path' },
    freezeUpTo: { kind: 'string', optional: true },
    classCount: { kind: 'positive-int', optional: true },
    headAfter: { kind: 'string', optional: true },
  },
  'model.explain': {
    model: { kind: 'path' },
    images: { kind: 'path-list' },
    layer: { kind: 'string', optional: true },
    targetClass: { kind: 'string-or-number', optional: true },
    outDir: { kind: 'path', optional: true },
    imageData: { kind: 'sent-images', optional: true },
  },
  'model.featureMaps': {
    model: { kind: 'path' },
    image: { kind: 'string' },
    imageData: { kind: 'sent-image', optional: true },
    node: { kind: 'string' },
    maxChannels: { kind: 'positive-int', optional: true },
  },
  'model.filters': { model: { kind: 'path' } },
  'graph.freeze': {
    graph: { kind: 'graph' },
    nodeIds: { kind: 'string-list', optional: true },
    frozen: { kind: 'boolean', optional: true },
    upTo: { kind: 'string', optional: true },
  },
  'graph.replaceHead': { graph: { kind: 'graph' }, classCount: { kind: 'positive-int' }, after: { kind: 'string', optional: true } },
  'train.pause': { runId: { kind: 'string' } },
  'train.resume': { runId: { kind: 'string' } },
  'train.stop': { runId: { kind: 'string' } },
  'run.read': { runDir: { kind: 'path' } },
  'run.record': { project: { kind: 'object' }, projectPath: { kind: 'path', optional: true }, runDir: { kind: 'path' } },
  'job.write': {
    project: { kind: 'object' },
    projectPath: { kind: 'path', optional: true },
    outDir: { kind: 'path' },
    dataPath: { kind: 'path', optional: true },
    initialWeights: { kind: 'path', optional: true },
  },
  'data.summary': {
    data: { kind: 'data-source' },
    projectPath: { kind: 'path', optional: true },
    thumbnailsPerClass: { kind: 'number', optional: true },
    verify: { kind: 'boolean', optional: true },
  },
  'data.preview': {
    image: { kind: 'path' },
    input: { kind: 'image-input' },
    augmentation: { kind: 'object', optional: true },
    resize: { kind: 'resize', optional: true },
    count: { kind: 'positive-int', optional: true },
    seed: { kind: 'number', optional: true },
  },
  'engine.restart': {},
};

const TRAIN_OPTION_FIELDS: FieldSpec = {
  dataPath: { kind: 'path', optional: true },
  epochs: { kind: 'positive-int', optional: true },
  batchSize: { kind: 'positive-int', optional: true },
  runDir: { kind: 'path', optional: true },
  initialWeights: { kind: 'path', optional: true },
  basesUrl: { kind: 'string', optional: true },
  threads: { kind: 'positive-int', optional: true },
};

/** A graph as graph commands read it; node parameters are checked by validation, which names the node. */
const GRAPH_FIELDS: FieldSpec = { nodes: { kind: 'object' }, edges: { kind: 'object' } };
const NODE_FIELDS: FieldSpec = {
  id: { kind: 'string' },
  type: { kind: 'string' },
  params: { kind: 'object', optional: true },
  position: { kind: 'object', optional: true },
  name: { kind: 'string', optional: true },
  frozen: { kind: 'boolean', optional: true },
};
const EDGE_FIELDS: FieldSpec = {
  id: { kind: 'string', optional: true },
  source: { kind: 'string' },
  target: { kind: 'string' },
  targetPort: { kind: 'number', optional: true },
};

/** A data source as data.summary reads it; what it leaves out takes the defaults. */
const DATA_SOURCE_FIELDS: FieldSpec = {
  kind: { kind: 'string', optional: true },
  path: { kind: 'path', optional: true, nullable: true },
  labels: { kind: 'path', optional: true, nullable: true },
  classNames: { kind: 'string-list', optional: true, nullable: true },
  validationSplit: { kind: 'fraction', optional: true },
  testSplit: { kind: 'fraction', optional: true },
  seed: { kind: 'number', optional: true },
  preprocessing: { kind: 'object', optional: true },
  augmentation: { kind: 'object', optional: true },
  cache: { kind: 'object', optional: true },
};
const DATA_SOURCE_KINDS = ['image-folder', 'csv', 'idx'];

const IMAGE_INPUT_FIELDS: FieldSpec = { height: { kind: 'positive-int' }, width: { kind: 'positive-int' }, channels: { kind: 'positive-int' } };
const RESIZE_MODES = ['stretch', 'center-crop', 'letterbox'];

const SENT_IMAGE_FIELDS: FieldSpec = { name: { kind: 'string' }, base64: { kind: 'string' } };

const PROTOCOL_HINT = 'Send {"kind":"request","id":<integer>,"command":{"type":…}} as engine/protocol.ts describes.';

class Refusal extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly code: string,
  ) {
    super(message);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkField(where: string, value: unknown, kind: FieldKind): void {
  const wrong = (expected: string) =>
    new Refusal(`${where} must be ${expected} (got ${describe(value)}).`, PROTOCOL_HINT, 'invalid-message');
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      return;
    case 'path':
      checkPath(where, value);
      return;
    case 'path-list':
      if (!Array.isArray(value)) throw wrong('a list of paths');
      value.forEach((v, i) => checkPath(`${where}[${i}]`, v));
      return;
    case 'string-list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw wrong('a list of strings');
      return;
    case 'object':
      if (!isPlainObject(value)) throw wrong('an object');
      return;
    case 'positive-int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw wrong('a whole number of at least 1');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong('a number');
      return;
    case 'fraction':
      if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw wrong('a fraction from 0 up to (not including) 1');
      return;
    case 'resize':
      if (typeof value !== 'string' || !RESIZE_MODES.includes(value)) throw wrong(`one of ${RESIZE_MODES.join(', ')}`);
      return;
    case 'string-or-number':
      if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) throw wrong('a string or a number');
      return;
    case 'train-options':
      if (!isPlainObject(value)) throw wrong('an object');
      checkFields(where, value, TRAIN_OPTION_FIELDS);
      return;
    case 'sent-image':
      if (!isPlainObject(value)) throw wrong('a {name, base64} image');
      checkFields(where, value, SENT_IMAGE_FIELDS);
      return;
    case 'sent-images':
      if (!Array.isArray(value)) throw wrong('a list of {name, base64} images');
      value.forEach((image, i) => {
        if (!isPlainObject(image)) throw new Refusal(`${where}[${i}] must be an object (got ${describe(image)}).`, PROTOCOL_HINT, 'invalid-message');
        checkFields(`${where}[${i}]`, image, SENT_IMAGE_FIELDS);
      });
      return;
    case 'graph':
      if (!isPlainObject(value)) throw wrong('a graph object with "nodes" and "edges" lists');
      for (const list of ['nodes', 'edges'] as const) {
        if (!Array.isArray(value[list])) throw new Refusal(`${where}.${list} must be a list (got ${describe(value[list])}).`, 'A graph is {"nodes": [...], "edges": [...]}.', 'invalid-message');
        (value[list] as unknown[]).forEach((item, i) => {
          const at = `${where}.${list}[${i}]`;
          if (!isPlainObject(item)) throw new Refusal(`${at} must be an object (got ${describe(item)}).`, PROTOCOL_HINT, 'invalid-message');
          checkFields(at, item, list === 'nodes' ? NODE_FIELDS : EDGE_FIELDS, { allowUnknown: true });
        });
      }
      return;
    case 'data-source':
      if (!isPlainObject(value)) throw wrong('a data source object');
      checkFields(where, value, DATA_SOURCE_FIELDS, { allowUnknown: true });
      if (value.kind !== undefined && !DATA_SOURCE_KINDS.includes(value.kind as string)) {
        throw new Refusal(`${where}.kind must be one of ${DATA_SOURCE_KINDS.join(', ')} (got ${describe(value.kind)}).`, PROTOCOL_HINT, 'invalid-message');
      }
      return;
    case 'image-input':
      if (!isPlainObject(value)) throw wrong('an object {height, width, channels}');
      checkFields(where, value, IMAGE_INPUT_FIELDS);
      return;
  }
}

/** A path the file system can be asked about: text, not empty, no NUL, not absurdly long. */
function checkPath(where: string, value: unknown): void {
  const refuse = (problem: string) => new Refusal(`${where} ${problem}.`, 'Send the path of a file or folder as plain text.', 'invalid-message');
  if (typeof value !== 'string') throw refuse(`must be a path (got ${describe(value)})`);
  if (value.length === 0) throw refuse('is empty');
  if (value.includes('\0')) throw refuse('holds a NUL character, which no file name can contain');
  if (value.length > MAX_PATH_CHARS) throw refuse(`is ${value.length.toLocaleString('en-US')} characters long, more than the ${MAX_PATH_CHARS.toLocaleString('en-US')} a path may have`);
}

function checkFields(where: string, value: Record<string, unknown>, spec: FieldSpec, { allowUnknown = false } = {}): void {
  if (!allowUnknown) {
    for (const key of Object.keys(value)) {
      if (key !== 'type' && !Object.hasOwn(spec, key)) {
        throw new Refusal(`${where} has an unknown field ${quoteName(key)}.`, `Its fields are: ${Object.keys(spec).join(', ') || 'none'}.`, 'invalid-message');
      }
    }
  }
  for (const [key, field] of Object.entries(spec)) {
    const present = Object.hasOwn(value, key) && value[key] !== undefined;
    if (!present && !field.optional) throw new Refusal(`${where} is missing "${key}".`, PROTOCOL_HINT, 'invalid-message');
    if (present && !(field.nullable && value[key] === null)) checkField(`${where}.${key}`, value[key], field.kind);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : quoteName(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function checkCommand(value: unknown): Command {
  if (!isPlainObject(value)) throw new Refusal(`"command" must be an object (got ${describe(value)}).`, PROTOCOL_HINT, 'invalid-message');
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(COMMAND_FIELDS, type)) {
    throw new Refusal(
      `Unknown command ${typeof type === 'string' ? quoteName(type) : describe(type)}.`,
      `Use one of: ${Object.keys(COMMAND_FIELDS).join(', ')}.`,
      'unknown-command',
    );
  }
  checkFields(`command ${quoteName(type)}`, value, COMMAND_FIELDS[type as CommandType]);
  return value as unknown as Command;
}

/** Reads one frame; never throws. */
export function parseRequest(frame: unknown): ParsedRequest {
  if (typeof frame !== 'string') {
    return refuse(null, new Refusal(`A message must be JSON text (got ${describe(frame)}).`, PROTOCOL_HINT, 'invalid-message'));
  }
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so short frames skip the count.
  if (frame.length * 3 > MAX_MESSAGE_BYTES && Buffer.byteLength(frame) > MAX_MESSAGE_BYTES) {
    return refuse(
      null,
      new Refusal(
        `A message of ${Buffer.byteLength(frame).toLocaleString('en-US')} bytes is larger than the ${MAX_MESSAGE_BYTES.toLocaleString('en-US')} bytes allowed.`,
        'Send less at once: a project file is far smaller than this.',
        'message-too-large',
      ),
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch (e) {
    return refuse(null, new Refusal(`A message is not valid JSON (${(e as Error).message}).`, PROTOCOL_HINT, 'invalid-message'));
  }
  const id = isPlainObject(value) && Number.isSafeInteger(value.id) ? (value.id as number) : null;
  try {
    if (!isPlainObject(value)) throw new Refusal(`A message must be a JSON object (got ${describe(value)}).`, PROTOCOL_HINT, 'invalid-message');
    if (value.kind !== 'request') throw new Refusal(`A message's "kind" must be "request" (got ${describe(value.kind)}).`, PROTOCOL_HINT, 'invalid-message');
    if (id === null) throw new Refusal(`A request's "id" must be an integer (got ${describe(value.id)}).`, PROTOCOL_HINT, 'invalid-message');
    for (const key of Object.keys(value)) {
      if (key !== 'kind' && key !== 'id' && key !== 'command') throw new Refusal(`A request has an unknown field ${quoteName(key)}.`, PROTOCOL_HINT, 'invalid-message');
    }
    // Before any code walks it: no key that rewrites a prototype, no nesting that overflows a stack.
    const problem = findJsonProblem(value);
    if (problem) {
      throw new Refusal(
        `A request ${describeJsonProblem(problem)}.`,
        problem.kind === 'too-deep' ? `Requests nest at most ${MAX_JSON_DEPTH} levels; a project file needs fewer than 10.` : 'Rename the field.',
        problem.kind === 'too-deep' ? 'message-too-deep' : 'invalid-message',
      );
    }
    return { ok: true, request: { kind: 'request', id, command: checkCommand(value.command) } };
  } catch (e) {
    if (e instanceof Refusal) return refuse(id, e);
    throw e;
  }
}

function refuse(id: number | null, refusal: Refusal): ParsedRequest {
  return { ok: false, id, error: { message: refusal.message, hint: refusal.hint, code: refusal.code } };
}
