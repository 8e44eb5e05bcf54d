#!/usr/bin/env node
// `npm run coverage [folder-or-file…]`: the tests under c8, engine sources only.
// c8 sets NODE_V8_COVERAGE, which every child process inherits, so the engine
// child processes of the web-host, CLI and e2e tests are counted too (an engine
// ended with SIGTERM writes its coverage first: engine/host/engineProcess.ts).
// Report: text summary here, HTML in reports/coverage/.  Default: engine electron e2e.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const roots = process.argv.slice(2);
const c8 = createRequire(import.meta.url).resolve('c8/bin/c8.js');
const result = spawnSync(
  process.execPath,
  [
    c8,
    '--reporter=text-summary',
    '--reporter=html',
    '--reporter=json-summary',
    '--report-dir=reports/coverage',
    '--temp-directory=reports/coverage/.v8',
    '--all',
    '--src=engine',
    '--include=engine/**/*.ts',
    '--exclude=**/*.test.ts',
    '--exclude=engine/testing/**',
    '--exclude=engine/**/testing.ts',
    process.execPath,
    'scripts/run-tests.mjs',
    ...(roots.length ? roots : ['engine', 'electron', 'e2e']),
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
