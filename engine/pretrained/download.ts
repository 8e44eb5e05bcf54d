/**
 * One file fetched over HTTP(S) into the cache, or taken from it: progress
 * as it arrives, SHA-256 checked before the file takes its final name (a
 * mismatch keeps nothing), an interrupted transfer resumed from its `.part`
 * with an HTTP Range request (or restarted cleanly when the server will not
 * resume), and timeouts on connecting and on a stalled transfer, so an
 * offline machine gets one clear line, never a hang.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname } from 'node:path';
import { fileSystemError, StudioError } from '../errors.js';

export interface DownloadProgress {
  url: string;
  /** Bytes on disk so far, resumed bytes included. */
  received: number;
  /** The whole file's size, when the server says. */
  total: number | null;
}

export interface DownloadRequest {
  url: string;
  /** Where the verified file ends up. */
  dest: string;
  /** Lower-case hex SHA-256 the file must have; null: not pinned (the hash is reported, not checked). */
  sha256: string | null;
  onProgress?: (progress: DownloadProgress) => void;
  /** No answer, or no bytes, for this long ends the attempt (default 20 s). */
  timeoutMs?: number;
  /** Transfers that break off are resumed this many times (default 2). */
  retries?: number;
  /** What to tell a person when the file cannot be fetched (the alternative to the network). */
  offlineHint?: string;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  fromCache: boolean;
  /** Bytes fetched over the network by this call. */
  downloaded: number;
}

const MAX_REDIRECTS = 5;

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/** Takes the cached file when its hash is right; otherwise fetches (resuming a `.part`), verifies, renames. */
export async function downloadVerified(req: DownloadRequest): Promise<DownloadResult> {
  if ((await sizeOf(req.dest)) !== null) {
    const cached = await sha256OfFile(req.dest);
    if (req.sha256 === null || cached === req.sha256) return { path: req.dest, sha256: cached, fromCache: true, downloaded: 0 };
    // A cached file that no longer matches its pin (edited, truncated) is fetched again.
    await rm(req.dest, { force: true });
  }
  await mkdir(dirname(req.dest), { recursive: true });
  const part = `${req.dest}.part`;
  const retries = req.retries ?? 2;
  let downloaded = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      downloaded += await fetchInto(req, part);
      break;
    } catch (e) {
      const resumable = e instanceof TransferError && e.resumable;
      if (!resumable || attempt >= retries) {
        // A .part that cannot be removed (a folder in its place) must not hide the reason.
        if (!resumable) await rm(part, { force: true }).catch(() => undefined);
        throw e instanceof TransferError ? e.studioError : e;
      }
    }
  }
  const actual = await sha256OfFile(part);
  if (req.sha256 !== null && actual !== req.sha256) {
    await rm(part, { force: true });
    throw new StudioError(
      `${req.url} arrived with SHA-256 ${actual}, but ${req.sha256} is pinned for it; the file was not kept.`,
      'A mirror may serve another file under that name, or the transfer was altered. Check the mirror (or the base URL setting) and try again.',
      'checksum-mismatch',
    );
  }
  await rename(part, req.dest);
  return { path: req.dest, sha256: actual, fromCache: false, downloaded };
}

/** Why an attempt failed; `resumable` when the bytes so far are good and the transfer merely broke off. */
class TransferError extends Error {
  constructor(
    readonly studioError: StudioError,
    readonly resumable: boolean,
  ) {
    super(studioError.message);
  }
}

function offline(req: DownloadRequest, reason: string): TransferError {
  return new TransferError(
    new StudioError(
      `Cannot download ${req.url} (${reason}).`,
      req.offlineHint ?? 'Check the network, or point the base URL at a mirror.',
      'download-failed',
    ),
    false,
  );
}

