/**
 * The gate every transport passes through: a text frame from the window (over
 * Electron IPC, a MessagePort or a WebSocket) becomes a RequestMessage only if
 * it is small enough, is JSON, and has the shape engine/protocol.ts promises.
 * Anything else is refused here, with a reason a person can act on, before it
 * can reach the Engine. Deep checks of a project's content stay in the engine
 * (projectFromJson, validateGraph): this module checks the envelope and each
 * command's field types, nothing more.
 */
import type { Command, CommandType, ErrorInfo, RequestMessage } from '../protocol.js';

/** The largest frame accepted: a project file with thousands of layers fits many times over. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

export type ParsedRequest =
  | { ok: true; request: RequestMessage }
  /** `id` is the request's id when one could be read, so the caller's promise can be answered too. */
  | { ok: false; id: number | null; error: ErrorInfo };

type FieldKind = 'string' | 'string-list' | 'object' | 'positive-int' | 'train-options' | 'boolean' | 'number' | 'sent-images';
type FieldSpec = Record<string, { kind: FieldKind; optional?: boolean }>;

/**
 * The fields of every command. Typed against the protocol's command list, so
 * a command added there without a line here fails the type check.
 */
const COMMAND_FIELDS: { [T in CommandType]: FieldSpec } = {
  info: {},
  'templates.list': {},
  'layers.catalogue': {},
  'project.create': { template: { kind: 'string' }, name: { kind: 'string', optional: true } },
  'project.validate': { project: { kind: 'object' }, classCount: { kind: 'positive-int', optional: true } },
  'project.open': { path: { kind: 'string' } },
  'project.sample': {},
  'project.save': { path: { kind: 'string' }, project: { kind: 'object' }, overwrite: { kind: 'boolean', optional: true } },
  'train.start': {
    project: { kind: 'object' },
    projectPath: { kind: 'string', optional: true },
    options: { kind: 'train-options', optional: true },
  },
  'model.export': { source: { kind: 'string' }, formats: { kind: 'string-list' }, outDir: { kind: 'string' } },
  'model.predict': {
    model: { kind: 'string' },
    images: { kind: 'string-list' },
    imageData: { kind: 'sent-images', optional: true },
    topK: { kind: 'positive-int', optional: true },
  },
  'images.thumbnails': { paths: { kind: 'string-list' } },
  'model.evaluate': { model: { kind: 'string' }, dataPath: { kind: 'string' }, worst: { kind: 'positive-int', optional: true } },
  'model.import': {
    path: { kind: 'string' },
    freezeUpTo: { kind: 'string', optional: true },
    classCount: { kind: 'positive-int', optional: true },
    headAfter: { kind: 'string', optional: true },
  },
  'graph.freeze': {
    graph: { kind: 'object' },
    nodeIds: { kind: 'string-list', optional: true },
    frozen: { kind: 'boolean', optional: true },
    upTo: { kind: 'string', optional: true },
  },
  'graph.replaceHead': { graph: { kind: 'object' }, classCount: { kind: 'positive-int' }, after: { kind: 'string', optional: true } },
  'train.pause': { runId: { kind: 'string' } },
  'train.resume': { runId: { kind: 'string' } },
  'train.stop': { runId: { kind: 'string' } },
  'run.read': { runDir: { kind: 'string' } },
  'data.summary': {
    data: { kind: 'object' },
    projectPath: { kind: 'string', optional: true },
    thumbnailsPerClass: { kind: 'number', optional: true },
    verify: { kind: 'boolean', optional: true },
  },
  'data.preview': {
    image: { kind: 'string' },
    input: { kind: 'object' },
    augmentation: { kind: 'object', optional: true },
    resize: { kind: 'string', optional: true },
    count: { kind: 'positive-int', optional: true },
    seed: { kind: 'number', optional: true },
  },
};

const TRAIN_OPTION_FIELDS: FieldSpec = {
  dataPath: { kind: 'string', optional: true },
  epochs: { kind: 'positive-int', optional: true },
  batchSize: { kind: 'positive-int', optional: true },
  runDir: { kind: 'string', optional: true },
  initialWeights: { kind: 'string', optional: true },
};

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
    case 'string-list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw wrong('a list of strings');
      return;
    case 'object':
      if (!isPlainObject(value)) throw wrong('an object');
      return;
    case 'positive-int':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw wrong('a whole number of at least 1');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong('a number');
      return;
    case 'train-options':
      if (!isPlainObject(value)) throw wrong('an object');
      checkFields(where, value, TRAIN_OPTION_FIELDS);
      return;
    case 'sent-images':
      if (!Array.isArray(value)) throw wrong('a list of {name, base64} images');
      value.forEach((image, i) => {
        if (!isPlainObject(image)) throw new Refusal(`${where}[${i}] must be an object (got ${describe(image)}).`, PROTOCOL_HINT, 'invalid-message');
        checkFields(`${where}[${i}]`, image, SENT_IMAGE_FIELDS);
      });
      return;
  }
}

function checkFields(where: string, value: Record<string, unknown>, spec: FieldSpec): void {
  for (const key of Object.keys(value)) {
    if (key !== 'type' && !(key in spec)) {
      throw new Refusal(`${where} has an unknown field "${key}".`, `Its fields are: ${Object.keys(spec).join(', ') || 'none'}.`, 'invalid-message');
    }
  }
  for (const [key, field] of Object.entries(spec)) {
    const present = value[key] !== undefined;
    if (!present && !field.optional) throw new Refusal(`${where} is missing "${key}".`, PROTOCOL_HINT, 'invalid-message');
    if (present) checkField(`${where}.${key}`, value[key], field.kind);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function checkCommand(value: unknown): Command {
  if (!isPlainObject(value)) throw new Refusal(`"command" must be an object (got ${describe(value)}).`, PROTOCOL_HINT, 'invalid-message');
  const type = value.type;
  if (typeof type !== 'string' || !Object.hasOwn(COMMAND_FIELDS, type)) {
    throw new Refusal(
      `Unknown command ${JSON.stringify(type)}.`,
      `Use one of: ${Object.keys(COMMAND_FIELDS).join(', ')}.`,
      'unknown-command',
    );
  }
  checkFields(`command "${type}"`, value, COMMAND_FIELDS[type as CommandType]);
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
      if (key !== 'kind' && key !== 'id' && key !== 'command') throw new Refusal(`A request has an unknown field "${key}".`, PROTOCOL_HINT, 'invalid-message');
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
