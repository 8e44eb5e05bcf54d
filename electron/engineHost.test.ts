/**
 * preferEngineWindow without Electron: stand-in engine children record what
 * they are sent (the Electron binary cannot run here; the real window and
 * utility process are driven by e2e/electron-webgpu.test.ts where it can).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EngineChild } from '../engine/host/engineSupervisor.js';
import type { ToEngine } from '../engine/host/link.js';
import { engineHostNote, preferEngineWindow } from './engineHost.js';

class FakeChild implements EngineChild {
  readonly sent: ToEngine[] = [];
  killed = false;
  private messageListeners: Array<(m: unknown) => void> = [];
  private exitListeners: Array<(d: string) => void> = [];
  constructor(readonly pid: number) {}
  send(message: ToEngine) {
    this.sent.push(message);
  }
  onMessage(listener: (m: unknown) => void) {
    this.messageListeners.push(listener);
  }
  onExit(listener: (d: string) => void) {
    this.exitListeners.push(listener);
  }
  kill() {
    this.killed = true;
    this.exit('was killed');
  }
  emit(message: unknown) {
    this.messageListeners.forEach((l) => l(message));
  }
  exit(description: string) {
    this.exitListeners.splice(0).forEach((l) => l(description));
  }
}

const gpu = { vendor: 'nvidia', architecture: 'ampere', device: '', description: 'RTX 3060', software: false };
const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: '', description: '', software: true };

function setup() {
  const windows: FakeChild[] = [];
  const utilities: FakeChild[] = [];
  const log: string[] = [];
  const spawn = preferEngineWindow(
    () => (windows.push(new FakeChild(100 + windows.length)), windows.at(-1)!),
    () => (utilities.push(new FakeChild(200 + utilities.length)), utilities.at(-1)!),
    (line) => log.push(line),
  );
  return { spawn, windows, utilities, log };
}

test('a window with a hardware adapter keeps the engine; what was sent before it said so arrives after', () => {
  const { spawn, windows, utilities, log } = setup();
  const engine = spawn();
  const received: unknown[] = [];
  engine.onMessage((m) => received.push(m));
  engine.send({ client: 0, frame: 'early' });
  assert.deepEqual(windows[0]!.sent, [], 'held until the window says what it has');
  windows[0]!.emit(engineHostNote({ loaded: true, adapter: gpu }));
  assert.deepEqual(windows[0]!.sent, [{ client: 0, frame: 'early' }]);
  assert.equal(engine.pid, 100);
  windows[0]!.emit({ client: 0, text: 'reply' });
  assert.deepEqual(received, [{ client: 0, text: 'reply' }], 'the host note itself is not passed on');
  assert.equal(utilities.length, 0);
  assert.match(log[0]!, /engine window, on WebGPU \(nvidia ampere, RTX 3060\)/);
  let exit = '';
  engine.onExit((d) => (exit = d));
  windows[0]!.exit('ended (crashed, code 1)');
  assert.equal(exit, 'ended (crashed, code 1)');
});

test('a software adapter, no adapter or a window that dies first falls back to the utility process, for good', () => {
  for (const trigger of [
    (w: FakeChild) => w.emit(engineHostNote({ loaded: true, adapter: swiftshader })),
    (w: FakeChild) => w.emit(engineHostNote({ loaded: false, reason: 'no WebGPU adapter was found' })),
    (w: FakeChild) => w.exit('ended (crashed, code 1)'),
  ]) {
    const { spawn, windows, utilities, log } = setup();
    const engine = spawn();
    engine.send({ client: 0, frame: 'early' });
    trigger(windows[0]!);
    assert.equal(windows[0]!.killed || log.some((l) => /before it started/.test(l)), true);
    assert.equal(utilities.length, 1);
    assert.deepEqual(utilities[0]!.sent, [{ client: 0, frame: 'early' }]);
    assert.equal(engine.pid, 200);
    assert.match(log[0]!, /utility process \((the only WebGPU adapter is a software one|no WebGPU adapter was found|the engine window ended)/);
    // A restart after a crash goes straight to the utility process.
    spawn();
    assert.equal(windows.length, 1);
    assert.equal(utilities.length, 2);
  }
});
