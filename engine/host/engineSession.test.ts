import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../engine.js';
import type { Command, EngineMessage } from '../protocol.js';
import { EngineSession } from './engineSession.js';

/** The real Engine, counting what reaches its execute(). */
function countingEngine() {
  const engine = new Engine({ backend: 'cpu' });
  const executed: Command[] = [];
  const execute = engine.execute.bind(engine);
  return {
    executed,
    engine: {
      onEvent: engine.onEvent.bind(engine),
      execute: (command: Command) => {
        executed.push(command);
        return execute(command);
      },
    },
    emit: (engine as unknown as { emit: (e: unknown) => void }).emit,
  };
}

function collect() {
  const sent: Array<{ client: number | null; message: EngineMessage }> = [];
  const log: string[] = [];
  return { sent, log, send: (client: number | null, text: string) => sent.push({ client, message: JSON.parse(text) }), logLine: (l: string) => log.push(l) };
}

/** Resolves once `done()` holds: the test waits for what it checks, not for a fixed time. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !done(); await new Promise((resolve) => setTimeout(resolve, 2))) {
    if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`);
  }
}
const responseTo = (sent: ReturnType<typeof collect>['sent'], client: number) => sent.some((s) => s.client === client && s.message.kind === 'response');

test('a valid request runs on the engine and is answered to its own connection only', async () => {
  const { engine, executed } = countingEngine();
  const out = collect();
  const session = new EngineSession(engine, out.send, out.logLine);
  session.receive(3, JSON.stringify({ kind: 'request', id: 1, command: { type: 'project.create', template: 'lenet5', name: 'Digits' } }));
  session.receive(4, JSON.stringify({ kind: 'request', id: 1, command: { type: 'project.create', template: 'no-such' } }));
  await until(() => responseTo(out.sent, 3) && responseTo(out.sent, 4), 'both responses');
  assert.equal(executed.length, 2);
  const ok = out.sent.find((s) => s.client === 3)!.message;
  assert.ok(ok.kind === 'response' && ok.ok && (ok.result as { name: string }).name === 'Digits');
  const failed = out.sent.find((s) => s.client === 4)!.message;
  assert.ok(failed.kind === 'response' && !failed.ok);
  assert.equal(failed.error.code, 'unknown-template');
  assert.match(failed.error.hint, /Choose one of: seed-cnn/);
  assert.deepEqual(out.log, [], 'a user error is not logged as a failure');
  session.dispose();
});

test('a frame that is not protocol never reaches the engine: an error event (and response) to its sender, and a log line', async () => {
  const { engine, executed } = countingEngine();
  const out = collect();
  const session = new EngineSession(engine, out.send, out.logLine);
  session.receive(5, 'not json at all');
  session.receive(5, JSON.stringify({ kind: 'request', id: 9, command: { type: 'process.exit' } }));
  session.receive(5, { kind: 'request', id: 10, command: { type: 'info' } });
  // A valid request sent after them: once it is answered, anything accepted before it would have run.
  session.receive(6, JSON.stringify({ kind: 'request', id: 1, command: { type: 'templates.list' } }));
  await until(() => responseTo(out.sent, 6), 'the answer to the valid request');
  assert.deepEqual(executed, [{ type: 'templates.list' }], 'only the valid request reached the engine');
  out.sent.splice(out.sent.findIndex((s) => s.client === 6), 1);
  assert.ok(out.sent.every((s) => s.client === 5), 'refusals go to the sender only');
  const events = out.sent.filter((s) => s.message.kind === 'event').map((s) => s.message);
  assert.equal(events.length, 3);
  for (const e of events) assert.ok(e.kind === 'event' && e.event.type === 'error' && e.event.runId === null);
  const response = out.sent.find((s) => s.message.kind === 'response')!.message;
  assert.ok(response.kind === 'response' && !response.ok && response.id === 9 && response.error.code === 'unknown-command');
  assert.equal(out.log.length, 3);
  assert.match(out.log[1], /refused a message from connection 5: Unknown command "process.exit"/);
  session.dispose();
});

test('engine events go to every connection', async () => {
  const { engine, emit } = countingEngine();
  const out = collect();
  const session = new EngineSession(engine, out.send, out.logLine);
  emit({ type: 'error', runId: 'run-x', message: 'm', hint: 'h', code: 'c' });
  assert.deepEqual(out.sent, [{ client: null, message: { kind: 'event', event: { type: 'error', runId: 'run-x', message: 'm', hint: 'h', code: 'c' } } }]);
  session.dispose();
  emit({ type: 'error', runId: 'run-y', message: 'm', hint: 'h', code: 'c' });
  assert.equal(out.sent.length, 1, 'a disposed session stops listening');
});
