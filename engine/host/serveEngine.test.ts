// The piece every engine process shares (host/serveEngine.ts): a real Engine
// behind an in-memory link, as a worker's port or Node IPC would carry it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FromEngine } from './link.js';
import { backendFromArgs, serveEngine } from './serveEngine.js';

test('frames tagged {client, frame} reach the engine and are answered to that client; anything else is logged and dropped', async () => {
  const sent: FromEngine[] = [];
  const log: string[] = [];
  let deliver: (message: unknown) => void = () => undefined;
  serveEngine({ send: (m) => sent.push(m), onMessage: (listener) => (deliver = listener) }, { backend: 'cpu', log: (line) => log.push(line) });

  deliver({ frame: JSON.stringify({ kind: 'request', id: 1, command: { type: 'project.create', template: 'lenet5', name: 'A' } }) });
  deliver('just text');
  deliver(null);
  assert.deepEqual(log, Array(3).fill('engine: ignored a message from the host that is not {client, frame}'));

  deliver({ client: 7, frame: JSON.stringify({ kind: 'request', id: 2, command: { type: 'project.create', template: 'lenet5', name: 'B' } }) });
  for (const start = Date.now(); !sent.some((m) => m.client === 7); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() - start > 10_000) throw new Error('no response to client 7');
  }
  const responses = sent.filter((m) => m.client !== null).map((m) => ({ client: m.client, message: JSON.parse(m.text) }));
  assert.equal(responses.length, 1, 'only the tagged request was answered');
  assert.equal(responses[0]!.client, 7);
  assert.equal(responses[0]!.message.id, 2);
  assert.equal(responses[0]!.message.ok, true);
  assert.equal(responses[0]!.message.result.name, 'B');
});

test('--backend NAME from an engine process\'s arguments; missing or unknown means auto', () => {
  assert.equal(backendFromArgs(['--backend', 'wasm']), 'wasm');
  assert.equal(backendFromArgs(['x', '--backend', 'cpu', 'y']), 'cpu');
  assert.equal(backendFromArgs([]), 'auto');
  assert.equal(backendFromArgs(['--backend']), 'auto');
  assert.equal(backendFromArgs(['--backend', 'cuda']), 'auto');
  assert.equal(backendFromArgs(['wasm']), 'auto');
});
