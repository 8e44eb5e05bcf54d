/**
 * Performance marks the editor benchmark reads (bench/editor.ts): an edit sets
 * `studio:edit`; when its validation report is drawn, `studio:edit-to-paint`
 * measures from the edit to the end of the next painted frame (a task after
 * the animation frame runs once the frame has been presented).
 */
export function markEdit(): void {
  performance.clearMarks('studio:edit');
  performance.mark('studio:edit');
}

const channel = typeof MessageChannel === 'function' ? new MessageChannel() : null;
const queued: (() => void)[] = [];
if (channel) channel.port1.onmessage = () => queued.shift()?.();

export function afterNextPaint(startMark: string, measure: string): void {
  if (performance.getEntriesByName(startMark, 'mark').length === 0) return;
  requestAnimationFrame(() => {
    const done = () => {
      try {
        performance.measure(measure, startMark);
      } catch {
        // The mark was cleared by a newer edit; that edit will measure itself.
      }
      performance.clearMarks(startMark);
    };
    if (!channel) return setTimeout(done, 0);
    queued.push(done);
    channel.port2.postMessage(null);
  });
}
