/**
 * A run that cannot start is refused in train.start's answer, not in an event:
 * a window that has not yet heard the run's id would miss that event and wait
 * on "Starting…" for good.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../engine.js';
import { createProject } from '../graph/templates.js';
import type { EngineEvent } from '../protocol.js';

test('train.start without a data folder is refused in its answer, and no run begins', async () => {
  const engine = new Engine({ backend: 'cpu' });
  const events: EngineEvent[] = [];
  engine.onEvent((event) => events.push(event));
  const project = createProject('seed-cnn', 'No data');
  await assert.rejects(engine.execute({ type: 'train.start', project }), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, 'no-data');
    assert.match(e.message, /"No data" has no data folder/);
    assert.match(e.hint ?? '', /Data panel/);
    return true;
  });
  await engine.idle();
  assert.deepEqual(events, []);
  // Nothing is left running: a second start is refused for the same reason, not as "already in progress".
  await assert.rejects(engine.execute({ type: 'train.start', project }), /no data folder/);
});
