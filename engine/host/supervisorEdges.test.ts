/**
 * The engine supervisor and forkEngine around a real engine child process
 * (cpu backend), in the cases the window meets rarely: an engine that keeps
 * dying is started again after the back-off, and a request sent meanwhile is
 * answered "not running, or wait"; frames that are not requests go to the
 * engine (whose validation answers them), not to the supervisor; nothing
 * restarts once the host is closing; a child that has exited still reports
 * how it ended to a late listener and takes a late message quietly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineSupervisor } from './engineSupervisor.js';
import { forkEngine } from './forkEngine.js';

interface Delivered {
  client: number | null;
  message: { kind: string; id?: number; ok?: boolean; result?: unknown; error?: { code: string; hint: string; message: string }; event?: { type: string; code?: string; message?: string; hint?: string } };
}

function supervised(options: { maxCrashes?: number; retryDelayMs?: number } = {}) {
  const delivered: Delivered[] = [];
  const log: string[] = [];
  const waiters: Array<() => void> = [];
  const supervisor = new EngineSupervisor(forkEngine({ backend: 'cpu', log: (line) => log.push(line) }), {
    deliver: (client, text) => {
      delivered.push({ client, message: JSON.parse(text) });
      waiters.splice(0).forEach((w) => w());
    },
    log: (line) => {
      log.push(line);
      waiters.splice(0).forEach((w) => w());
    },
    ...options,
    maxRetryDelayMs: options.retryDelayMs,
  });
  /** Waits until `find` finds something in what was delivered (or logged), 60 s at most. */
  async function until<T>(find: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within 60 s; delivered ${JSON.stringify(delivered).slice(0, 600)}; log ${log.join(' | ').slice(0, 600)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 250);
      });
    }
  }
  const response = (id: number) => until(() => delivered.find((d) => d.message.kind === 'response' && d.message.id === id), `response ${id}`);
  const request = (client: number, id: number, type: string) => supervisor.send(client, JSON.stringify({ kind: 'request', id, command: { type } }));
  return { supervisor, delivered, log, until, response, request };
}

test('an engine that keeps dying is started again after the back-off; a request meanwhile is told to wait', { timeout: 120_000 }, async () => {
  const s = supervised({ maxCrashes: 0, retryDelayMs: 1500 });
  s.supervisor.start();
  try {
    s.request(1, 1, 'templates.list');
    assert.equal((await s.response(1)).message.ok, true);
    const first = s.supervisor.pid!;
    process.kill(first, 'SIGKILL');
    const failed = await s.until(() => s.delivered.find((d) => d.message.event?.code === 'engine-failed'), 'engine-failed event');
    assert.equal(failed.client, null, 'every window hears it');
    assert.equal(failed.message.event!.message, 'The engine process was killed (SIGKILL) again (1 failures in 60 s); it will be started again in 2 s.');
    assert.equal(s.supervisor.running, false, 'not restarted at once');

    s.request(1, 2, 'templates.list');
    const refused = await s.response(2);
    assert.equal(refused.message.ok, false);
    assert.equal(refused.message.error!.code, 'engine-unavailable');
    assert.equal(refused.message.error!.hint, 'Choose "Restart engine", or wait: it is tried again shortly; the log says why it stopped.');

    await s.until(() => s.log.find((line) => line === 'host: starting the engine again after 2 s'), 'the retry');
    assert.notEqual(s.supervisor.pid, first);
    s.request(1, 3, 'templates.list');
    assert.equal((await s.response(3)).message.ok, true, 'the fresh engine answers');
  } finally {
    await s.supervisor.stop();
  }
});

test('frames that are not requests go to the engine, whose validation answers each with an error', { timeout: 120_000 }, async () => {
  const s = supervised();
  s.supervisor.start();
  try {
    for (const frame of ['null', '{"kind":"request","id":1.5,"command":{"type":"info"}}', '[1,2]']) s.supervisor.send(7, frame);
    const errors = await s.until(() => {
      const found = s.delivered.filter((d) => d.client === 7 && d.message.event?.type === 'error');
      return found.length === 3 ? found : undefined;
    }, 'three error events');
    for (const e of errors) assert.equal(e.message.event!.code, 'invalid-message', JSON.stringify(e.message));
    assert.equal(s.delivered.filter((d) => d.message.kind === 'response').length, 0, 'no request id to answer');
  } finally {
    await s.supervisor.stop();
  }
});

test('once the host is closing, nothing restarts: a restart request is answered restarted: false', { timeout: 120_000 }, async () => {
  const s = supervised();
  s.supervisor.start();
  const pid = s.supervisor.pid;
  assert.ok(pid);
  s.supervisor.start();
  assert.equal(s.supervisor.pid, pid, 'start() while running starts no second engine');
  await s.supervisor.stop();
  assert.equal(s.supervisor.running, false);
  s.request(3, 9, 'engine.restart');
  assert.deepEqual((await s.response(9)).message, { kind: 'response', id: 9, ok: true, result: { restarted: false } });
  s.supervisor.restart('a test asked');
  s.supervisor.start();
  assert.equal(s.supervisor.running, false, 'neither restart() nor start() brings an engine back');
  await s.supervisor.stop();
  assert.ok(!s.log.some((line) => line.startsWith('host: restarting the engine')), s.log.join('\n'));
});

test('a forked engine that has exited tells a late listener how it ended, and drops a late message quietly', { timeout: 120_000 }, async () => {
  const log: string[] = [];
  const child = forkEngine({ backend: 'cpu', log: (line) => log.push(line) })();
  const ended = new Promise<string>((resolve) => child.onExit(resolve));
  process.kill(child.pid!, 'SIGKILL');
  assert.equal(await ended, 'was killed (SIGKILL)');
  let late: string | null = null;
  child.onExit((description) => (late = description));
  assert.equal(late, 'was killed (SIGKILL)', 'called at once');
  child.send({ client: 1, frame: '{}' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(!log.some((line) => line.startsWith('host: could not reach the engine')), log.join('\n'));
});
