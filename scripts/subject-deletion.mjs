#!/usr/bin/env node
// Subject-deletion check (docs/testing.md): a test that still passes when the
// code it tests is gone cannot fail, and is a defect.
//
//   node scripts/subject-deletion.mjs [test-file-or-folder…]   (default: engine)
//   node scripts/subject-deletion.mjs --list engine/graph      (only print the subjects)
//   node scripts/subject-deletion.mjs --subject engine/evaluate/metrics.ts engine/data/split.test.ts
//                                     (delete that module instead: a control run, every test should still pass)
//   node scripts/subject-deletion.mjs --timeout 60 e2e/inspect.test.ts
//                                     (each test's time-out in seconds where the test sets none of its own: with
//                                     the subject gone, many tests only wait for something that never comes)
//
// For each test file, its subject modules are replaced by stand-ins whose
// exports all throw when called, constructed or read (scripts/subject-deletion/
// hooks.mjs; also in engine child processes, through NODE_OPTIONS). Then the
// file runs; every test that still passes is reported. The subject of
// `x.test.ts` is what the file's own `@subject` line names, or SUBJECTS below,
// or else `x.ts` beside it and the test file's own relative imports that are
// not test helpers or set-up. A test file names its subject in a comment line
//   @subject engine/insight/explain.ts engine/cli/explainCommand.ts
// (paths from the repository root; the e2e tests, whose subject is the engine
// module behind the window they drive, say it so), or
//   @subject none: <why no module is the subject>
// (a check of the source tree or of package.json: reported, not run).
// Not part of `npm test`: it runs every chosen test file once more.
import { readdirSync, readFileSync, statSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');

/** Test files whose subject is not found by name or by import (black-box tests of a process). */
const SUBJECTS = {
  'engine/cli/cli.test.ts': ['engine/cli/main.ts'],
  'engine/cli/interrupt.test.ts': ['engine/cli/main.ts'],
  'engine/cli/modelCommands.test.ts': ['engine/cli/main.ts'],
  'engine/cli/predictPartial.test.ts': ['engine/cli/main.ts'],
  'engine/cli/transferCli.test.ts': ['engine/cli/main.ts'],
  'engine/train/runControl.test.ts': ['engine/engine.ts'],
  'engine/train/startRefusal.test.ts': ['engine/engine.ts'],
  'engine/backend/kernels.test.ts': ['engine/backend/select.ts'],
  'engine/graph/layers.test.ts': ['engine/graph/layers/index.ts', 'engine/graph/tfjs/build.ts'],
};

/** Imports that are test helpers, set-up (a backend, a template project) or shared vocabulary, never the subject
 *  unless the test is named after them. */
const HELPER = /(\/backend\/select\.ts$|\/backend\/index\.ts$|\/graph\/templates\.ts$|\/testing\/|\/testing\.ts$|fixture|graph-fixtures|tfjs-compare|\/errors\.ts$|\/protocol(\.ts|\/)|\/schema\.ts$|\/types\.ts$|\/random\.ts$|\/e2e\/support\/)/;

const args = process.argv.slice(2);
const listOnly = args.includes('--list');
// `--subject a.ts,b.ts`: delete these for every file given instead (e.g. a control run with a module the tests do not use).
const subjectAt = args.indexOf('--subject');
const forcedSubjects = subjectAt >= 0 ? args.splice(subjectAt, 2)[1].split(',').filter(Boolean) : null;
// `--timeout s`: the default time-out of each test (Node's --test-timeout); a test that sets its own keeps it.
const timeoutAt = args.indexOf('--timeout');
const testTimeoutMs = timeoutAt >= 0 ? Number(args.splice(timeoutAt, 2)[1]) * 1000 : null;
if (testTimeoutMs !== null && !(testTimeoutMs > 0)) throw new Error('--timeout takes a number of seconds, e.g. --timeout 60');
/** A test file that runs longer than this is killed (what it printed by then still counts). */
const FILE_TIME_LIMIT_MS = 900_000;
const roots = args.filter((a) => a !== '--list');
const files = (roots.length ? roots : ['engine']).flatMap((root) => collect(root, [])).sort();

function collect(path, out) {
  if (statSync(path).isFile()) return out.push(relative(ROOT, resolve(path))), out;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) collect(child, out);
    else if (entry.name.endsWith('.test.ts')) out.push(relative(ROOT, resolve(child)));
  }
  return out;
}

