import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from './menu.js';
import type { MenuAction } from './bridge.js';

function items(menu: MenuItemConstructorOptions): MenuItemConstructorOptions[] {
  return (menu.submenu as MenuItemConstructorOptions[]).filter((i) => i.type !== 'separator');
}
const label = (i: MenuItemConstructorOptions) => i.label ?? i.role;

test('the menu has File, Edit, View and Help with the studio’s commands', () => {
  const sent: MenuAction[] = [];
  let exported = 0;
  const template = menuTemplate({ toWindow: (a) => sent.push(a), exportModel: () => exported++, about: () => undefined, canExport: false }, 'linux');
  assert.deepEqual(template.map((m) => m.label), ['&File', '&Edit', '&View', '&Help']);
  const [file, edit, view, help] = template;
  assert.deepEqual(items(file).map(label), ['New Project…', 'Open…', 'Import Trained Model…', 'Save', 'Save As…', 'Export Trained Model…', 'quit']);
  assert.deepEqual(items(edit).map(label).slice(0, 2), ['undo', 'redo']);
  assert.ok(items(view).map(label).includes('reload'));
  assert.deepEqual(items(help).map(label), ['About Convnet Studio']);

  for (const item of items(file).slice(0, 5)) (item.click as () => void)();
  assert.deepEqual(sent, ['file.new', 'file.open', 'file.import-model', 'file.save', 'file.save-as']);
  const exportItem = items(file)[5];
  assert.equal(exportItem.enabled, false, 'nothing to export before a run has finished');
  assert.equal(items(menuTemplate({ toWindow: () => undefined, exportModel: () => exported++, about: () => undefined, canExport: true }, 'linux')[0])[5].enabled, true);
});

test('on macOS the application menu comes first and Quit lives there', () => {
  const template = menuTemplate({ toWindow: () => undefined, exportModel: () => undefined, about: () => undefined, canExport: true }, 'darwin');
  assert.equal(template[0].role, 'appMenu');
  assert.ok(!items(template[1]).some((i) => i.role === 'quit'));
});
