#!/usr/bin/env node
// Mutation testing of the engine's core modules with StrykerJS (docs/testing.md).
// Each module is mutated on its own, against the test files that are meant to
// catch its mistakes, and keeps its own incremental file: a rerun only tests
// the mutants whose code or tests changed since the last run.
//
//   npm run mutate                      # every module (hours on 2 cores)
//   npm run mutate -- message-validation split
//   npm run mutate -- --list
//   npm run mutate -- training-control --files engine/train/schedule.ts,engine/train/monitor.ts
//                                       (a narrower set of the module's files, when time is short;
//                                        --tests a,b likewise runs only some of its tests)
//   npm run mutate -- decoding --concurrency 3   (mutants at once; default 1)
//
// Reports: reports/mutation/<module>/index.html and mutation.json.
// Not part of `npm test`: far too slow for every run.
import { Stryker } from '@stryker-mutator/core';

export const MODULES = {
  'graph-validation': {
    mutate: ['engine/graph/validate.ts', 'engine/graph/params-check.ts'],
    tests: ['engine/graph/param-faults.test.ts', 'engine/graph/problem-words.test.ts', 'engine/graph/validate-totals.test.ts', 'engine/graph/shape-words.test.ts', 'engine/graph/head-checks.test.ts', 'engine/graph/broken-graphs.test.ts', 'engine/graph/templates.test.ts', 'engine/graph/tfjs/property.test.ts'],
  },
  'shape-inference': {
    mutate: ['engine/graph/layers/*.ts'],
    tests: ['engine/graph/shape-words.test.ts', 'engine/graph/layer-inputs.test.ts', 'engine/graph/layers.test.ts', 'engine/graph/broken-graphs.test.ts', 'engine/graph/tfjs/property.test.ts'],
  },
  // trainingRun.test.ts trains a tiny model on an in-memory dataset in seconds; training.test.ts and
  // runControl.test.ts check the same through the Engine on image folders, a minute each.
  'training-control': {
    mutate: ['engine/train/schedule.ts', 'engine/train/monitor.ts', 'engine/train/trainingRun.ts'],
    tests: ['engine/train/schedule.test.ts', 'engine/train/schedule-edges.test.ts', 'engine/train/trainingRun.test.ts'],
  },
  split: {
    mutate: ['engine/data/split.ts'],
    tests: ['engine/data/split.test.ts', 'engine/data/split-edges.test.ts'],
  },
  decoding: {
    mutate: ['engine/data/pngDecode.ts', 'engine/data/decode.ts', 'engine/data/resample.ts'],
    tests: ['engine/data/decode-mutants.test.ts', 'engine/data/resample.test.ts', 'engine/data/resample-edges.test.ts', 'engine/data/png-faults.test.ts', 'engine/data/decode.test.ts', 'engine/data/decode-limits.test.ts', 'engine/data/pngDecode.test.ts', 'engine/data/pngFilters.test.ts', 'engine/data/decodePool.test.ts'],
  },
  metrics: {
    mutate: ['engine/evaluate/metrics.ts'],
    tests: ['engine/evaluate/metrics.test.ts', 'engine/evaluate/evaluate.test.ts'],
  },
  // The writers' own fast tests (seconds: small real models per layer option, run in onnxruntime and in
  // python3-torch); parity.test.ts and exportModel.test.ts check the same on whole networks in a minute.
  // consumerCheck.ts is left out: it only runs the Python consumers for onnxConsumers.test.ts.
  onnx: {
    mutate: ['engine/export/onnx/*.ts', '!engine/export/onnx/consumerCheck.ts'],
    tests: ['engine/export/onnxWriter.test.ts', 'engine/export/onnxLayouts.test.ts'],
  },
  pytorch: {
    mutate: ['engine/export/python/toPytorch.ts', 'engine/export/python/pythonNames.ts'],
    tests: ['engine/export/python/pythonNames.test.ts', 'engine/export/pytorchWriter.test.ts'],
  },
  'message-validation': {
    mutate: ['engine/host/messageValidation.ts'],
    tests: ['engine/host/messageValidation.test.ts', 'engine/host/messageSize.test.ts', 'engine/host/commandFields.test.ts'],
  },
};

const args = process.argv.slice(2);
const concurrencyAt = args.indexOf('--concurrency');
const concurrency = concurrencyAt >= 0 ? Number(args.splice(concurrencyAt, 2)[1]) : 1;
const testsAt = args.indexOf('--tests');
const onlyTests = testsAt >= 0 ? (args.splice(testsAt, 2)[1] ?? '').split(',').filter(Boolean) : null;
const filesAt = args.indexOf('--files');
const onlyFiles = filesAt >= 0 ? (args.splice(filesAt, 2)[1] ?? '').split(',').filter(Boolean) : null;
if (args.includes('--list')) {
  for (const [name, { mutate, tests }] of Object.entries(MODULES)) console.log(`${name}\n  mutates ${mutate.join(', ')}\n  tests   ${tests.join(', ')}`);
  process.exit(0);
}
const unknown = args.filter((name) => !(name in MODULES));
if (unknown.length) {
  console.error(`Unknown module ${unknown.join(', ')}; choose from: ${Object.keys(MODULES).join(', ')}.`);
  process.exit(2);
}

const scores = [];
for (const name of args.length ? args : Object.keys(MODULES)) {
  const tests = onlyTests ?? MODULES[name].tests;
  const mutate = onlyFiles ?? MODULES[name].mutate;
  const dir = `reports/mutation/${name}`;
  const stryker = new Stryker({
    mutate,
    testRunner: 'tap',
    plugins: ['@stryker-mutator/tap-runner'],
    // Each test file runs as `node -r <stryker hook> --import tsx <file>`; Node's test runner prints TAP.
    // The files run in this order and stop at the first that fails: the quickest, most exact tests go first.
    tap: { testFiles: tests, nodeArgs: ['--import', 'tsx'], forceBail: true },
    // Stryker's coverage is per test file here: a mutant runs only the files that reach it.
    coverageAnalysis: 'perTest',
    // Two cores shared with other work: one mutant at a time, unless told otherwise. On a loaded
    // machine a test file waits ten times longer for a core than it computes; `--concurrency 3`
    // then finishes sooner for the same CPU time in all.
    concurrency,
    timeoutMS: 60_000,
    timeoutFactor: 2,
    incremental: true,
    incrementalFile: `${dir}/incremental.json`,
    reporters: ['html', 'json', 'clear-text', 'progress'],
    htmlReporter: { fileName: `${dir}/index.html` },
    jsonReporter: { fileName: `${dir}/mutation.json` },
    thresholds: { high: 90, low: 80, break: null },
    // The sandbox copy needs the sources and tests, not build output or reports.
    ignorePatterns: ['dist', 'reports', 'test-results', 'bench/results', 'e2e', 'renderer', 'resources/sample-project/runs', '.cache'],
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
  });
  const results = await stryker.runMutationTest();
  const count = (status) => results.filter((r) => r.status === status).length;
  const killed = count('Killed') + count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const score = (100 * killed) / Math.max(1, killed + survived + noCoverage);
  scores.push({ name, score, killed, survived, noCoverage, total: results.length });
}
console.log('\nMutation score per module (killed + timed out over killed + survived + not covered):');
for (const s of scores) console.log(`  ${s.name.padEnd(20)} ${s.score.toFixed(1)} %  (${s.killed} killed, ${s.survived} survived, ${s.noCoverage} not covered, ${s.total} mutants)`);
