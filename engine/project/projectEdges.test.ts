/**
 * Project files at their edges, on real files: one nested past the depth
 * limit or with a "__proto__" field (each refused with its own hint), one
 * without a name (named after its file), node names kept; reading a folder
 * as a project; and what a save would replace: a path under a file, a
 * project without a name, a file of another kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StudioError } from '../errors.js';
import { makeTempDir } from '../testing/imageFiles.js';
import { tinyCnnProject } from '../testing/tinyCnnProject.js';
import { MAX_JSON_DEPTH } from '../util/safeJson.js';
import { parseProject, readProject } from './projectFile.js';
import { describeExisting } from './saveGuard.js';

function refusal(text: string, source: string): StudioError {
  try {
    parseProject(text, source);
  } catch (e) {
    return e as StudioError;
  }
  assert.fail('accepted');
}

test('too deep and "__proto__": refused as bad structure, each with its own hint', () => {
  const project = tinyCnnProject({ size: 8 }) as unknown as Record<string, unknown>;
  let deep: unknown = 1;
  for (let i = 0; i < MAX_JSON_DEPTH + 2; i++) deep = { d: deep };
  const tooDeep = refusal(JSON.stringify({ ...project, extra: deep }), 'deep.cnnstudio.json');
  assert.equal(tooDeep.code, 'project-bad-structure');
  assert.match(tooDeep.message, new RegExp(`^deep\\.cnnstudio\\.json is nested more than ${MAX_JSON_DEPTH} levels deep \\(at `));
  assert.equal(tooDeep.hint, `A project file nests fewer than 10 levels; at most ${MAX_JSON_DEPTH} are read.`);

  const proto = refusal(JSON.stringify(project).replace('"graph":{', '"graph":{"__proto__":{"polluted":true},'), 'proto.cnnstudio.json');
  assert.equal(proto.code, 'project-bad-structure');
  assert.match(proto.message, /^proto\.cnnstudio\.json has a field named "__proto__" \(at /);
  assert.equal(proto.hint, 'Remove or rename that field in the file.');
});

test('a project without a name is named after its file; node names are kept', () => {
  const project = tinyCnnProject({ size: 8 }) as unknown as Record<string, unknown>;
  delete project['name'];
  (project['graph'] as { nodes: Record<string, unknown>[] }).nodes[1]!['name'] = 'first convolution';
  const parsed = parseProject(JSON.stringify(project), '/p/digits.cnnstudio.json');
  assert.equal(parsed.name, 'digits');
  assert.equal(parsed.graph.nodes[1]!.name, 'first convolution');
  assert.equal(parsed.graph.nodes[0]!.name, undefined);
  assert.equal(parseProject(JSON.stringify(project), 'C:\\p\\plain.json').name, 'plain');
});

test('a folder read as a project file is refused naming it and the cause', async (t) => {
  const { dir, remove } = await makeTempDir('project-edges');
  t.after(remove);
  await assert.rejects(readProject(dir), (e: StudioError) => {
    assert.equal(e.message, `Cannot read project file ${dir} (EISDIR).`);
    assert.equal(e.hint, 'Check the file permissions.');
    assert.equal(e.code, 'project-unreadable');
    return true;
  });
});

test('what a save would replace: a project without a name, another kind of file; a path under a file is an error, not "nothing there"', async (t) => {
  const { dir, remove } = await makeTempDir('save-guard-edges');
  t.after(remove);
  const nameless = join(dir, 'a.cnnstudio.json');
  await writeFile(nameless, JSON.stringify({ format: 'convnet-studio.project', version: 1, graph: { nodes: [], edges: [] } }));
  assert.deepEqual(await describeExisting(nameless), { kind: 'project', name: 'unnamed' });
  const csv = join(dir, 'labels.csv');
  await writeFile(csv, 'path,label\n' + 'a.png,cat\n'.repeat(200));
  assert.deepEqual(await describeExisting(csv), { kind: 'other', what: 'a file that is not a Convnet Studio project (2,011 bytes)' });
  await mkdir(join(dir, 'sub'));
  assert.deepEqual(await describeExisting(join(dir, 'sub')), { kind: 'folder' });
  await assert.rejects(describeExisting(join(csv, 'inside.cnnstudio.json')), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR');
});

test('nodes without params or position, and edges without ids, get defaults; params that are not an object are refused naming the node', () => {
  const project = tinyCnnProject({ size: 8 }) as unknown as { graph: { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] } };
  delete project.graph.nodes[2]!['params'];
  delete project.graph.nodes[2]!['position'];
  delete project.graph.edges[1]!['id'];
  const parsed = parseProject(JSON.stringify(project), 'p.cnnstudio.json');
  assert.deepEqual([parsed.graph.nodes[2]!.params, parsed.graph.nodes[2]!.position], [{}, { x: 0, y: 0 }]);
  assert.equal(parsed.graph.edges[1]!.id, 'e1');
  project.graph.nodes[1]!['params'] = 'filters=4';
  const error = refusal(JSON.stringify(project), 'p.cnnstudio.json');
  assert.deepEqual([error.message, error.code], ['p.cnnstudio.json: graph.nodes[1].params (node "conv") must be an object.', 'project-bad-structure']);
});
