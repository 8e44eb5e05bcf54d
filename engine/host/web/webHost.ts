/**
 * Web mode: the built renderer over HTTP and the engine's protocol over a
 * WebSocket, both on one port. The engine runs in a child process under an
 * EngineSupervisor. Every WebSocket connection must present the host's random
 * token (`/engine?token=…`), and a browser's Origin must be this host, so no
 * other web page and no other local user can drive the engine, which reads
 * and writes files as the person who started it.
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
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * MAX_MESSAGE_BYTES });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = checkUpgrade(req, token);
    if (refusal) {
      log(`host: refused a WebSocket connection from ${req.socket.remoteAddress}: ${refusal}`);
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const client = nextClient++;
      clients.set(client, ws);
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
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

/** Why a WebSocket upgrade is refused (an HTTP status line), or null to accept it. */
export function checkUpgrade(req: IncomingMessage, token: string): string | null {
  const url = new URL(req.url ?? '/', 'http://host');
  if (url.pathname !== ENGINE_SOCKET_PATH) return '404 Not Found';
  const given = Buffer.from(url.searchParams.get('token') ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return '401 Unauthorized';
  // A browser always sends Origin; another site's page cannot make it ours.
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return '403 Forbidden';
    }
    if (originHost !== req.headers.host) return '403 Forbidden';
  }
  return null;
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
  res.end(req.method === 'HEAD' ? undefined : body);
}