/** `./x.js` imported from `from` -> the .ts file it names (tsx maps .js to .ts). */
function resolveImport(from, specifier) {
  const base = resolve(dirname(join(ROOT, from)), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(ROOT, candidate);
  }
  return null;
}

/** The file's own `@subject` lines: { subjects } or { none: reason }, or null where it has none. */
function declaredSubjects(testFile) {
  const lines = [...readFileSync(join(ROOT, testFile), 'utf8').matchAll(/^\s*(?:\/\/|\*)\s*@subject\s+(.+?)\s*$/gm)].map((m) => m[1]);
  if (lines.length === 0) return null;
  const none = lines.find((line) => /^none\b/.test(line));
  if (none) return { none: none.replace(/^none:?\s*/, '') };
  const subjects = lines.flatMap((line) => line.split(/[\s,]+/)).filter(Boolean);
  for (const path of subjects) if (!existsSync(join(ROOT, path))) throw new Error(`${testFile}: its @subject ${path} does not exist`);
  return { subjects };
}

function subjectsOf(testFile) {
  if (forcedSubjects) return forcedSubjects;
  const declared = declaredSubjects(testFile);
  if (declared) return declared.subjects ?? [];
  if (SUBJECTS[testFile]) return SUBJECTS[testFile];
  const beside = testFile.replace(/\.test\.ts$/, '.ts');
  const found = existsSync(join(ROOT, beside)) ? [beside] : [];
  const source = ts.createSourceFile(testFile, readFileSync(join(ROOT, testFile), 'utf8'), ts.ScriptTarget.Latest);
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || statement.importClause?.isTypeOnly) continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) continue;
    const path = resolveImport(testFile, specifier);
    if (path && !HELPER.test(`/${path}`) && !found.includes(path)) found.push(path);
  }
  return found;
}

/** The runtime export names of a module (type-only exports left out), following `export * from`. */
function exportNames(path, seen = new Set()) {
  if (seen.has(path)) return [];
  seen.add(path);
  const source = ts.createSourceFile(path, readFileSync(join(ROOT, path), 'utf8'), ts.ScriptTarget.Latest);
  const names = [];
  const exported = (node) => ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export;
  for (const s of source.statements) {
    if (ts.isExportDeclaration(s)) {
      if (s.isTypeOnly) continue;
      if (!s.exportClause && s.moduleSpecifier) {
        const target = resolveImport(path, s.moduleSpecifier.text);
        if (target) names.push(...exportNames(target, seen).filter((n) => n !== 'default'));
      } else if (s.exportClause && ts.isNamedExports(s.exportClause)) {
        for (const e of s.exportClause.elements) if (!e.isTypeOnly) names.push(e.name.text);
      } else if (s.exportClause && ts.isNamespaceExport(s.exportClause)) names.push(s.exportClause.name.text);
    } else if (ts.isExportAssignment(s)) names.push('default');
    else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) && exported(s)) {
      const isDefault = ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Default;
      names.push(isDefault ? 'default' : s.name.text);
    } else if (ts.isVariableStatement(s) && exported(s)) {
      for (const d of s.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) names.push(d.name.text);
        else for (const element of d.name.elements) if (ts.isBindingElement(element) && ts.isIdentifier(element.name)) names.push(element.name.text);
      }
    }
  }
  return [...new Set(names)];
}

