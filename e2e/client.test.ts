/**
 * The window's typed client (renderer/src/lib/api.ts) over both of its
 * transports, against a real engine process:
 * - WebSocket: the real web host, the `ws` package standing in for the browser's WebSocket;
 * - the Electron bridge: a bridge object relaying to an EngineSupervisor exactly as
 *   electron/main.ts relays IPC (the Electron binary cannot run here).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { bridgeTransport, createClient, EngineRequestError, websocketTransport, type ConnectionState, type StudioClient, type WebSocketLike } from '../renderer/src/lib/api.js';
import { startWebHost, type WebHost } from '../engine/host/web/webHost.js';
import { EngineSupervisor } from '../engine/host/engineSupervisor.js';
import { forkEngine } from '../engine/host/forkEngine.js';
import type { StudioBridge } from '../electron/bridge.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const step of cleanup.reverse()) await step();
});

const rendererDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-renderer-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html>');
  return dir;
};
const nodeSocket = (url: string) => new WebSocket(url) as unknown as WebSocketLike;
const socketUrl = (host: WebHost) => `ws://127.0.0.1:${host.port}/engine?token=${host.token}`;

async function roundTrip(client: StudioClient): Promise<void> {
  const templates = await client.request({ type: 'templates.list' });
  assert.ok(templates.some((t) => t.name === 'mobilenet-small'));
  const project = await client.request({ type: 'project.create', template: 'mobilenet-small', name: 'Typed' });
  assert.equal(project.name, 'Typed');
  const report = await client.request({ type: 'project.validate', project });
  assert.equal(report.totals.params, 9_610);
  await assert.rejects(client.request({ type: 'project.create', template: 'nope' }), (e: unknown) => {
    assert.ok(e instanceof EngineRequestError);
    assert.equal(e.code, 'unknown-template');
    assert.match(e.hint, /Choose one of/);
    return true;
  });
}

test('typed round trip over the WebSocket transport, and reconnection when the host comes back', async () => {
  const dir = await rendererDir();
  let host = await startWebHost({ rendererDir: dir, backend: 'cpu', log: () => undefined });
  const { port, token } = host;
  const client = createClient(websocketTransport(socketUrl(host), nodeSocket, { retryMs: 50, maxRetryMs: 200 }));
  cleanup.push(() => client.close());
  assert.equal(client.transport, 'websocket');
  await roundTrip(client);

  const states: ConnectionState[] = [];
  client.onConnection((s) => states.push(s));
  await host.close();
  // A request made while the host is away waits for the connection.
  const pending = client.request({ type: 'templates.list' });
  host = await startWebHost({ rendererDir: dir, port, token, backend: 'cpu', log: () => undefined });
  cleanup.push(() => host.close());
  assert.ok((await pending).length > 0);
  assert.deepEqual(states, ['reconnecting', 'open']);
  assert.equal(client.connection, 'open');
});

test('typed round trip over the bridge transport (as relayed by Electron main), and requests failing fast when the engine dies', async () => {
  const listeners = new Set<(text: string) => void>();
  const supervisor = new EngineSupervisor(forkEngine({ backend: 'cpu', log: () => undefined }), {
    deliver: (_client, text) => listeners.forEach((l) => l(text)),
    log: () => undefined,
  });
  supervisor.start();
  cleanup.push(() => supervisor.stop());
  const bridge: StudioBridge = {
    send: (text) => supervisor.send(0, text),
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onMenu: () => () => undefined,
    chooseProjectToOpen: async () => null,
    chooseProjectSavePath: async () => null,
    chooseFolder: async () => null,
  };
  const client = createClient(bridgeTransport(bridge));
  assert.equal(client.transport, 'electron');
  await roundTrip(client);

  // A request in flight when the engine dies is rejected with the crash, not left hanging.
  const events: string[] = [];
  client.onEvent((e) => events.push(e.type === 'error' ? e.code : e.type));
  const pid = supervisor.pid!;
  // Stopped first, so the engine cannot answer before it dies: the request is surely in flight.
  process.kill(pid, 'SIGSTOP');
  const inFlight = client.request({ type: 'info' });
  process.kill(pid, 'SIGKILL');
  let giveUp: NodeJS.Timeout | undefined;
  const stillPending = new Promise((resolve) => (giveUp = setTimeout(() => resolve('still pending after 20 s'), 20_000)));
  await assert.rejects(Promise.race([inFlight, stillPending]).finally(() => clearTimeout(giveUp)), (e: unknown) => {
    assert.ok(e instanceof EngineRequestError, String(e));
    assert.equal(e.code, 'engine-crashed');
    return true;
  });
  for (let i = 0; i < 100 && !events.includes('engine-crashed'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(events.includes('engine-crashed'));
  await roundTrip(client);
  assert.notEqual(supervisor.pid, pid);
});
