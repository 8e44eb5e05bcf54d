/**
 * The web host's answers to what a browser rarely sends: HEAD requests, files
 * of a type it has no name for, paths that do not decode or carry a
 * backslash or NUL, a request line no URL can be made of, an Origin of
 * "null" (a sandboxed frame's) or one that is no URL at all, and a host
 * listening on IPv6 loopback. Real HTTP on real ports, the real engine in its
 * child process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as connectTcp } from 'node:net';
import { join } from 'node:path';
import { startWebHost, type WebHost } from './webHost.js';
import { resolveRendererFile } from '../staticFiles.js';
import { endedByPeer, upgradeStatus } from '../../testing/sockets.js';
import { startTestWebHost, type TestWebHost } from '../../testing/webHostFixture.js';

let served: TestWebHost;
let host: WebHost;
let rendererDir: string;
const log: string[] = [];

before(async () => {
  served = await startTestWebHost({ files: { 'model.weights': Buffer.from([1, 2, 3, 4, 5]) }, log: (line) => log.push(line) });
  ({ host, rendererDir } = served);
});

after(async () => {
  await served?.close();
});

const page = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${host.port}${path}`, init);

/** The whole raw answer to a request line (one fetch() would refuse to send, or to see every byte). */
function rawAnswer(requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(host.port, '127.0.0.1', () => socket.write(`${requestLine}\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.setTimeout(15_000, () => {
      socket.destroy();
      reject(new Error(`no answer to "${requestLine}" within 15 s`));
    });
    // A host that closes the connection right after its answer may reset it before the end is read: with the
    // answer in hand that is its end (the callers check the answer); with nothing read, or any other error, it fails.
    socket.on('error', (error) => (text !== '' && endedByPeer(error) ? resolve(text) : reject(error)));
  });
}

test('HEAD gets the headers of a file and no body; a file of an unknown type is served as bytes', async () => {
  const get = await page('/index.html');
  const head = await page('/index.html', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), get.headers.get('content-length'));
  assert.equal(head.headers.get('content-type'), 'text/html; charset=utf-8');
  // Node's http server sends no body to HEAD whatever the handler passes: the raw bytes end with the headers.
  const raw = await rawAnswer('HEAD /index.html HTTP/1.1');
  assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n$/);
  assert.match(raw, new RegExp(`\\r\\nContent-Length: ${get.headers.get('content-length')}\\r\\n`));
  assert.equal((await get.text()).length, Number(get.headers.get('content-length')));

  const weights = await page('/model.weights');
  assert.equal(weights.status, 200);
  assert.equal(weights.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual([...new Uint8Array(await weights.arrayBuffer())], [1, 2, 3, 4, 5]);
});

test('paths that do not decode, or hold a backslash or NUL, name no file and are 404', async () => {
  for (const path of ['/%E0%A4%A', '/..%5Cindex.html', '/index.html%00.png', '/%5C']) {
    // Refused before the file system sees them (a backslash is a separator on Windows, NUL ends a C string).
    assert.equal(resolveRendererFile(rendererDir, path), null, path);
    const res = await page(path);
    assert.equal(res.status, 404, path);
    assert.equal(await res.text(), '', path);
  }
  assert.equal(resolveRendererFile(rendererDir, '/index.html'), join(rendererDir, 'index.html'));
});

test('a request line no URL can be made of is answered 500 and logged; the host keeps serving', async () => {
  assert.equal((await rawAnswer('GET //[ HTTP/1.1')).split('\r\n')[0], 'HTTP/1.1 500 Internal Server Error');
  assert.ok(log.some((line) => /^host: \/\/\[: Invalid URL/.test(line)), log.join('\n'));
  assert.equal((await page('/')).status, 200);
});

test('an Origin of "null" or one that is not a URL is refused 403, even with the token', async () => {
  const url = `ws://127.0.0.1:${host.port}/engine?token=${host.token}`;
  assert.equal(await upgradeStatus(url, { Origin: 'null' }), 403);
  assert.equal(await upgradeStatus(url, { Origin: 'not a url' }), 403);
  assert.equal(await upgradeStatus(url, { Origin: `http://127.0.0.1:${host.port}` }), 'opened');
});

test('on IPv6 loopback the address is bracketed, and pages served there may connect', async () => {
  const v6 = await startWebHost({ rendererDir, host: '::1', backend: 'cpu', log: () => undefined });
  try {
    assert.equal(v6.url, `http://[::1]:${v6.port}/?token=${v6.token}`);
    assert.equal((await fetch(v6.url)).status, 200);
    const socket = `ws://[::1]:${v6.port}/engine?token=${v6.token}`;
    assert.equal(await upgradeStatus(socket, { Origin: `http://[::1]:${v6.port}` }), 'opened');
    assert.equal(await upgradeStatus(socket, { Origin: `http://localhost:${v6.port}` }), 'opened', 'another name of this loopback');
    assert.equal(await upgradeStatus(socket, { Origin: `http://[::1]:${v6.port + 1}` }), 403);
  } finally {
    await v6.close();
  }
});
