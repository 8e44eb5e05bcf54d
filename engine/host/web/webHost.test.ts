/**
 * The web host on a real port with its real engine child process, driven over
 * raw WebSockets (the `ws` package) the way a browser would.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { WebHost } from './webHost.js';
import { CONTENT_SECURITY_POLICY } from '../contentSecurityPolicy.js';
import { MAX_MESSAGE_BYTES } from '../messageValidation.js';
import { createProject } from '../../graph/templates.js';
import { writePatternFolder } from '../../testing/imageFolderFixture.js';
import { upgradeStatus } from '../../testing/sockets.js';
import { startTestWebHost, type TestWebHost } from '../../testing/webHostFixture.js';
import type { EngineMessage, EventMessage, ResponseMessage } from '../../protocol.js';

let served: TestWebHost;
let host: WebHost;
let rendererDir: string;
const log: string[] = [];

before(async () => {
  served = await startTestWebHost({ files: { 'app.js': 'console.log(1)' }, log: (line) => log.push(line) });
  ({ host, rendererDir } = served);
});

after(async () => {
  await served?.close();
});

const socketUrl = (token: string | null, path = '/engine') => `ws://127.0.0.1:${host.port}${path}${token === null ? '' : `?token=${token}`}`;

/** A connection that keeps every message it receives. */
async function connect(headers: Record<string, string> = {}) {
  const ws = new WebSocket(socketUrl(host.token), { headers });
  const messages: EngineMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // Once open, the connection ends only when a test closes it: an error or an early close fails the wait at once, not after its timeout.
  let broken: Error | null = null;
  ws.on('error', (error) => (broken ??= error));
  ws.on('close', (code) => ((broken ??= new Error(`the connection closed (${code})`)), waiters.splice(0).forEach((w) => w())));
  async function next<T extends EngineMessage>(match: (m: EngineMessage) => m is T, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex(match);
      if (i >= 0) return messages.splice(i, 1)[0] as T;
      if (broken) throw broken;
      if (Date.now() > deadline) throw new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  const response = (id: number) => next((m): m is ResponseMessage => m.kind === 'response' && m.id === id);
  const event = (type: string, code?: string) =>
    next((m): m is EventMessage => m.kind === 'event' && m.event.type === type && (code === undefined || (m.event.type === 'error' && m.event.code === code)));
  let id = 0;
  const request = async (command: unknown) => {
    const mine = ++id;
    ws.send(JSON.stringify({ kind: 'request', id: mine, command }));
    return response(mine);
  };
  return { ws, request, event, messages };
}

test('a WebSocket without the token, with a wrong one, on another path or from another origin is refused', async () => {
  assert.equal(await upgradeStatus(socketUrl(null)), 401);
  assert.equal(await upgradeStatus(socketUrl('')), 401);
  assert.equal(await upgradeStatus(socketUrl(host.token.slice(0, -1) + (host.token.endsWith('A') ? 'B' : 'A'))), 401);
  assert.equal(await upgradeStatus(socketUrl(host.token, '/other')), 404);
  assert.equal(await upgradeStatus(socketUrl(host.token), { Origin: 'http://evil.example' }), 403);
  assert.equal(await upgradeStatus(socketUrl(host.token), { Origin: `http://127.0.0.1:${host.port}` }), 'opened');
  assert.ok(log.some((l) => /refused a WebSocket connection from 127\.0\.0\.1: 401 Unauthorized/.test(l)));
  assert.ok(host.token.length >= 40, 'the token is long enough not to be guessed');
});

test('protocol round trip over the WebSocket: requests answered to their sender, events to everyone', async () => {
  const a = await connect();
  const b = await connect();
  const templates = await a.request({ type: 'templates.list' });
  assert.ok(templates.ok && (templates.result as Array<{ name: string }>).some((t) => t.name === 'seed-cnn'));
  const created = await b.request({ type: 'project.create', template: 'lenet5', name: 'Round trip' });
  assert.ok(created.ok && (created.result as { name: string }).name === 'Round trip');
  const report = await b.request({ type: 'project.validate', project: (created as { result: unknown }).result });
  assert.ok(report.ok && (report.result as { valid: boolean }).valid);
  // Both connections used id 1 for their first request: each got only its own answer.
  assert.equal(a.messages.length, 0);
  // A failing start is reported as an event to every connection.
  const started = await a.request({ type: 'train.start', project: (created as { result: unknown }).result, options: { dataPath: join(rendererDir, 'missing') } });
  assert.ok(started.ok);
  const [ea, eb] = await Promise.all([a.event('error'), b.event('error')]);
  assert.deepEqual(ea, eb);
  assert.match((ea.event as { message: string }).message, /missing/);
  a.ws.close();
  b.ws.close();
});

test('bad frames are answered with error events; the connection and the engine carry on', async () => {
  const c = await connect();
  const pid = host.enginePid();
  c.ws.send('{"kind":"request"');
  assert.equal((await c.event('error', 'invalid-message')).event.type, 'error');
  c.ws.send(JSON.stringify({ kind: 'request', id: 99, command: { type: 'fs.delete', path: '/' } }));
  await c.event('error', 'unknown-command');
  c.ws.send(JSON.stringify({ kind: 'request', id: 100, command: { type: 'project.open', path: 'x'.repeat(MAX_MESSAGE_BYTES + 1) } }));
  const tooBig = await c.event('error', 'message-too-large');
  assert.match((tooBig.event as { message: string }).message, /larger than/);
  c.ws.send(Buffer.from([0xff, 0x00, 0x13]), { binary: true });
  await c.event('error', 'invalid-message');
  const info = await c.request({ type: 'templates.list' });
  assert.ok(info.ok, 'the connection still answers');
  assert.equal(host.enginePid(), pid, 'the engine process did not restart');
  assert.ok(log.some((l) => /refused a message from connection \d+: Unknown command "fs.delete"/.test(l)), 'refusals are logged');
  c.ws.close();
});

test('the engine killed mid-run: the error names the run, a new engine answers, the project file is untouched', async () => {
  const dataDir = await writePatternFolder({ perClass: 12, size: 12 });
  const project = createProject('seed-cnn', 'Survivor');
  project.graph.nodes.find((n) => n.id === 'dense2')!.params.units = 3;
  const projectPath = join(await mkdtemp(join(tmpdir(), 'cnnstudio-crash-')), 'survivor.cnnstudio.json');
  const c = await connect();
  assert.ok((await c.request({ type: 'project.save', path: projectPath, project })).ok);
  const before = await (await import('node:fs/promises')).readFile(projectPath, 'utf8');

  const started = await c.request({ type: 'train.start', project, projectPath, options: { dataPath: dataDir, epochs: 200, batchSize: 4 } });
  assert.ok(started.ok);
  const runId = (started.result as { runId: string }).runId;
  await c.event('batch');
  const oldPid = host.enginePid()!;
  process.kill(oldPid, 'SIGKILL');

  const crash = await c.event('error', 'engine-crashed');
  assert.ok(crash.event.type === 'error');
  assert.equal(crash.event.runId, runId);
  assert.match(crash.event.message, /The engine process was killed \(SIGKILL\) and was restarted\. Run run-.* was interrupted/);
  assert.match(crash.event.hint, /project is untouched/);
  const info = await c.request({ type: 'project.open', path: projectPath });
  assert.ok(info.ok, 'the restarted engine answers');
  assert.notEqual(host.enginePid(), oldPid);
  assert.equal((info.result as { name: string }).name, 'Survivor');
  assert.equal(await (await import('node:fs/promises')).readFile(projectPath, 'utf8'), before);
  c.ws.close();
});

test('the renderer is served with the CSP; paths outside its folder are not', async () => {
  const base = `http://127.0.0.1:${host.port}`;
  const index = await fetch(`${base}/?token=${host.token}`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.equal(index.headers.get('referrer-policy'), 'no-referrer');
  assert.match(await index.text(), /<title>studio<\/title>/);
  assert.equal((await fetch(`${base}/app.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
  for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/.env', '/missing.js']) {
    assert.equal((await fetch(`${base}${path}`)).status, 404, path);
  }
  assert.equal((await fetch(`${base}/`, { method: 'POST' })).status, 405);
});
