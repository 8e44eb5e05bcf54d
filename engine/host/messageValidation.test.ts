import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MESSAGE_BYTES, parseRequest } from './messageValidation.js';
import { createProject } from '../graph/templates.js';
import type { Command } from '../protocol.js';

const frame = (value: unknown) => JSON.stringify(value);
const request = (command: unknown, id: unknown = 7) => frame({ kind: 'request', id, command });

test('every command of the protocol passes with its fields', () => {
  const project = createProject('seed-cnn');
  const commands: Command[] = [
    { type: 'info' },
    { type: 'templates.list' },
    { type: 'project.create', template: 'lenet5', name: 'Digits' },
    { type: 'project.create', template: 'lenet5' },
    { type: 'project.validate', project, classCount: 10 },
    { type: 'project.open', path: '/tmp/a.cnnstudio.json' },
    { type: 'project.save', path: '/tmp/a.cnnstudio.json', project },
    { type: 'train.start', project, projectPath: '/tmp/a.cnnstudio.json', options: { dataPath: '/data', epochs: 2, batchSize: 8, runDir: '/tmp/run' } },
    { type: 'train.start', project },
    { type: 'train.pause', runId: 'run-1' },
    { type: 'train.resume', runId: 'run-1' },
    { type: 'train.stop', runId: 'run-1' },
  ];
  for (const command of commands) {
    const parsed = parseRequest(request(command));
    assert.ok(parsed.ok, `${command.type}: ${!parsed.ok && parsed.error.message}`);
    assert.deepEqual(parsed.request, { kind: 'request', id: 7, command });
  }
});

test('frames that are not protocol are refused with a reason, and with their id when it could be read', () => {
  const cases: Array<[frame: unknown, code: string, id: number | null, message: RegExp]> = [
    [{ kind: 'request' }, 'invalid-message', null, /must be JSON text \(got an object\)/],
    [Buffer.from('{}'), 'invalid-message', null, /must be JSON text/],
    ['{"kind": "request", "id": 1, ', 'invalid-message', null, /not valid JSON/],
    ['[1, 2]', 'invalid-message', null, /must be a JSON object \(got an array\)/],
    ['"info"', 'invalid-message', null, /must be a JSON object/],
    [frame({ kind: 'response', id: 3, command: { type: 'info' } }), 'invalid-message', 3, /"kind" must be "request" \(got "response"\)/],
    [frame({ kind: 'request', id: 1.5, command: { type: 'info' } }), 'invalid-message', null, /"id" must be an integer/],
    [frame({ kind: 'request', id: '1', command: { type: 'info' } }), 'invalid-message', null, /"id" must be an integer/],
    [frame({ kind: 'request', id: 4, command: { type: 'info' }, extra: true }), 'invalid-message', 4, /unknown field "extra"/],
    [request('info'), 'invalid-message', 7, /"command" must be an object/],
    [request({ type: 'shell.exec', line: 'rm -rf /' }), 'unknown-command', 7, /Unknown command "shell.exec"/],
    [request({ type: '__proto__' }), 'unknown-command', 7, /Unknown command/],
    [request({ type: 'constructor' }), 'unknown-command', 7, /Unknown command/],
    [request({}), 'unknown-command', 7, /Unknown command undefined/],
    [request({ type: 'project.open' }), 'invalid-message', 7, /command "project.open" is missing "path"/],
    [request({ type: 'project.open', path: 42 }), 'invalid-message', 7, /command "project.open".path must be a path \(got number 42\)/],
    [request({ type: 'project.create', template: 'seed-cnn', name: ['x'] }), 'invalid-message', 7, /name must be a string \(got an array\)/],
    [request({ type: 'project.save', path: '/tmp/x', project: 'not a project' }), 'invalid-message', 7, /project must be an object/],
    [request({ type: 'project.validate', project: {}, classCount: 0 }), 'invalid-message', 7, /classCount must be a whole number of at least 1/],
    [request({ type: 'train.start', project: {}, options: { epochs: -1 } }), 'invalid-message', 7, /options.epochs must be a whole number/],
    [request({ type: 'train.start', project: {}, options: { dataPath: '/d', shell: 'x' } }), 'invalid-message', 7, /options has an unknown field "shell"/],
    [request({ type: 'train.stop', runId: 'r', force: true }), 'invalid-message', 7, /unknown field "force"/],
  ];
  for (const [input, code, id, message] of cases) {
    const parsed = parseRequest(input);
    assert.equal(parsed.ok, false, `accepted ${String(input)}`);
    if (parsed.ok) continue;
    assert.equal(parsed.error.code, code, parsed.error.message);
    assert.equal(parsed.id, id, parsed.error.message);
    assert.match(parsed.error.message, message);
    assert.ok(parsed.error.hint.length > 10, `no hint for ${parsed.error.message}`);
  }
});

test('an oversized frame is refused before it is parsed', () => {
  const big = request({ type: 'project.open', path: 'x'.repeat(MAX_MESSAGE_BYTES) });
  const parsed = parseRequest(big);
  assert.equal(parsed.ok, false);
  if (parsed.ok) return;
  assert.equal(parsed.error.code, 'message-too-large');
  assert.match(parsed.error.message, /larger than the 2,097,152 bytes allowed/);
  // Multi-byte text counts in bytes, not characters.
  const nearLimit = request({ type: 'project.open', path: 'é'.repeat(MAX_MESSAGE_BYTES / 2 - 10) });
  assert.equal(parseRequest(nearLimit).ok, false);
  assert.equal(parseRequest(request({ type: 'project.create', template: 'seed-cnn', name: 'x'.repeat(MAX_MESSAGE_BYTES - 100) })).ok, true);
});
