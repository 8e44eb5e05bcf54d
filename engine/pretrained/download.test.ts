/**
 * downloadVerified against a real HTTP server on 127.0.0.1 whose every answer
 * the test scripts: a range the server refuses (416), error statuses,
 * redirects (relative, endless, without a Location), a body without a length,
 * transfers that break off every time, URLs that are no http(s) address, a
 * host with no address, a connection reset before any answer, and a .part
 * that cannot be written (ENOSPC from /dev/full, a folder). Every case
 * checks what a person sees (the message, the hint, the code) and what is
 * left on disk.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { makeTempDir } from '../testing/imageFiles.js';
import { downloadVerified, type DownloadProgress } from './download.js';
import { rejection } from '../testing/rejection.js';

/** 64 KiB of bytes that are not all alike, so a wrong offset changes the hash. */
const BODY = Buffer.from(Array.from({ length: 65_536 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Handler>();
const seen: { path: string; range: string | null }[] = [];
let server: http.Server;
let base: string;
let work: string;
let removeWork: () => Promise<void>;

before(async () => {
  ({ dir: work, remove: removeWork } = await makeTempDir('download'));
  server = http.createServer((req, res) => {
    seen.push({ path: req.url!, range: req.headers.range ?? null });
    const handler = routes.get(req.url!);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await removeWork();
});

function requestsTo(path: string) {
  return seen.filter((r) => r.path === path);
}

describe('downloadVerified against a scripted server', () => {
  test('a stale .part the server will not resume (416) is dropped and the file fetched whole on the next attempt', async () => {
    routes.set('/416.bin', (req, res) => {
      if (req.headers.range) res.writeHead(416).end();
      else res.writeHead(200, { 'content-length': BODY.length }).end(BODY);
    });
    const dest = join(work, '416', 'file.bin');
    await mkdir(join(work, '416'));
    // A .part longer than the file: resuming it asks for a range past the end.
    await writeFile(`${dest}.part`, Buffer.alloc(BODY.length + 10, 1));
    const result = await downloadVerified({ url: `${base}/416.bin`, dest, sha256: BODY_SHA });
    assert.deepEqual(result, { path: dest, sha256: BODY_SHA, fromCache: false, downloaded: BODY.length });
    assert.deepEqual(requestsTo('/416.bin').map((r) => r.range), [`bytes=${BODY.length + 10}-`, null]);
    assert.deepEqual((await readFile(dest)).equals(BODY), true);
    assert.equal(existsSync(`${dest}.part`), false);
  });

  test('an error status is one line naming the URL and the status; the given hint, else the default; no .part stays', async () => {
    routes.set('/gone.bin', (_req, res) => res.writeHead(410).end('gone'));
    const dest = join(work, 'gone', 'file.bin');
    const withHint = await rejection(downloadVerified({ url: `${base}/gone.bin`, dest, sha256: BODY_SHA, offlineHint: 'Put the file there yourself.' }));
    assert.equal(withHint.message, `Cannot download ${base}/gone.bin (the server answered HTTP 410).`);
    assert.equal(withHint.hint, 'Put the file there yourself.');
    assert.equal(withHint.code, 'download-failed');
    const plain = await rejection(downloadVerified({ url: `${base}/gone.bin`, dest, sha256: BODY_SHA }));
    assert.equal(plain.hint, 'Check the network, or point the base URL at a mirror.');
    assert.deepEqual(await readdir(join(work, 'gone')), [], 'neither the file nor a .part');
  });

  test('a relative redirect is followed; the file arrives from where it points', async () => {
    routes.set('/moved.bin', (_req, res) => res.writeHead(302, { location: '/files/real.bin' }).end());
    routes.set('/files/real.bin', (_req, res) => res.writeHead(200, { 'content-length': BODY.length }).end(BODY));
    const dest = join(work, 'moved', 'file.bin');
    const result = await downloadVerified({ url: `${base}/moved.bin`, dest, sha256: BODY_SHA });
    assert.equal(result.sha256, BODY_SHA);
    assert.equal(requestsTo('/files/real.bin').length, 1);
  });

  test('endless redirects stop after five with "too many redirects"', async () => {
    routes.set('/loop.bin', (_req, res) => res.writeHead(301, { location: `${base}/loop.bin` }).end());
    const before = requestsTo('/loop.bin').length;
    const error = await rejection(downloadVerified({ url: `${base}/loop.bin`, dest: join(work, 'loop', 'file.bin'), sha256: null }));
    assert.equal(error.message, `Cannot download ${base}/loop.bin (too many redirects).`);
    assert.equal(requestsTo('/loop.bin').length - before, 6, 'the first request and five redirects');
  });

  test('a 3xx without a Location is an answer like any other status, not a redirect', async () => {
    routes.set('/nowhere.bin', (_req, res) => res.writeHead(302).end());
    const error = await rejection(downloadVerified({ url: `${base}/nowhere.bin`, dest: join(work, 'nowhere', 'file.bin'), sha256: null }));
    assert.equal(error.message, `Cannot download ${base}/nowhere.bin (the server answered HTTP 302).`);
  });

  test('a body without a Content-Length downloads with an unknown total, and the unpinned hash is reported', async () => {
    routes.set('/chunked.bin', (_req, res) => {
      res.writeHead(200);
      res.write(BODY.subarray(0, 30_000));
      setTimeout(() => res.end(BODY.subarray(30_000)), 20);
    });
    const progress: DownloadProgress[] = [];
    const result = await downloadVerified({ url: `${base}/chunked.bin`, dest: join(work, 'chunked', 'file.bin'), sha256: null, onProgress: (p) => progress.push(p) });
    assert.equal(result.sha256, BODY_SHA);
    assert.ok(progress.length >= 2);
    assert.ok(progress.every((p) => p.total === null));
    assert.equal(progress.at(-1)!.received, BODY.length);
  });

  test('a transfer that breaks off every time gives up after the retries, keeps its .part, and says it can resume', async () => {
    routes.set('/breaks.bin', (req, res) => {
      const from = req.headers.range ? Number(/\d+/.exec(req.headers.range)![0]) : 0;
      const headers = { 'content-length': BODY.length - from, ...(from ? { 'content-range': `bytes ${from}-${BODY.length - 1}/${BODY.length}` } : {}) };
      res.writeHead(from ? 206 : 200, headers);
      // 1000 bytes, then the connection dies.
      res.write(BODY.subarray(from, from + 1000), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const dest = join(work, 'breaks', 'file.bin');
    const before = requestsTo('/breaks.bin').length;
    const error = await rejection(downloadVerified({ url: `${base}/breaks.bin`, dest, sha256: BODY_SHA, retries: 1 }));
    assert.equal(error.code, 'download-interrupted');
    assert.match(error.message, new RegExp(`^The download of ${base}/breaks\\.bin broke off: the connection closed`));
    assert.equal(error.hint, 'Try again; the transfer resumes where it stopped.');
    assert.deepEqual(requestsTo('/breaks.bin').slice(before).map((r) => r.range), [null, 'bytes=1000-'], 'one try and one resume');
    assert.deepEqual((await readFile(`${dest}.part`)).equals(BODY.subarray(0, 2000)), true, 'the good bytes stay for the next resume');

    // The next call resumes from the .part, and its hint is the caller's when given.
    const again = await rejection(downloadVerified({ url: `${base}/breaks.bin`, dest, sha256: BODY_SHA, retries: 0, offlineHint: 'Fetch it by hand.' }));
    assert.equal(again.hint, 'Fetch it by hand.');
    assert.equal(requestsTo('/breaks.bin').at(-1)!.range, 'bytes=2000-');
  });

  test('URLs that are not http(s) addresses are refused before any connection', async () => {
    const notUrl = await rejection(downloadVerified({ url: 'mirror/base.bin', dest: join(work, 'bad', 'a.bin'), sha256: null }));
    assert.deepEqual([notUrl.message, notUrl.code], ['"mirror/base.bin" is not a URL.', 'bad-url']);
    assert.equal(notUrl.hint, 'Set the base URL to an http:// or https:// address.');
    const ftp = await rejection(downloadVerified({ url: 'ftp://127.0.0.1/base.bin', dest: join(work, 'bad', 'b.bin'), sha256: null }));
    assert.deepEqual([ftp.message, ftp.code], ['"ftp://127.0.0.1/base.bin" is neither http nor https.', 'bad-url']);
  });

  test('a host with no address is "offline?"; https to a closed port is refused; a reset before any answer says so', async () => {
    const noHost = await rejection(downloadVerified({ url: 'http://no-such-mirror.invalid/base.bin', dest: join(work, 'dns', 'a.bin'), sha256: null, timeoutMs: 5000 }));
    assert.equal(noHost.message, 'Cannot download http://no-such-mirror.invalid/base.bin (no address for no-such-mirror.invalid: offline?).');

    const closedPort = await new Promise<number>((resolve) => {
      const probe = http.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const refused = await rejection(downloadVerified({ url: `https://127.0.0.1:${closedPort}/base.bin`, dest: join(work, 'tls', 'a.bin'), sha256: null }));
    assert.equal(refused.message, `Cannot download https://127.0.0.1:${closedPort}/base.bin (connection refused by 127.0.0.1:${closedPort}).`);

    routes.set('/reset.bin', (req) => req.socket.destroy());
    const reset = await rejection(downloadVerified({ url: `${base}/reset.bin`, dest: join(work, 'reset', 'a.bin'), sha256: null }));
    assert.equal(reset.message, `Cannot download ${base}/reset.bin (socket hang up).`);
    assert.equal(reset.code, 'download-failed');
  });

  test('a .part that cannot be written (a full disk, a folder in its place) fails with its cause, once, without ending the process', async () => {
    routes.set('/big.bin', (_req, res) => res.writeHead(200, { 'content-length': BODY.length }).end(BODY));
    const full = join(work, 'full', 'file.bin');
    await mkdir(join(work, 'full'));
    // /dev/full answers every write with ENOSPC: the disk filling up mid-download.
    await symlink('/dev/full', `${full}.part`);
    const before = requestsTo('/big.bin').length;
    const diskFull = await rejection(downloadVerified({ url: `${base}/big.bin`, dest: full, sha256: BODY_SHA }));
    assert.equal(diskFull.code, 'disk-full');
    assert.equal(diskFull.message, `Cannot write "${full}.part": the disk is full (ENOSPC).`);
    assert.equal(requestsTo('/big.bin').length - before, 1, 'a full disk is not retried');
    assert.deepEqual(await readdir(join(work, 'full')), [], 'the .part is removed');

    const folder = join(work, 'folder', 'file.bin');
    await mkdir(`${folder}.part`, { recursive: true });
    const isFolder = await rejection(downloadVerified({ url: `${base}/big.bin`, dest: folder, sha256: BODY_SHA }));
    assert.equal(isFolder.message, `Cannot write "${folder}.part": it is a folder, not a file (EISDIR).`);
    assert.equal(existsSync(folder), false);
  });
});
