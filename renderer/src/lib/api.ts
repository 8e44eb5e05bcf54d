/**
 * The window's one way to the engine: a typed client of engine/protocol.ts
 * over one of two transports, picked at start-up. In Electron the preload's
 * bridge carries the frames (through the main process to the engine's utility
 * process); in a browser a WebSocket to the web host does, with the host's
 * token from the page's address, reconnecting when the connection drops.
 *
 * Requests get exactly one answer each: the result, or an EngineRequestError
 * with the engine's message and hint. A request cannot outlive the engine
 * that was to answer it: when the engine process dies or the connection
 * drops, the requests in flight fail at once instead of hanging.
 */
import type { CommandOf, CommandType, EngineEvent, EngineMessage, ErrorInfo, ResultOf } from '../../../engine/protocol.js';
import type { MenuAction, StudioBridge } from '../../../electron/bridge.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type TransportKind = 'electron' | 'websocket';

/** Carries protocol frames (JSON text); knows nothing of their content. */
export interface Transport {
  readonly kind: TransportKind;
  readonly state: ConnectionState;
  send(text: string): void;
  onMessage(listener: (text: string) => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

export class EngineRequestError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

/** Error events after which no answer will come from the engine that was asked. */
const ENGINE_GONE = new Set(['engine-crashed', 'engine-failed', 'engine-unavailable']);

export interface StudioClient {
  readonly transport: TransportKind;
  readonly connection: ConnectionState;
  request<T extends CommandType>(command: CommandOf<T>): Promise<ResultOf<T>>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

export function createClient(transport: Transport): StudioClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const eventListeners = new Set<(event: EngineEvent) => void>();

  const failPending = (error: ErrorInfo) => {
    const waiting = [...pending.values()];
    pending.clear();
    for (const p of waiting) p.reject(new EngineRequestError(error.message, error.hint, error.code));
  };

  transport.onMessage((text) => {
    let message: EngineMessage;
    try {
      message = JSON.parse(text) as EngineMessage;
    } catch {
      console.error('Convnet Studio: ignored a frame from the engine that is not JSON:', text.slice(0, 200));
      return;
    }
    if (message.kind === 'response') {
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new EngineRequestError(message.error.message, message.error.hint, message.error.code));
    } else if (message.kind === 'event') {
      const event = message.event;
      if (event.type === 'error' && ENGINE_GONE.has(event.code)) failPending(event);
      for (const listener of eventListeners) listener(event);
    }
  });
  transport.onState((state) => {
    if (state === 'reconnecting' || state === 'closed') {
      failPending({
        message: 'The connection to the engine was lost before it answered.',
        hint: state === 'closed' ? 'Reload the page.' : 'The studio is reconnecting; try again in a moment.',
        code: 'connection-lost',
      });
    }
  });

  return {
    transport: transport.kind,
    get connection() {
      return transport.state;
    },
    request<T extends CommandType>(command: CommandOf<T>): Promise<ResultOf<T>> {
      const id = nextId++;
      return new Promise<ResultOf<T>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        try {
          transport.send(JSON.stringify({ kind: 'request', id, command }));
        } catch (e) {
          pending.delete(id);
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection: (listener) => transport.onState(listener),
    close: () => transport.close(),
  };
}

// ------------------------------------------------------------- transports

/** Electron: the preload's bridge. The main process keeps it up across engine restarts. */
export function bridgeTransport(bridge: StudioBridge): Transport {
  return {
    kind: 'electron',
    state: 'open',
    send: (text) => bridge.send(text),
    onMessage: (listener) => bridge.onMessage(listener),
    onState: () => () => undefined,
    close: () => undefined,
  };
}

/** The part of the WebSocket API the transport uses (the browser's, or `ws` in Node tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: { data?: unknown }) => void): void;
}
export type WebSocketFactory = (url: string) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** First wait before reconnecting; it doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

const OPEN = 1;

/** Web mode: a WebSocket to the host, frames sent while (re)connecting wait for the connection. */
export function websocketTransport(url: string, factory: WebSocketFactory, options: WebSocketTransportOptions = {}): Transport {
  const messageListeners = new Set<(text: string) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const queue: string[] = [];
  let state: ConnectionState = 'connecting';
  let socket: WebSocketLike | null = null;
  let retryMs = options.retryMs ?? 250;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const open = () => {
    const ws = factory(url);
    socket = ws;
    ws.addEventListener('open', () => {
      retryMs = options.retryMs ?? 250;
      setState('open');
      for (const text of queue.splice(0)) ws.send(text);
    });
    ws.addEventListener('message', (event) => {
      const text = typeof event.data === 'string' ? event.data : String(event.data);
      for (const listener of messageListeners) listener(text);
    });
    // A failed connection also closes; the close handler below retries it.
    ws.addEventListener('error', () => undefined);
    ws.addEventListener('close', () => {
      if (socket !== ws || state === 'closed') return;
      socket = null;
      setState('reconnecting');
      retryTimer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, options.maxRetryMs ?? 5000);
    });
  };
  open();

  return {
    kind: 'websocket',
    get state() {
      return state;
    },
    send(text) {
      if (state === 'closed') throw new EngineRequestError('The connection to the engine is closed.', 'Reload the page.', 'connection-closed');
      if (socket && socket.readyState === OPEN) socket.send(text);
      else queue.push(text);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      setState('closed');
      if (retryTimer) clearTimeout(retryTimer);
      queue.length = 0;
      socket?.close();
      socket = null;
    },
  };
}

/** The web host's engine socket for a page it served: same host, the token from the page's address. */
export function engineSocketUrl(pageUrl: string): string | null {
  const page = new URL(pageUrl);
  const token = page.searchParams.get('token');
  if (!token) return null;
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${page.host}/engine?token=${encodeURIComponent(token)}`;
}

export interface Studio {
  client: StudioClient;
  /** Native dialogs and the application menu; only in the desktop window. */
  shell: StudioBridge | null;
}

export class NoEngineError extends Error {}

/** Picks the transport for this page: the Electron bridge when the preload gave one, else the web host's WebSocket. */
export function connectStudio(win: Window & { convnetStudio?: StudioBridge } = window): Studio {
  const bridge = win.convnetStudio;
  if (bridge) return { client: createClient(bridgeTransport(bridge)), shell: bridge };
  const url = engineSocketUrl(win.location.href);
  if (!url) {
    throw new NoEngineError('This page has no engine token in its address. Open the address that `npm run web` printed (it ends in ?token=…).');
  }
  return { client: createClient(websocketTransport(url, (u) => new WebSocket(u))), shell: null };
}

export type { MenuAction };
