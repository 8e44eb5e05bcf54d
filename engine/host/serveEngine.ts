/**
 * Runs an Engine behind a link to its host: the one piece every engine
 * process shares, whether it was forked by the web host, started as an
 * Electron utilityProcess, or stood up in a worker thread by a test.
 */
import { Engine } from '../engine.js';
import type { BackendPreference } from '../protocol.js';
import { EngineSession, type Log } from './engineSession.js';
import { isToEngine, type FromEngine, type Link } from './link.js';

export interface ServeOptions {
  backend?: BackendPreference;
  log?: Log;
}

export function serveEngine(link: Link<unknown, FromEngine>, options: ServeOptions = {}): EngineSession {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const engine = new Engine({ backend: options.backend ?? 'auto' });
  const session = new EngineSession(engine, (client, text) => link.send({ client, text }), log);
  link.onMessage((message) => {
    if (isToEngine(message)) session.receive(message.client, message.frame);
    else log('engine: ignored a message from the host that is not {client, frame}');
  });
  return session;
}

/** `--backend NAME` from an engine process's arguments. */
export function backendFromArgs(argv: string[]): BackendPreference {
  const i = argv.indexOf('--backend');
  const value = i >= 0 ? argv[i + 1] : 'auto';
  const known: BackendPreference[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
  return known.includes(value as BackendPreference) ? (value as BackendPreference) : 'auto';
}
