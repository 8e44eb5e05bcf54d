/**
 * The desktop window's transport without Electron: the engine served over a
 * MessagePort, supervised and restarted. A worker thread and Node's own
 * MessageChannel stand in for Electron's utilityProcess and
 * MessageChannelMain (whose binary cannot be downloaded here); the
 * supervisor, the session and the validation are the ones Electron uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel, Worker } from 'node:worker_threads';
import { EngineSupervisor, type EngineChild, type SpawnEngine } from './engineSupervisor.js';
import type { EngineMessage } from '../protocol.js';

const WORKER = new URL('../testing/portEngineWorker.ts', import.meta.url);

const spawnWorkerEngine: SpawnEngine = () => {
  // A worker's module loader starts without the test's TypeScript hooks: register tsx first, then load the entry.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER.href)}); })`;
  const worker = new Worker(bootstrap, { eval: true });
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ port: port1 }, [port1]);
  const child: EngineChild = {
    pid: worker.threadId,
    send: (message) => port2.postMessage(message),
    onMessage: (listener) => void port2.on('message', listener),
    onExit: (listener) => void worker.once('exit', (code) => listener(`exited with code ${code}`)),
    kill: () => void worker.terminate(),
  };
  worker.once('exit', () => port2.close());
  return child;
};

function harness() {
  const delivered: Array<{ client: number | null; message: EngineMessage }> = [];
  const log: string[] = [];
  const supervisor = new EngineSupervisor(spawnWorkerEngine, {
    deliver: (client, text) => delivered.push({ client, message: JSON.parse(text) }),
    log: (line) => log.push(line),
    maxCrashes: 1,
  });
  const waitFor = async <T extends EngineMessage>(match: (m: { client: number | null; message: EngineMessage }) => boolean): Promise<{ client: number | null; message: T }> => {
    for (let i = 0; i < 600; i++) {
      const found = delivered.find(match);
      if (found) return found as { client: number | null; message: T };
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`nothing matched; delivered ${JSON.stringify(delivered).slice(0, 400)}`);
  };
  return { supervisor, delivered, log, waitFor };
}

test('protocol round trip over a MessagePort, refusals included, and a restart after the engine dies', async () => {
  const { supervisor, log, waitFor } = harness();
  supervisor.start();
  try {
    supervisor.send(1, JSON.stringify({ kind: 'request', id: 1, command: { type: 'project.create', template: 'resnet-small', name: 'Over a port' } }));
    const created = await waitFor((d) => d.message.kind === 'response' && d.message.id === 1);
    assert.equal(created.client, 1);
    assert.ok(created.message.kind === 'response' && created.message.ok);
    const project = created.message.result;
    supervisor.send(1, JSON.stringify({ kind: 'request', id: 2, command: { type: 'project.validate', project } }));
    const report = await waitFor((d) => d.message.kind === 'response' && d.message.id === 2);
    assert.ok(report.message.kind === 'response' && report.message.ok && (report.message.result as { totals: { params: number } }).totals.params === 19_994);

    supervisor.send(1, JSON.stringify({ kind: 'request', id: 3, command: { type: 'train.start', project: 'x' } }));
    const refused = await waitFor((d) => d.message.kind === 'event');
    assert.equal(refused.client, 1);
    assert.ok(refused.message.kind === 'event' && refused.message.event.type === 'error' && refused.message.event.code === 'invalid-message');

    // The engine "process" dies: every window is told, and a new one answers.
    const first = supervisor.pid;
    const crashed = waitFor((d) => d.message.kind === 'event' && d.message.event.type === 'error' && d.message.event.code === 'engine-crashed');
    await (supervisor as unknown as { child: EngineChild }).child.kill();
    const crash = await crashed;
    assert.equal(crash.client, null);
    assert.notEqual(supervisor.pid, first);
    supervisor.send(2, JSON.stringify({ kind: 'request', id: 1, command: { type: 'templates.list' } }));
    const again = await waitFor((d) => d.client === 2 && d.message.kind === 'response');
    assert.ok(again.message.kind === 'response' && again.message.ok);
    assert.ok(log.some((l) => /exited with code 1; restarting it/.test(l)), log.join('\n'));

    // One more death is one too many (maxCrashes 1): no endless restarts.
    const failed = waitFor((d) => d.message.kind === 'event' && d.message.event.type === 'error' && d.message.event.code === 'engine-failed');
    await (supervisor as unknown as { child: EngineChild }).child.kill();
    await failed;
    assert.equal(supervisor.running, false);
    supervisor.send(2, JSON.stringify({ kind: 'request', id: 2, command: { type: 'info' } }));
    await waitFor((d) => d.message.kind === 'event' && d.message.event.type === 'error' && d.message.event.code === 'engine-unavailable');
  } finally {
    await supervisor.stop();
  }
});
