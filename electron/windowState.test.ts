import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SIZE, fitBounds, loadWindowState, saveWindowState } from './windowState.js';

const laptop = { x: 0, y: 0, width: 1920, height: 1080 };
const external = { x: 1920, y: 0, width: 2560, height: 1440 };

test('saved bounds come back when the window is still mostly on a display', () => {
  const saved = { bounds: { x: 2000, y: 100, width: 1400, height: 900 }, maximized: true };
  assert.deepEqual(fitBounds(saved, [laptop, external]), saved);
});

test('a window left on an unplugged monitor opens at the default place instead', () => {
  const saved = { bounds: { x: 2000, y: 100, width: 1400, height: 900 }, maximized: false };
  assert.deepEqual(fitBounds(saved, [laptop]), { bounds: DEFAULT_SIZE, maximized: false });
});

test('missing, damaged or tiny saved states are made sane', () => {
  assert.deepEqual(fitBounds(null, [laptop]), { bounds: DEFAULT_SIZE, maximized: false });
  assert.deepEqual(fitBounds({ bounds: { x: 'a' } }, [laptop]), { bounds: DEFAULT_SIZE, maximized: false });
  assert.deepEqual(fitBounds({ bounds: { x: 10, y: 10, width: 50, height: 20 } }, [laptop]).bounds, { x: 10, y: 10, width: 640, height: 480 });
});

test('the state survives a save and load; an unreadable file reads as none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnnstudio-window-'));
  const path = join(dir, 'window-state.json');
  const state = { bounds: { x: 5, y: 6, width: 1000, height: 700 }, maximized: false };
  await saveWindowState(path, state);
  assert.deepEqual(await loadWindowState(path), state);
  await writeFile(path, '{ not json');
  assert.equal(await loadWindowState(path), null);
  assert.equal(await loadWindowState(join(dir, 'missing.json')), null);
});
