/**
 * The engine as an Electron utility process, reached over a MessagePort: main
 * creates a MessageChannelMain, hands one end to the new process (its first
 * message) and keeps the other. Training then never runs on main's thread, so
 * the window stays responsive, and a crash of the engine takes nothing else
 * with it (EngineSupervisor restarts it).
 */
import { MessageChannelMain, utilityProcess } from 'electron';
import type { EngineChild, SpawnEngine } from '../engine/host/engineSupervisor.js';
import type { Log } from '../engine/host/engineSession.js';

export function utilityProcessEngine(entry: string, log: Log): SpawnEngine {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Convnet Studio engine', stdio: 'pipe' });
    const { port1, port2 } = new MessageChannelMain();
    child.postMessage({ type: 'engine-port' }, [port1]);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) log(`[engine] ${line}`);
      });
    }
    let exitDescription: string | null = null;
    const exitListeners: Array<(description: string) => void> = [];
    child.on('exit', (code) => {
      exitDescription = `exited with code ${code}`;
      port2.close();
      for (const listener of exitListeners) listener(exitDescription);
    });
    port2.start();
    const engine: EngineChild = {
      get pid() {
        return child.pid;
      },
      send: (message) => port2.postMessage(message),
      onMessage: (listener) => void port2.on('message', (event) => listener(event.data)),
      onExit(listener) {
        if (exitDescription !== null) listener(exitDescription);
        else exitListeners.push(listener);
      },
      kill: () => void child.kill(),
    };
    return engine;
  };
}
