/**
 * Every npm call in the project runs without a warning about its own
 * settings: onnxruntime-node's CUDA download is skipped by denying its install
 * script (package.json allowScripts), not by a project .npmrc key npm does not know.
 *
 * @subject none: the subject is package.json and npm's own configuration, no module (allowScripts set to true turns it red)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('npm in the project warns of no unknown config, and onnxruntime-node\'s download script stays off', () => {
  const npm = spawnSync('npm', ['--version'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(npm.status, 0, npm.stderr);
  assert.doesNotMatch(npm.stderr, /Unknown (project|user|env) config/);
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { allowScripts: Record<string, boolean> };
  assert.equal(pkg.allowScripts['onnxruntime-node'], false);
});
