/**
 * Commands and events on the wire: each request gets exactly one response
 * carrying its id; events come on their own.
 */
import type { Command } from './commands.js';
import type { EngineEvent } from './events.js';

export const PROTOCOL_VERSION = 1;

export interface ErrorInfo {
  message: string;
  hint: string;
  code: string;
}

/** A command on the wire, with the id its response will carry. */
export interface RequestMessage {
  kind: 'request';
  id: number;
  command: Command;
}

export type ResponseMessage =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorInfo };

export interface EventMessage {
  kind: 'event';
  event: EngineEvent;
}

export type EngineMessage = ResponseMessage | EventMessage;
