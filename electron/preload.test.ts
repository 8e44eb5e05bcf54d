/**
 * The built preload (dist/electron/preload.cjs) run as Electron would run a
 * sandboxed preload, with the two Electron objects it touches (contextBridge,
 * ipcRenderer) recorded by stand-ins: the Electron binary cannot run here.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { ensureElectronBuilt } from '../scripts/build.js';
import { BRIDGE_KEY, CHANNELS, type StudioBridge } from './bridge.js';

type Handler = (event: unknown, value: unknown) => void;

let exposed: Map<string, unknown>;
const sent: Array<[string, unknown]> = [];
const invoked: Array<[string, unknown[]]> = [];
const handlers = new Map<string, Set<Handler>>();

before(async () => {
  const code = await readFile(join(await ensureElectronBuilt(), 'preload.cjs'), 'utf8');
  exposed = new Map();
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
    ipcRenderer: {
      send: (channel: string, value: unknown) => sent.push([channel, value]),
      invoke: async (channel: string, ...args: unknown[]) => {
        invoked.push([channel, args]);
        return channel === CHANNELS.chooseFolderDialog ? '/data/images' : 42;
      },
      on: (channel: string, handler: Handler) => void (handlers.get(channel) ?? handlers.set(channel, new Set()).get(channel)!).add(handler),
      removeListener: (channel: string, handler: Handler) => void handlers.get(channel)?.delete(handler),
    },
  };
  const module = { exports: {} };
  runInNewContext(code, {
    module,
    exports: module.exports,
    require: (name: string) => {
      if (name === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${name}`);
    },
  });
});

const emit = (channel: string, value: unknown) => handlers.get(channel)?.forEach((h) => h({}, value));

test('the preload exposes exactly one object, the studio bridge, with exactly its methods', () => {
  assert.deepEqual([...exposed.keys()], [BRIDGE_KEY]);
  const bridge = exposed.get(BRIDGE_KEY) as Record<string, unknown>;
  assert.deepEqual(Object.keys(bridge).sort(), ['chooseFolder', 'chooseProjectSavePath', 'chooseProjectToOpen', 'onMenu', 'onMessage', 'send']);
  for (const value of Object.values(bridge)) assert.equal(typeof value, 'function');
});

test('frames go to the engine channel as they are; only text comes back, only known menu actions pass', async () => {
  const bridge = exposed.get(BRIDGE_KEY) as StudioBridge;
  bridge.send('{"kind":"request","id":1,"command":{"type":"info"}}');
  bridge.send({ not: 'text' } as unknown as string);
  assert.deepEqual(sent, [
    [CHANNELS.toEngine, '{"kind":"request","id":1,"command":{"type":"info"}}'],
    [CHANNELS.toEngine, { not: 'text' }],
  ]);

  const messages: string[] = [];
  const stop = bridge.onMessage((text) => messages.push(text));
  emit(CHANNELS.fromEngine, '{"kind":"event"}');
  emit(CHANNELS.fromEngine, { kind: 'event' });
  stop();
  emit(CHANNELS.fromEngine, '{"after":"stop"}');
  assert.deepEqual(messages, ['{"kind":"event"}']);

  const actions: string[] = [];
  bridge.onMenu((a) => actions.push(a));
  emit(CHANNELS.menu, 'file.save');
  emit(CHANNELS.menu, 'shell.exec');
  assert.deepEqual(actions, ['file.save']);

  // What the page asks for reaches main on the right channel, with its argument as text.
  assert.equal(await bridge.chooseFolder('Images'), '/data/images');
  assert.equal(await bridge.chooseProjectToOpen(), null, 'a dialog answer that is not a path reads as cancelled');
  assert.equal(await bridge.chooseProjectSavePath(7 as unknown as string), null);
  assert.deepEqual(invoked, [
    [CHANNELS.chooseFolderDialog, ['Images']],
    [CHANNELS.openProjectDialog, []],
    [CHANNELS.saveProjectDialog, ['7']],
  ]);
});
