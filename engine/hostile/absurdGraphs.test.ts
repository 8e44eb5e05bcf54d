/**
 * Hostile input, parts 2 and 4: absurd graphs. A layer too big for one tensor
 * or a network too big for the machine is refused by validation and by
 * train.start before anything is allocated (naming the layer and the
 * numbers); a graph deeper than tfjs can build is refused at validation
 * naming the limit; an allocation that fails anyway is reported as out of
 * memory, never as a bug. The real Engine, the real graph core.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeError } from '../errors.js';
import { Engine } from '../engine.js';
import { chain } from '../testing/graphs.js';
import { memoryProblems } from '../graph/memory.js';
import { defaultTrainingSettings, type Graph, type ProjectFile } from '../project/schema.js';
import { createProject } from '../graph/templates.js';
import { MAX_GRAPH_DEPTH, validateGraph } from '../graph/validate.js';
import type { EngineEvent } from '../protocol.js';

function projectWith(graph: Graph): ProjectFile {
  return { ...createProject('seed-cnn', 'absurd'), graph };
}

const billionUnits = () => chain([28, 28, 1], [{ type: 'Flatten' }, { id: 'huge', type: 'Dense', params: { units: 1e9 } }, { type: 'Dense', params: { units: 10, activation: 'softmax' } }]);

test('a 10⁹-unit Dense is not valid: validate names the layer, its weights and the tensor limit', async () => {
  const report = await new Engine({ backend: 'cpu' }).execute({ type: 'project.validate', project: projectWith(billionUnits()) });
  assert.equal(report.valid, false);
  const problem = report.problems.find((p) => p.code === 'tensor-too-large');
  assert.ok(problem, JSON.stringify(report.problems));
  assert.equal(problem.nodeId, 'huge');
  assert.match(problem.message, /^Dense "huge" has 785,000,000,000 weights \(2\.9 TiB\); one tensor can hold at most 2,147,483,647 values\.$/);
});

test('train.start refuses a network that cannot fit before loading data or allocating, with the numbers', async () => {
  const engine = new Engine({ backend: 'cpu' });
  const events: EngineEvent[] = [];
  engine.onEvent((event) => events.push(event));
  const started = Date.now();
  // Refused in the answer to train.start itself: no run id, no run folder, no event.
  const refusal = await engine
    .execute({ type: 'train.start', project: projectWith(billionUnits()), options: { dataPath: '/nonexistent/data', runDir: '/nonexistent/run' } })
    .then(
      () => null,
      (e: unknown) => e as { code?: string; message: string; hint?: string },
    );
  assert.ok(refusal, 'train.start was accepted');
  assert.equal(refusal.code, 'too-much-memory');
  assert.match(refusal.message, /Node "huge": Dense "huge" has 785,000,000,000 weights/);
  assert.match(refusal.hint ?? '', /fewer units or filters in "huge"/);
  assert.deepEqual(events.filter((e) => e.type === 'run-started' || e.type === 'error'), []);
  assert.ok(Date.now() - started < 5000, `refused after ${Date.now() - started} ms`);
});

test('memory over the limit is a problem, over half of it a warning; both name the largest layer', () => {
  const graph = chain([64, 64, 3], [{ type: 'Flatten' }, { id: 'wide', type: 'Dense', params: { units: 2048 } }, { type: 'Dense', params: { units: 10, activation: 'softmax' } }]);
  const report = validateGraph(graph);
  const settings = { optimizer: defaultTrainingSettings().optimizer, batchSize: 32 };
  // 12,288 × 2,048 weights ≈ 96 MiB; with gradients and Adam's two slots ≈ 384 MiB.
  const tight = memoryProblems(graph, report, { ...settings, limit: { bytes: 256 * 1024 ** 2, label: 'a 256 MiB test limit' } });
  assert.equal(tight.problems.length, 1);
  assert.match(tight.problems[0]!.message, /^Training this network needs about 38\d MiB \(weights 96 MiB, .*at batch size 32\), more than a 256 MiB test limit \(256 MiB\)\. The largest part is Dense "wide"/);
  assert.equal(tight.problems[0]!.nodeId, 'wide');
  const roomy = memoryProblems(graph, report, { ...settings, limit: { bytes: 512 * 1024 ** 2, label: 'a 512 MiB test limit' } });
  assert.deepEqual(roomy.problems, []);
  assert.match(roomy.warnings[0]!.message, /over half of a 512 MiB test limit .* it may run out of memory/);
  const validated = validateGraph(graph, { memory: { ...settings, limit: { bytes: 512 * 1024 ** 2, label: 'a 512 MiB test limit' } } });
  assert.equal(validated.valid, true);
  assert.equal(validated.warnings?.[0]?.code, 'too-much-memory');
});

test('an allocation that fails anyway (a real RangeError from V8) is out of memory with a hint, not a bug', () => {
  let error: unknown = null;
  try {
    new Float32Array(2 ** 33);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof RangeError);
  const described = describeError(error);
  assert.equal(described.code, 'out-of-memory');
  assert.match(described.message, /^Out of memory \(Invalid typed array length: 8589934592\)\.$/);
  assert.match(described.hint, /smaller batch size, fewer units or filters/);
  assert.doesNotMatch(described.hint, /bug/);
});

test(`a graph deeper than ${MAX_GRAPH_DEPTH} layers is refused at validation naming the limit; ten thousand layers validate without recursion`, () => {
  const layers = (n: number) => Array.from({ length: n }, () => ({ type: 'Dense', params: { units: 2 } }));
  const deep = validateGraph(chain([4], layers(10_000)));
  const problem = deep.problems.find((p) => p.code === 'graph-too-deep');
  assert.ok(problem, JSON.stringify(deep.problems.slice(0, 3)));
  assert.match(problem.message, /^The graph is 10,002 layers deep \(at "output"\); the studio builds networks of at most 2,000 layers in a row\.$/);
  assert.equal(validateGraph(chain([4], layers(MAX_GRAPH_DEPTH - 2))).problems.some((p) => p.code === 'graph-too-deep'), false);
});
