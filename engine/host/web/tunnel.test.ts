/**
 * The remote-engine recipe: the web host listens on 127.0.0.1 only, and a
 * browser on another machine reaches it through an SSH tunnel (`ssh -L`).
 * No SSH server runs on the build machines, so the tunnel is played by a
 * plain TCP forward on another port — what `ssh -L` does on the laptop's
 * side: bytes in, the same bytes to 127.0.0.1:<port> on the server. The
 * window, served through it with the token, drives the real engine and
 * learns which machine it is on.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import WebSocket from 'ws';
import type { WebHost } from './webHost.js';
import { tunnelInstructions } from './tunnel.js';
import { endedByPeer, upgradeStatus } from '../../testing/sockets.js';
import { startTestWebHost, type TestWebHost } from '../../testing/webHostFixture.js';
import type { EngineInfo, ResponseMessage } from '../../protocol.js';

let served: TestWebHost;
let host: WebHost;
let forward: Server;
let forwardPort: number;
const sockets = new Set<Socket>();
/** Errors on the forward's sockets other than the other end closing (see after()). */
const forwardErrors: Error[] = [];

before(async () => {
  served = await startTestWebHost();
  host = served.host;
  forward = createServer((incoming) => {
    const outgoing = connect(host.port, '127.0.0.1');
    for (const [s, other] of [[incoming, outgoing], [outgoing, incoming]] as const) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      // As ssh -L does: one end gone (a reset or broken pipe when a side closes first is the expected end) takes the other with it.
      s.on('error', (error) => {
        if (!endedByPeer(error)) forwardErrors.push(error);
        other.destroy();
      });
    }
    incoming.pipe(outgoing).pipe(incoming);
  });
  await new Promise<void>((resolve) => forward.listen(0, '127.0.0.1', resolve));
  forwardPort = (forward.address() as AddressInfo).port;
});

after(async () => {
  assert.deepEqual(forwardErrors, [], 'the forward saw no error but a closed end');
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => forward.close(() => resolve()));
  await served.close();
});

test('web mode serves on 127.0.0.1 only: the machine’s other addresses refuse the port', async () => {
  assert.match(host.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  for (const address of others) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(host.port, address);
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.equal(outcome, 'ECONNREFUSED', `${address}:${host.port}`);
  }
});

test('through the forwarded port the page loads with the token, and the engine answers and names its machine', async () => {
  const page = await fetch(`http://localhost:${forwardPort}/?token=${host.token}`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>studio<\/title>/);

  // As the browser on the laptop sends them: Origin and Host are both the laptop's end of the tunnel.
  const origin = `http://localhost:${forwardPort}`;
  const ws = new WebSocket(`ws://localhost:${forwardPort}/engine?token=${host.token}`, { headers: { Origin: origin } });
  // One promise for the whole exchange, so a failed connection is one rejection, not a second unhandled one.
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  const response = await new Promise<ResponseMessage>((resolve, reject) => {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.kind === 'response') resolve(message);
    });
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`the connection closed (${code}) before the answer`)));
    ws.once('open', () => ws.send(JSON.stringify({ kind: 'request', id: 1, command: { type: 'info' } })));
  });
  ws.close();
  await closed;
  assert.equal(response.ok, true);
  const info = (response as { result: EngineInfo }).result;
  assert.equal(info.host, hostname());
  assert.ok(info.backends.some((b) => b.available), 'it lists its backends');
});

test('through the forwarded port a connection without the token is still refused', async () => {
  const status = await upgradeStatus(`ws://localhost:${forwardPort}/engine`);
  assert.equal(status, 401);
});

test('web mode prints the tunnel command with its port and token', () => {
  const [ssh, open] = tunnelInstructions(43123, 'abc', 'gpu-box', 'ada');
  assert.match(ssh!, /ssh -N -L 8080:127\.0\.0\.1:43123 ada@gpu-box$/);
  assert.match(open!, /http:\/\/localhost:8080\/\?token=abc$/);
});
