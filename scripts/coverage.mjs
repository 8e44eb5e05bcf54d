#!/usr/bin/env node
// `npm run coverage [folder-or-file…]`: the tests under c8, engine sources only.
// c8 sets NODE_V8_COVERAGE, which every child process inherits, so the engine
// child processes of the web-host, CLI and e2e tests are counted too (an engine
// ended with SIGTERM writes its coverage first: engine/host/engineProcess.ts).
// Report: text summary here, HTML in reports/coverage/.  Default: engine electron e2e.
//   npm run coverage -- --add engine/graph/new.test.ts   (adds to the last run's figures)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

// `--add`: keep the raw coverage of the last run and add these tests' to it (a whole-suite
// figure after a few new test files, without running the whole suite again).
const add = process.argv.includes('--add');
const roots = process.argv.slice(2).filter((arg) => arg !== '--add');
const c8 = createRequire(import.meta.url).resolve('c8/bin/c8.js');
const result = spawnSync(
  process.execPath,
  [
    // The whole suite leaves ~4.5 GB of raw V8 coverage (every engine child, worker and CLI process
    // writes its own); merging it ran out of Node's default 4 GB heap. The tests themselves are
    // child processes with their own default heaps.
    '--max-old-space-size=12288',
    c8,
    '--reporter=text-summary',
    '--reporter=html',
    '--reporter=json-summary',
    '--report-dir=reports/coverage',
    '--temp-directory=reports/coverage/.v8',
    `--clean=${!add}`,
    '--all',
    '--src=engine',
    '--include=engine/**/*.ts',
    '--exclude=**/*.test.ts',
    '--exclude=engine/testing/**',
    process.execPath,
    'scripts/run-tests.mjs',
    ...(roots.length ? roots : ['engine', 'electron', 'e2e']),
  ],
  // The CLI's child processes run the sources (bin/convnet-studio.js would run a fresh bundle, which c8 does not map back).
  { stdio: 'inherit', env: { ...process.env, CONVNET_STUDIO_RUN_SOURCES: '1' } },
);
process.exit(result.status ?? 1);
