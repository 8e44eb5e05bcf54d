/**
 * Hostile input, part 10: the transport's edges, on the real web host with
 * its real engine child process, over real sockets. A page of another name
 * that resolves here (DNS rebinding) is refused; binary frames are refused,
 * not run; a frame over the size limit is answered with an error event
 * before the socket closes; requests in flight when the engine dies get
 * their own error; a process that keeps dying is started again after a
 * back-off, and `engine.restart` starts it at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { EngineSupervisor } from '../host/engineSupervisor.js';
import { forkEngine } from '../host/forkEngine.js';
import { MAX_FRAME_BYTES, type WebHost } from '../host/web/webHost.js';
import type { EngineMessage } from '../protocol.js';
import { upgradeStatus } from '../testing/sockets.js';
import { startTestWebHost, type TestWebHost } from '../testing/webHostFixture.js';

let served: TestWebHost;
let host: WebHost;

before(async () => {
  served = await startTestWebHost();
  host = served.host;
});

after(async () => {
  await served?.close();
});

const opens = (headers: Record<string, string>) => upgradeStatus(`ws://127.0.0.1:${host.port}/engine?token=${host.token}`, headers);

async function connect(): Promise<{ ws: WebSocket; messages: EngineMessage[]; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/engine?token=${host.token}`);
  const messages: EngineMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, messages, closed };
}

async function until<T>(find: () => T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const errorEvent = (messages: EngineMessage[], code: string) =>
  messages.find((m) => m.kind === 'event' && m.event.type === 'error' && m.event.code === code) as
    | { kind: 'event'; event: { message: string; code: string } }
    | undefined;

test('only origins the studio is served on may connect; Origin = Host of another name (DNS rebinding) is refused', async () => {
  const port = host.port;
  assert.equal(await opens({ Origin: `http://evil.example:${port}`, Host: `evil.example:${port}` }), 403);
  assert.equal(await opens({ Origin: `http://evil.example:${port}` }), 403);
  assert.equal(await opens({ Origin: `http://127.0.0.1:${port}` }), 'opened');
  assert.equal(await opens({ Origin: `http://localhost:${port}`, Host: `localhost:${port}` }), 'opened');
  // Through an SSH tunnel the page is localhost at another port, with the same Host.
  assert.equal(await opens({ Origin: 'http://localhost:18080', Host: 'localhost:18080' }), 'opened');
});

test('a binary frame is refused with an error event and never runs', async () => {
  const c = await connect();
  c.ws.send(Buffer.from(JSON.stringify({ kind: 'request', id: 5, command: { type: 'templates.list' } })), { binary: true });
  const refused = await until(() => errorEvent(c.messages, 'invalid-message'));
  assert.match(refused.event.message, /binary frame was refused/);
  c.ws.send(JSON.stringify({ kind: 'request', id: 6, command: { type: 'templates.list' } }));
  await until(() => c.messages.find((m) => m.kind === 'response' && m.id === 6));
  assert.equal(c.messages.some((m) => m.kind === 'response' && m.id === 5), false, 'the binary request did not run');
  c.ws.close();
});

test('a frame over the size limit is answered with an error event, then the socket closes (1009)', async () => {
  const c = await connect();
  c.ws.send('x'.repeat(MAX_FRAME_BYTES + 1));
  const code = await c.closed;
  assert.equal(code, 1009);
  const event = errorEvent(c.messages, 'message-too-large');
  assert.ok(event, `no error event before the close; got ${JSON.stringify(c.messages)}`);
  assert.match(event.event.message, /larger than 8,388,608 bytes was refused/);
});

test('requests in flight when the engine dies are answered with their ids; a failing engine is retried after a back-off and restarts on request', async (t) => {
  const delivered: { client: number | null; message: EngineMessage }[] = [];
  const supervisor = new EngineSupervisor(forkEngine({ backend: 'cpu', log: () => undefined }), {
    deliver: (client, text) => delivered.push({ client, message: JSON.parse(text) }),
    log: () => undefined,
    maxCrashes: 0,
    retryDelayMs: 300,
  });
  t.after(() => supervisor.stop());
  supervisor.start();
  const ask = async (client: number, id: number, command: object) => {
    supervisor.send(client, JSON.stringify({ kind: 'request', id, command }));
    return until(() => delivered.find((d) => d.client === client && d.message.kind === 'response' && d.message.id === id)?.message);
  };
  assert.ok(((await ask(1, 1, { type: 'templates.list' })) as { ok: boolean }).ok);

  // Three requests from two windows, then the process dies before answering.
  for (const [client, id] of [[1, 2], [1, 3], [2, 2]] as const) supervisor.send(client, JSON.stringify({ kind: 'request', id, command: { type: 'info' } }));
  process.kill(supervisor.pid!, 'SIGKILL');
  for (const [client, id] of [[1, 2], [1, 3], [2, 2]] as const) {
    const answer = await until(() => delivered.find((d) => d.client === client && d.message.kind === 'response' && d.message.id === id)?.message);
    assert.ok(answer.kind === 'response' && !answer.ok && answer.error.code === 'engine-crashed', JSON.stringify(answer));
  }
  const failed = await until(() => delivered.find((d) => d.message.kind === 'event' && d.message.event.type === 'error' && d.message.event.code === 'engine-failed'));
  assert.match((failed.message as { event: { message: string } }).event.message, /it will be started again in 0 s/);

  // Not given up: the back-off brings it back by itself.
  await until(() => (supervisor.running ? true : undefined));
  assert.ok(((await ask(1, 4, { type: 'templates.list' })) as { ok: boolean }).ok);

  // And the window's "Restart engine" starts a fresh one at once.
  const before = supervisor.pid;
  const restarted = await ask(2, 9, { type: 'engine.restart' });
  assert.deepEqual(restarted, { kind: 'response', id: 9, ok: true, result: { restarted: true } });
  assert.notEqual(supervisor.pid, before);
  assert.ok(((await ask(2, 10, { type: 'templates.list' })) as { ok: boolean }).ok);
});
