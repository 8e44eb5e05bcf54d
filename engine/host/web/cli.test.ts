import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebArgs } from './cli.js';
import { browserCommand } from './openBrowser.js';

test('web mode options: loopback, a free port and the browser by default', () => {
  assert.deepEqual(parseWebArgs([]), { host: '127.0.0.1', port: 0, open: true, backend: 'auto' });
  assert.deepEqual(parseWebArgs(['--no-open', '--host', '0.0.0.0', '--port', '8080', '--backend', 'wasm']), {
    host: '0.0.0.0',
    port: 8080,
    open: false,
    backend: 'wasm',
  });
});

test('wrong web mode options are named with the usage', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--host'], /--host needs a value/],
    [['--host', '--no-open'], /--host needs a value/],
    [['--port', '70000'], /--port must be a port number 0–65535 \(got "70000"\)/],
    [['--port', 'abc'], /--port must be a port number/],
    [['--backend', 'cuda'], /--backend must be auto, tensorflow, wasm or cpu \(got "cuda"\)/],
    [['--token', 'x'], /Unknown option "--token"/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(() => parseWebArgs(argv), (e: Error & { hint?: string; code?: string }) => message.test(e.message) && /Usage: npm run web/.test(e.hint ?? '') && e.code === 'usage');
  }
});

test('each desktop opens the address its own way; Windows’ start gets its ampersands escaped', () => {
  const url = 'http://127.0.0.1:5000/?token=a&b';
  assert.deepEqual(browserCommand(url, 'linux'), ['xdg-open', [url]]);
  assert.deepEqual(browserCommand(url, 'darwin'), ['open', [url]]);
  assert.deepEqual(browserCommand(url, 'win32'), ['cmd', ['/c', 'start', '""', 'http://127.0.0.1:5000/?token=a^&b']]);
});
