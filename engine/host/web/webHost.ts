/**
 * Web mode: the built renderer over HTTP and the engine's protocol over a
 * WebSocket, both on one port. The engine runs in a child process under an
 * EngineSupervisor. Every WebSocket connection must present the host's random
 * token (`/engine?token=…`), and a browser's Origin must be one this host
 * serves the studio on, so no other web page and no other local user can
 * drive the engine, which reads and writes files as the person who started it.
 * Frames are JSON text: binary frames are refused, and a frame over
 * MAX_FRAME_BYTES is answered with an error event before the socket closes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES } from '../messageValidation.js';
import { EngineSupervisor, type SpawnEngine } from '../engineSupervisor.js';
import { forkEngine } from '../forkEngine.js';
import { SECURITY_HEADERS } from '../contentSecurityPolicy.js';
import { contentType, resolveRendererFile } from '../staticFiles.js';
import type { Log } from '../engineSession.js';
import type { BackendPreference } from '../../protocol.js';

export const ENGINE_SOCKET_PATH = '/engine';

/**
 * Frames up to this size still reach the engine's validation (which answers
 * those over MAX_MESSAGE_BYTES with an error); larger ones are not read.
 */
export const MAX_FRAME_BYTES = 4 * MAX_MESSAGE_BYTES;

/** WebSocket close code 1009: the message was too big to process. */
const CLOSE_MESSAGE_TOO_BIG = 1009;

function errorEventText(message: string, hint: string, code: string): string {
  return JSON.stringify({ kind: 'event', event: { type: 'error', runId: null, message, hint, code } });
}

export interface WebHostOptions {
  /** The built renderer (index.html and its assets). */
  rendererDir: string;
  /** Interface to listen on; 127.0.0.1 unless a person asks for another. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to 32 random bytes; tests may fix it. */
  token?: string;
  backend?: BackendPreference;
  /** How the engine process is started; a Node fork of engine/host/engineProcess.ts by default. */
  spawnEngine?: SpawnEngine;
  log?: Log;
}

export interface WebHost {
  /** The address to open, token included. */
  readonly url: string;
  readonly token: string;
  readonly port: number;
  /** The engine process's id (tests kill it to check the restart). */
  enginePid(): number | undefined;
  close(): Promise<void>;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const token = options.token ?? randomBytes(32).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  const clients = new Map<number, WebSocket>();
  let nextClient = 1;

  const supervisor = new EngineSupervisor(options.spawnEngine ?? forkEngine({ backend: options.backend, log }), {
    log,
    deliver(client, text) {
      const targets = client === null ? [...clients.values()] : [clients.get(client)].filter((ws) => ws !== undefined);
      for (const ws of targets) if (ws.readyState === ws.OPEN) ws.send(text);
    },
  });
  supervisor.start();

