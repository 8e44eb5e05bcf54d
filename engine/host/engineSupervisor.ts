/**
 * Keeps an engine process running for a host. Frames go in tagged with their
 * window connection; responses and events come back the same way. When the
 * process dies without being asked to, every window gets an error event that
 * says so (naming the interrupted run and its last checkpoint), and a fresh
 * engine is started at once; the window's open project lives in the window
 * and on disk, so nothing of it is lost. Requests the dead process had not
 * answered are answered with an error carrying their id. A process that keeps
 * dying is not restarted at once but after a back-off (doubling, capped), and
 * a window can ask for a restart at any time with the `engine.restart`
 * command, which the supervisor answers itself.
 *
 * How the process is started is the host's business (`SpawnEngine`): a Node
 * fork for the web host, an Electron utilityProcess with a MessagePort for
 * the desktop window, a worker thread in tests.
 */
import type { EventMessage } from '../protocol.js';
import { isFromEngine, type ToEngine } from './link.js';
import type { Log } from './engineSession.js';

export interface EngineChild {
  readonly pid: number | undefined;
  send(message: ToEngine): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once, when the process has ended for any reason. */
  onExit(listener: (description: string) => void): void;
  kill(): void;
}

export type SpawnEngine = () => EngineChild;

export interface SupervisorOptions {
  /** Where responses (`client` set) and events (`client: null`) go. */
  deliver: (client: number | null, text: string) => void;
  log?: Log;
  /** More than this many unexpected exits within `crashWindowMs` stops the immediate restarts. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** After that, the next restart is tried this much later (doubling each time, up to `maxRetryDelayMs`). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

/** The id of a request frame and whether it asks for a restart; null when the frame is not a readable request. */
function readRequest(frame: unknown): { id: number; restart: boolean } | null {
  if (typeof frame !== 'string') return null;
  try {
    const value = JSON.parse(frame) as { kind?: unknown; id?: unknown; command?: { type?: unknown } } | null;
    if (value === null || typeof value !== 'object' || value.kind !== 'request' || !Number.isSafeInteger(value.id)) return null;
    return { id: value.id as number, restart: value.command?.type === 'engine.restart' };
  } catch {
    return null;
  }
}

/** The id of a response the engine sent (JSON.stringify puts kind and id first), or null for an event. */
function responseId(text: string): number | null {
  const match = /^\{"kind":"response","id":(-?\d+),/.exec(text);
  return match ? Number(match[1]) : null;
}

export class EngineSupervisor {
  private child: EngineChild | null = null;
  private stopping = false;
  private crashes: number[] = [];
  /** Requests sent to the current process and not yet answered, by `client:id`. */
  private pending = new Map<string, { client: number; id: number }>();
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  /** What the engine was doing, read from its events, for the crash report. */
  private activeRun: { runId: string; lastCheckpoint?: string } | null = null;
  private readonly log: Log;

  constructor(
    private readonly spawn: SpawnEngine,
    private readonly options: SupervisorOptions,
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.retryDelay = options.retryDelayMs ?? 30_000;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  start(): void {
    if (this.child || this.stopping) return;
    const child = this.spawn();
    this.child = child;
    child.onMessage((message) => {
      if (child !== this.child) return;
      if (!isFromEngine(message)) {
        this.log('host: ignored a message from the engine that is not {client, text}');
        return;
      }
      if (message.client === null) this.track(message.text);
      else {
        const id = responseId(message.text);
        if (id !== null) this.pending.delete(`${message.client}:${id}`);
      }
      this.options.deliver(message.client, message.text);
    });
    child.onExit((description) => {
      if (child !== this.child) return;
      this.child = null;
      if (!this.stopping) this.crashed(description);
    });
  }

  send(client: number, frame: unknown): void {
    const request = frame !== null && typeof frame === 'string' && frame.length <= 16 * 1024 * 1024 ? readRequest(frame) : null;
    if (request?.restart) {
      // While the host closes there is nothing to restart.
      const restarted = !this.stopping;
      this.restart('a window asked for it');
      this.options.deliver(client, JSON.stringify({ kind: 'response', id: request.id, ok: true, result: { restarted } }));
      return;
    }
    if (!this.child) {
      const error = {
        message: 'The engine is not running, so the request was not sent.',
        hint: `Choose "Restart engine"${this.retryTimer ? ', or wait: it is tried again shortly' : ''}; the log says why it stopped.`,
        code: 'engine-unavailable',
      };
      if (request) this.options.deliver(client, JSON.stringify({ kind: 'response', id: request.id, ok: false, error }));
      this.options.deliver(client, JSON.stringify(this.errorEvent(error.message, error.hint, error.code)));
      return;
    }
    if (request) this.pending.set(`${client}:${request.id}`, { client, id: request.id });
    this.child.send({ client, frame });
  }

  /** Starts a fresh engine now: the crash count and back-off start over. */
  restart(reason: string): void {
    if (this.stopping) return;
    this.log(`host: restarting the engine (${reason})`);
    this.clearRetry();
    this.crashes = [];
    this.retryDelay = this.options.retryDelayMs ?? 30_000;
    const old = this.child;
    this.child = null;
    if (old) {
      this.answerPending('The engine was restarted before it answered this request.', 'Send it again.', 'engine-restarted');
      old.kill();
    }
    this.start();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Answers every request the engine had not answered, each with its own id. */
  private answerPending(message: string, hint: string, code: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const { client, id } of pending) this.options.deliver(client, JSON.stringify({ kind: 'response', id, ok: false, error: { message, hint, code } }));
  }

  /** Ends the engine for good (the host is closing). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.clearRetry();
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      child.onExit(() => resolve());
      child.kill();
    });
    this.child = null;
  }

  private crashed(description: string): void {
    const now = Date.now();
    const window = this.options.crashWindowMs ?? 60_000;
    this.crashes = [...this.crashes.filter((t) => now - t < window), now];
    const giveUp = this.crashes.length > (this.options.maxCrashes ?? 3);
    const run = this.activeRun;
    this.activeRun = null;
    this.log(`host: the engine process ${description}${giveUp ? `; it keeps failing, so it is started again in ${Math.round(this.retryDelay / 1000)} s` : '; restarting it'}`);

    this.answerPending(`The engine process ${description} before answering this request.`, 'Your project is untouched; send the request again once the engine is back.', 'engine-crashed');
    const interrupted = run ? ` Run ${run.runId} was interrupted${run.lastCheckpoint ? `; its last checkpoint is ${run.lastCheckpoint}` : ' before its first checkpoint'}.` : '';
    const delay = this.retryDelay;
    const message = giveUp
      ? `The engine process ${description} again (${this.crashes.length} failures in ${Math.round(window / 1000)} s); it will be started again in ${Math.round(delay / 1000)} s.${interrupted}`
      : `The engine process ${description} and was restarted.${interrupted}`;
    const hint = giveUp
      ? 'Your project is untouched. Choose "Restart engine" to try at once; the log says why the engine failed.'
      : 'Your project is untouched; start the run again when ready.';
    const event = this.errorEvent(message, hint, giveUp ? 'engine-failed' : 'engine-crashed', run);
    this.options.deliver(null, JSON.stringify(event));
    if (!giveUp) {
      this.start();
      return;
    }
    // Back off rather than give up: whatever killed it (memory, a driver) may pass.
    this.retryDelay = Math.min(delay * 2, this.options.maxRetryDelayMs ?? 300_000);
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.stopping || this.child) return;
      this.log(`host: starting the engine again after ${Math.round(delay / 1000)} s`);
      this.start();
    }, delay);
    this.retryTimer.unref();
  }

  private errorEvent(message: string, hint: string, code: string, run?: { runId: string; lastCheckpoint?: string } | null): EventMessage {
    return {
      kind: 'event',
      event: { type: 'error', runId: run?.runId ?? null, message, hint, code, ...(run?.lastCheckpoint ? { lastCheckpoint: run.lastCheckpoint } : {}) },
    };
  }

  private track(text: string): void {
    let message: EventMessage;
    try {
      message = JSON.parse(text) as EventMessage;
    } catch {
      return;
    }
    const event = message.event;
    if (message.kind !== 'event' || !event) return;
    if (event.type === 'run-started' || (event.type === 'progress' && this.activeRun?.runId !== event.runId)) this.activeRun = { runId: event.runId };
    else if (event.type === 'checkpoint' && this.activeRun?.runId === event.runId) this.activeRun.lastCheckpoint = event.path;
    else if ((event.type === 'finished' || event.type === 'error') && event.runId === this.activeRun?.runId) this.activeRun = null;
  }
}
