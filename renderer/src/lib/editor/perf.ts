/**
 * Performance measures the editor benchmark reads (e2e/editor.bench.ts):
 * - `studio:edit-to-paint`: from an edit to the end of the first frame painted
 *   after the validation report of that edit was applied (revalidated and redrawn);
 * - `studio:edit-to-first-paint`: from an edit to its first frame (since the
 *   page validates synchronously, normally the same frame);
 * - `studio:report-to-paint`: from the report's arrival to its frame (the
 *   renderer's share of the first measure);
 * - `studio:validate`: each validation in the page (validator.svelte.ts).
 * "The end of a frame" is a task queued from requestAnimationFrame: it runs
 * once the frame's style, layout, paint and commit are done.
 */
let editStart: number | null = null;

const channel = typeof MessageChannel === 'function' ? new MessageChannel() : null;
const queued: (() => void)[] = [];
if (channel) channel.port1.onmessage = () => queued.shift()?.();

function afterNextPaint(done: () => void): void {
  requestAnimationFrame(() => {
    if (!channel) return void setTimeout(done, 0);
    queued.push(done);
    channel.port2.postMessage(null);
  });
}

export function measureToNextPaint(name: string, start = performance.now()): void {
  afterNextPaint(() => performance.measure(name, { start, end: performance.now() }));
}

export function markEdit(): void {
  editStart = performance.now();
  measureToNextPaint('studio:edit-to-first-paint', editStart);
}

/** A validation report was applied: measure both its own repaint and the whole edit's. */
export function reportApplied(received: number): void {
  measureToNextPaint('studio:report-to-paint', received);
  if (editStart !== null) measureToNextPaint('studio:edit-to-paint', editStart);
  editStart = null;
}