/** One attempt: appends to `part` from where it ends. Returns the bytes fetched. */
async function fetchInto(req: DownloadRequest, part: string): Promise<number> {
  const timeoutMs = req.timeoutMs ?? 20_000;
  const have = (await sizeOf(part)) ?? 0;
  const response = await get(req, req.url, have, timeoutMs, MAX_REDIRECTS);
  const status = response.statusCode ?? 0;
  let start = have;
  if (have > 0 && status === 416) {
    // The server says the range is past the end: the part is useless; start over next attempt.
    response.resume();
    await rm(part, { force: true });
    throw new TransferError(new StudioError(`${req.url} could not be resumed.`, 'Try again.', 'download-failed'), true);
  }
  if (status === 200) start = 0;
  else if (status !== 206) {
    response.resume();
    throw offline(req, `the server answered HTTP ${status}`);
  }
  const length = Number(response.headers['content-length']);
  const total = Number.isFinite(length) ? start + length : null;
  const out = createWriteStream(part, { flags: start === 0 ? 'w' : 'a' });
  let received = start;
  let fetched = 0;
  req.onProgress?.({ url: req.url, received, total });
  // A file that cannot be written (a full disk, a .part that is a folder) fails the download
  // with its cause; unlistened, the write stream's error would end the whole process.
  let writeFailure: NodeJS.ErrnoException | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      out.on('error', (e: NodeJS.ErrnoException) => {
        writeFailure = e;
        response.destroy();
        reject(e);
      });
      response.setTimeout(timeoutMs, () => response.destroy(new Error(`no data for ${timeoutMs / 1000} s`)));
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        fetched += chunk.length;
        if (!out.write(chunk)) {
          response.pause();
          out.once('drain', () => response.resume());
        }
        req.onProgress?.({ url: req.url, received, total });
      });
      response.on('error', reject);
      response.on('aborted', () => reject(new Error('the connection closed early')));
      let ended = false;
      response.on('end', () => {
        ended = true;
        if (total !== null && received < total) reject(new Error(`the connection closed after ${received} of ${total} bytes`));
        else resolve();
      });
      // Whatever else happens to the socket, a response that closes before its end is a broken transfer.
      response.on('close', () => {
        if (!ended) reject(new Error(`the connection closed after ${received} bytes`));
      });
    });
  } catch (e) {
    // Retrying cannot help a file that cannot be written: not resumable.
    if (writeFailure) throw fileSystemError(writeFailure, part, 'write');
    await new Promise<void>((resolve) => out.end(resolve));
    throw new TransferError(
      new StudioError(`The download of ${req.url} broke off: ${(e as Error).message}.`, req.offlineHint ?? 'Try again; the transfer resumes where it stopped.', 'download-interrupted'),
      true,
    );
  }
  // The last bytes may fail to reach the disk after the response ended.
  const failed = await new Promise<NodeJS.ErrnoException | null | undefined>((resolve) => out.end(resolve));
  if (failed) throw fileSystemError(failed, part, 'write');
  return fetched;
}

function get(req: DownloadRequest, url: string, from: number, timeoutMs: number, redirectsLeft: number): Promise<http.IncomingMessage> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.reject(new TransferError(new StudioError(`"${url}" is not a URL.`, 'Set the base URL to an http:// or https:// address.', 'bad-url'), false));
  }
  const client = parsed.protocol === 'https:' ? https : parsed.protocol === 'http:' ? http : null;
  if (!client) {
    return Promise.reject(new TransferError(new StudioError(`"${url}" is neither http nor https.`, 'Set the base URL to an http:// or https:// address.', 'bad-url'), false));
  }
  return new Promise((resolve, reject) => {
    const request = client.get(parsed, { headers: from > 0 ? { Range: `bytes=${from}-` } : {} }, (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && location) {
        response.resume();
        if (redirectsLeft === 0) return reject(offline(req, 'too many redirects'));
        return resolve(get(req, new URL(location, parsed).href, from, timeoutMs, redirectsLeft - 1));
      }
      resolve(response);
    });
    request.setTimeout(timeoutMs, () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', (e: NodeJS.ErrnoException) => {
      const reason =
        e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
          ? `no address for ${parsed.hostname}: offline?`
          : e.code === 'ECONNREFUSED'
            ? `connection refused by ${parsed.host}`
            : e.code === 'ETIMEDOUT'
              ? `no answer from ${parsed.host} within ${timeoutMs / 1000} s`
              : e.message;
      reject(offline(req, reason));
    });
  });
}
