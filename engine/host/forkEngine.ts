/**
 * Starts the engine as a Node child process (the web host's way, and the
 * tests'), talking over Node's IPC channel as JSON. The child is the entry
 * beside this module: engineProcess.ts through tsx when the engine runs from
 * its sources, dist/engine/engineProcess.mjs when it runs from the bundles.
 */
import { fork } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { BackendPreference } from '../protocol.js';
import type { EngineChild, SpawnEngine } from './engineSupervisor.js';
import type { Log } from './engineSession.js';

const HERE = fileURLToPath(import.meta.url);
const FROM_SOURCES = extname(HERE) === '.ts';
const ENTRY = fileURLToPath(new URL(FROM_SOURCES ? './engineProcess.ts' : './engineProcess.mjs', import.meta.url));
// The sources need tsx in the child; a bundle needs nothing, and the child keeps this process's Node flags.
const EXEC_ARGV = FROM_SOURCES ? ['--import', import.meta.resolve('tsx')] : process.execArgv;

export interface ForkOptions {
  backend?: BackendPreference;
  log?: Log;
}

export function forkEngine(options: ForkOptions = {}): SpawnEngine {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return () => {
    const child = fork(ENTRY, ['--backend', options.backend ?? 'auto'], {
      execArgv: EXEC_ARGV,
      serialization: 'json',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // The engine's own output (its log lines, tfjs notices) goes to the host's log.
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => log(`[engine ${child.pid}] ${line}`));
    }
    let exitDescription: string | null = null;
    const exitListeners: Array<(description: string) => void> = [];
    child.on('exit', (code, signal) => {
      exitDescription = signal ? `was killed (${signal})` : `exited with code ${code}`;
      for (const listener of exitListeners) listener(exitDescription);
    });
    child.on('error', (e) => log(`host: engine process error: ${e.message}`));
    const engineChild: EngineChild = {
      pid: child.pid,
      send(message) {
        if (!child.connected) return;
        child.send(message, (e) => {
          if (e) log(`host: could not reach the engine: ${e.message}`);
        });
      },
      onMessage: (listener) => void child.on('message', listener),
      onExit(listener) {
        if (exitDescription !== null) listener(exitDescription);
        else exitListeners.push(listener);
      },
      kill: () => void child.kill('SIGTERM'),
    };
    return engineChild;
  };
}
