/**
 * The engine behind a transport: frames from window connections go through
 * the one validation gate (messageValidation), valid requests run on the
 * Engine, and each gets exactly one response back to the connection that sent
 * it; engine events go to every connection. A refused frame is answered with
 * an error event (and an error response when its id could be read), logged,
 * and goes no further. Nothing a window sends can throw out of here.
 */
import { describeError } from '../errors.js';
import type { Command, EngineEvent, EngineMessage, ErrorInfo } from '../protocol.js';
import { parseRequest } from './messageValidation.js';

/** What the session needs of an engine (the real Engine satisfies it). */
export interface EngineLike {
  execute(command: Command): Promise<unknown>;
  onEvent(listener: (event: EngineEvent) => void): () => void;
}

/** `client: null` sends to every connection. */
export type SendToClient = (client: number | null, text: string) => void;

export type Log = (line: string) => void;

export class EngineSession {
  private readonly unsubscribe: () => void;

  constructor(
    private readonly engine: EngineLike,
    private readonly send: SendToClient,
    private readonly log: Log = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.unsubscribe = engine.onEvent((event) => this.post(null, { kind: 'event', event }));
  }

  /** Handles one frame from one connection; never throws, never rejects. */
  receive(client: number, frame: unknown): void {
    const parsed = parseRequest(frame);
    if (!parsed.ok) {
      this.refuse(client, parsed.id, parsed.error);
      return;
    }
    const { id, command } = parsed.request;
    this.engine.execute(command).then(
      (result) => this.post(client, { kind: 'response', id, ok: true, result }),
      (e: unknown) => {
        const error = describeError(e);
        if (error.code === 'internal') this.log(`engine: ${command.type} from connection ${client} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        this.post(client, { kind: 'response', id, ok: false, error });
      },
    );
  }

  dispose(): void {
    this.unsubscribe();
  }

  private refuse(client: number, id: number | null, error: ErrorInfo): void {
    this.log(`engine: refused a message from connection ${client}: ${error.message}`);
    if (id !== null) this.post(client, { kind: 'response', id, ok: false, error });
    this.post(client, { kind: 'event', event: { type: 'error', runId: null, ...error } });
  }

  private post(client: number | null, message: EngineMessage): void {
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (e) {
      // A result that is not JSON (a cycle, a BigInt) is a bug; the caller still gets an answer.
      this.log(`engine: could not encode a ${message.kind}: ${(e as Error).message}`);
      if (message.kind !== 'response') return;
      text = JSON.stringify({ kind: 'response', id: message.id, ok: false, error: describeError(e) });
    }
    this.send(client, text);
  }
}