/** Runs one test file with its subjects deleted; TAP results as { name, passed, skipped, leaf }. */
function runWithSubjectsDeleted(testFile, subjects) {
  const env = {
    ...process.env,
    // A CLI child process must load the (deleted) sources, not a bundle built before.
    CONVNET_STUDIO_RUN_SOURCES: '1',
    SUBJECT_DELETION: JSON.stringify(subjects.map((path) => ({ url: pathToFileURL(join(ROOT, path)).href, exports: exportNames(path) }))),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(join(ROOT, 'scripts/subject-deletion/register.mjs')).href}`.trim(),
  };
  return new Promise((done) => {
    const timeout = testTimeoutMs ? [`--test-timeout=${testTimeoutMs}`] : [];
    const child = spawn(process.execPath, ['--import', 'tsx', '--test-reporter=tap', ...timeout, testFile], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', () => {});
    let killed = false;
    const timer = setTimeout(() => ((killed = true), child.kill('SIGKILL')), FILE_TIME_LIMIT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, killed, results: parseTap(out) });
    });
  });
}

/** The first line of a failed test's error in its TAP block: so a person can see it failed for the deleted subject, not a time-out. */
function failureLine(lines, from) {
  for (let i = from; i < lines.length && !/^\s*(not ok|ok) \d+ - /.test(lines[i]); i++) {
    const m = /^\s*error: (.*)$/.exec(lines[i]);
    if (!m) continue;
    const inline = m[1].replace(/^'|'$/g, '');
    return (inline === '|-' || inline === '>-' ? (lines[i + 1] ?? '').trim() : inline).slice(0, 200);
  }
  return undefined;
}

function parseTap(text) {
  const results = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = /^(\s*)(not ok|ok) \d+ - (.*?)(\s+#\s*(SKIP|TODO).*)?$/.exec(line);
    if (m) results.push({ indent: m[1].length, passed: m[2] === 'ok', skipped: Boolean(m[5]), name: m[3], why: m[2] === 'not ok' ? failureLine(lines, i + 1) : undefined });
  });
  // Node prints a test's subtests before the test itself: a result is a parent when the one before it is deeper.
  return results.map((r, i) => ({ ...r, leaf: !(i > 0 && results[i - 1].indent > r.indent) }));
}

const report = [];
let hollow = 0;
for (const file of files) {
  const subjects = subjectsOf(file);
  const none = forcedSubjects ? null : declaredSubjects(file)?.none;
  if (listOnly) {
    console.log(`${file}\n  subjects: ${none !== undefined && none !== null ? `none: ${none}` : subjects.join(', ') || '(none found)'}`);
    continue;
  }
  if (none !== undefined && none !== null) {
    console.log(`- ${file}: no module is its subject (${none}), not checked`);
    report.push({ file, subjects, checked: false, noSubject: none });
    continue;
  }
  if (subjects.length === 0) {
    console.log(`- ${file}: no subject found (name it with an @subject line), not checked`);
    report.push({ file, subjects, checked: false });
    continue;
  }
  const started = Date.now();
  const { code, killed, results } = await runWithSubjectsDeleted(file, subjects);
  const leaves = results.filter((r) => r.leaf && !r.skipped);
  const passing = leaves.filter((r) => r.passed);
  hollow += passing.length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const outcome = leaves.length === 0 ? (code === 0 ? 'no test ran' : 'the file fails as a whole (no test could start)') : `${leaves.length - passing.length} of ${leaves.length} tests fail without it`;
  const end = killed ? `killed after ${FILE_TIME_LIMIT_MS / 1000} s` : `exit ${code}`;
  console.log(`${passing.length || (leaves.length === 0 && code === 0) ? '!' : '✓'} ${file} (${subjects.join(', ')}): ${outcome}, ${end}, ${seconds} s`);
  for (const r of passing) console.log(`    still passes: ${r.name}`);
  report.push({
    file,
    subjects,
    checked: true,
    tests: leaves.length,
    stillPassing: passing.map((r) => r.name),
    failedBecause: leaves.filter((r) => !r.passed).map((r) => ({ test: r.name, error: r.why })),
    exitCode: code,
    killed,
    seconds: Number(seconds),
  });
}
if (!listOnly) {
  mkdirSync(join(ROOT, 'reports'), { recursive: true });
  // `SUBJECT_DELETION_REPORT=name` keeps runs apart (reports/name.json).
  writeFileSync(join(ROOT, `reports/${process.env.SUBJECT_DELETION_REPORT ?? 'subject-deletion'}.json`), `${JSON.stringify(report, null, 2)}\n`);
  const checked = report.filter((r) => r.checked);
  console.log(`\n${checked.length} test files checked, ${checked.reduce((n, r) => n + r.tests, 0)} tests; ${hollow} still pass with their subject deleted. Report: reports/${process.env.SUBJECT_DELETION_REPORT ?? 'subject-deletion'}.json`);
  process.exit(hollow ? 1 : 0);
}
