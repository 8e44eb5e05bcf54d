/**
 * Keeps an engine process running for a host. Frames go in tagged with their
 * window connection; responses and events come back the same way. When the
 * process dies without being asked to, every window gets an error event that
 * says so (naming the interrupted run and its last checkpoint), and a fresh
 * engine is started at once; the window's open project lives in the window
 * and on disk, so nothing of it is lost. A process that keeps dying is not
 * restarted forever.
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
  /** More than this many unexpected exits within `crashWindowMs` stops the restarts. */
  maxCrashes?: number;
  crashWindowMs?: number;
}

export class EngineSupervisor {
  private child: EngineChild | null = null;
  private stopping = false;
  private crashes: number[] = [];
  /** What the engine was doing, read from its events, for the crash report. */
  private activeRun: { runId: string; lastCheckpoint?: string } | null = null;
  private readonly log: Log;

  constructor(
    private readonly spawn: SpawnEngine,
    private readonly options: SupervisorOptions,
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
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
      this.options.deliver(message.client, message.text);
    });
    child.onExit((description) => {
      if (child !== this.child) return;
      this.child = null;
      if (!this.stopping) this.crashed(description);
    });
  }

  send(client: number, frame: unknown): void {
    if (!this.child) {
      this.options.deliver(client, JSON.stringify(this.errorEvent('The engine is not running, so the request was not sent.', 'Restart Convnet Studio; the engine stopped after repeated failures (see the log).', 'engine-unavailable')));
      return;
    }
    this.child.send({ client, frame });
  }

  /** Ends the engine for good (the host is closing). */
  async stop(): Promise<void> {
    this.stopping = true;
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
    this.log(`host: the engine process ${description}${giveUp ? '; it keeps failing, so it is not restarted' : '; restarting it'}`);

    const interrupted = run ? ` Run ${run.runId} was interrupted${run.lastCheckpoint ? `; its last checkpoint is ${run.lastCheckpoint}` : ' before its first checkpoint'}.` : '';
    const message = giveUp
      ? `The engine process ${description} again and was not restarted (${this.crashes.length} failures in ${Math.round(window / 1000)} s).${interrupted}`
      : `The engine process ${description} and was restarted.${interrupted}`;
    const hint = giveUp
      ? 'Your project is untouched. Save it, then restart Convnet Studio; the log says why the engine failed.'
      : 'Your project is untouched; start the run again when ready.';
    const event = this.errorEvent(message, hint, giveUp ? 'engine-failed' : 'engine-crashed', run);
    this.options.deliver(null, JSON.stringify(event));
    if (!giveUp) this.start();
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
