/**
 * A run's progress in words and as a fraction, for the Train panel's bar:
 * loading (images, the pretrained base), then epoch and batch with samples/s
 * and ETA, then how it ended.
 */
import { formatBytes, formatDuration } from '../format';
import type { SessionRun } from './runs.svelte';

export interface RunProgress {
  fraction: number;
  text: string;
}

/** `stopping`: the person asked it to stop and the engine has not finished saving the model yet. */
export function progressOf(run: SessionRun | null, stopping: boolean): RunProgress | null {
  if (!run) return null;
  if (run.stage === 'starting') return { fraction: 0, text: 'Starting…' };
  if (run.stage === 'loading' && run.progress) {
    const { stage, done, total } = run.progress;
    return {
      fraction: total ? done / total : 0,
      text:
        stage === 'loading-data'
          ? `Loading images ${done.toLocaleString()} / ${total.toLocaleString()}`
          : stage === 'downloading-base'
            ? `Downloading the pretrained base: ${formatBytes(done)}${total ? ` of ${formatBytes(total)} (${Math.floor((100 * done) / total)}\u00a0%)` : ''}`
            : 'Building the model…',
    };
  }
  const started = run.started;
  const batch = run.lastBatch;
  if (!started) return { fraction: 0, text: run.stage === 'failed' ? 'Failed before training started' : 'Preparing…' };
  const total = started.epochs * started.batchesPerEpoch;
  const done = batch ? (batch.epoch - 1) * batch.batchesPerEpoch + batch.batch : 0;
  if (run.finished) {
    const { status, epochs } = run.finished;
    const how = status === 'completed' ? 'Finished' : status === 'early-stopped' ? 'Stopped early' : 'Stopped';
    // A run stopped inside an epoch says so, rather than "after 0 epochs" beside the metrics it ended with.
    const partial = status === 'stopped' && batch && batch.epoch > epochs ? `, inside epoch ${batch.epoch} at batch ${batch.batch} / ${batch.batchesPerEpoch}` : '';
    return { fraction: status === 'completed' ? 1 : done / total, text: `${how} after ${epochs} epoch${epochs === 1 ? '' : 's'}${partial}` };
  }
  if (stopping) return { fraction: done / total, text: 'Stopping… (saving the model so far)' };
  const paused = run.stage === 'paused' ? 'Paused · ' : '';
  if (!batch) return { fraction: 0, text: `${paused}Epoch 1 / ${started.epochs} · first batch…` };
  const parts = [
    `Epoch ${batch.epoch} / ${started.epochs}`,
    `batch ${batch.batch} / ${batch.batchesPerEpoch}`,
    `${Math.round(batch.samplesPerSecond).toLocaleString()} samples/s`,
    run.stage === 'paused' ? 'ETA paused' : `ETA ${formatDuration(batch.etaSeconds)}`,
  ];
  return { fraction: done / total, text: paused + parts.join(' · ') };
}