  const server = createServer((req, res) => {
    serveFile(options.rendererDir, req, res).catch((e: Error) => {
      log(`host: ${req.url}: ${e.message}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  // Frames larger than the protocol allows still reach the engine's validation
  // (which answers them with an error event); only absurd ones close the socket.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  /** The origins the studio is served on; filled in once the port is known. */
  const origins = new Set<string>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = checkUpgrade(req, token, origins);
    if (refusal) {
      log(`host: refused a WebSocket connection from ${req.socket.remoteAddress}: ${refusal}`);
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = nextClient++;
      clients.set(client, ws);
      tellBeforeClosingOnOversizedFrames(ws, log, client);
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        if (isBinary) {
          log(`host: refused a binary frame from connection ${client}`);
          ws.send(errorEventText('A binary frame was refused: the engine reads JSON text frames only.', 'Send each request as a text frame of JSON, as engine/protocol.ts describes.', 'invalid-message'));
          return;
        }
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        supervisor.send(client, bytes.toString('utf8'));
      });
      ws.on('close', () => clients.delete(client));
      ws.on('error', (e) => log(`host: connection ${client}: ${e.message}`));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  for (const origin of servedOrigins(urlHost, port)) origins.add(origin);

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    token,
    port,
    enginePid: () => supervisor.pid,
    async close() {
      for (const ws of clients.values()) ws.terminate();
      wss.close();
      await Promise.all([supervisor.stop(), new Promise<void>((resolve) => server.close(() => resolve()))]);
    },
  };
}

/**
 * ws closes a connection whose frame exceeds maxPayload itself (code 1009),
 * with no word to the client. Its receiver calls this socket's close() first,
 * while the socket is still open: here that close sends the error event, then
 * closes. The rest of the oversized frame is never read.
 */
function tellBeforeClosingOnOversizedFrames(ws: WebSocket, log: Log, client: number): void {
  const close = ws.close.bind(ws);
  ws.close = (code?: number, reason?: string | Buffer) => {
    if (code !== CLOSE_MESSAGE_TOO_BIG || ws.readyState !== ws.OPEN) return close(code, reason);
    log(`host: connection ${client} sent a frame over ${MAX_FRAME_BYTES.toLocaleString('en-US')} bytes; closing it`);
    ws.send(
      errorEventText(
        `A frame larger than ${MAX_FRAME_BYTES.toLocaleString('en-US')} bytes was refused, and the connection closed.`,
        `Send less at once (a request may be at most ${MAX_MESSAGE_BYTES.toLocaleString('en-US')} bytes); the window reconnects by itself.`,
        'message-too-large',
      ),
      () => close(CLOSE_MESSAGE_TOO_BIG, 'Message too big'),
    );
  };
}

/**
 * The origins a browser page of this host has: the address it listens on,
 * and for a loopback address the other names of this machine's loopback.
 */
export function servedOrigins(urlHost: string, port: number): string[] {
  const loopback = ['127.0.0.1', 'localhost', '[::1]'];
  const hosts = loopback.includes(urlHost) ? loopback : [urlHost];
  return hosts.map((h) => `http://${h}:${port}`);
}

/** Why a WebSocket upgrade is refused (an HTTP status line), or null to accept it. */
export function checkUpgrade(req: IncomingMessage, token: string, origins: ReadonlySet<string>): string | null {
  const url = new URL(req.url ?? '/', 'http://host');
  if (url.pathname !== ENGINE_SOCKET_PATH) return '404 Not Found';
  const given = Buffer.from(url.searchParams.get('token') ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return '401 Unauthorized';
  // A browser always sends Origin; only pages this host served may connect.
  // Comparing Origin with Host alone is not enough: a page of evil.example
  // whose name is made to resolve to this machine (DNS rebinding) sends
  // Host = Origin = evil.example:port. Origin = Host is accepted only for
  // names no rebinding can take: loopback names and IP addresses, which is
  // how a page reached through an SSH tunnel (localhost:other-port) or on a
  // host listening on every interface (http://192.0.2.7:port) arrives.
  const origin = req.headers.origin;
  if (origin === undefined || origins.has(origin.toLowerCase())) return null;
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return '403 Forbidden';
  }
  const literal = /^(localhost|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:.]+\])$/i.test(page.hostname);
  return page.protocol === 'http:' && literal && page.host === req.headers.host ? null : '403 Forbidden';
}

async function serveFile(rendererDir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const path = resolveRendererFile(rendererDir, new URL(req.url ?? '/', 'http://host').pathname);
  if (!path) {
    res.writeHead(404, SECURITY_HEADERS).end();
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    res.writeHead(404, SECURITY_HEADERS).end();
    return;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': contentType(path),
    'Content-Length': body.length,
    'Cache-Control': path.endsWith('.html') ? 'no-store' : 'max-age=3600',
  });
  // Node's http server never sends a body in answer to HEAD (webHostEdges.test.ts reads the raw bytes).
  res.end(body);
}
