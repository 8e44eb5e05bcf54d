/**
 * A training run as the window shows it, folded from the engine's events:
 * which stage it is in, the latest batch, one row per epoch, how it ended.
 */
import type { BatchEvent, EngineEvent, EpochEvent, FinishedEvent, ProgressEvent, RunStartedEvent } from '../../../engine/protocol.js';

export interface RunView {
  runId: string;
  runDir: string;
  stage: 'starting' | 'loading' | 'training' | 'paused' | 'finished' | 'failed';
  progress: ProgressEvent | null;
  started: RunStartedEvent | null;
  lastBatch: BatchEvent | null;
  epochs: EpochEvent[];
  finished: FinishedEvent | null;
  error: string | null;
}

export function newRunView(runId: string, runDir: string): RunView {
  return { runId, runDir, stage: 'starting', progress: null, started: null, lastBatch: null, epochs: [], finished: null, error: null };
}

/** The run after one event; events of other runs leave it as it was. */
export function foldRunEvent(run: RunView, event: EngineEvent): RunView {
  if (event.type === 'error') {
    // An engine that died takes its run with it, whether or not the host knew the run's id.
    const engineGone = event.runId === null && (event.code === 'engine-crashed' || event.code === 'engine-failed');
    if (event.runId !== run.runId && !(engineGone && isActive(run))) return run;
    return { ...run, stage: 'failed', error: event.message };
  }
  if (event.runId !== run.runId) return run;
  switch (event.type) {
    case 'progress':
      return { ...run, stage: 'loading', progress: event };
    case 'run-started':
      return { ...run, stage: 'training', started: event };
    case 'batch':
      return { ...run, stage: run.stage === 'paused' ? 'paused' : 'training', lastBatch: event };
    case 'epoch':
      return { ...run, epochs: [...run.epochs, event] };
    case 'paused':
      return { ...run, stage: 'paused' };
    case 'resumed':
      return { ...run, stage: 'training' };
    case 'finished':
      return { ...run, stage: 'finished', finished: event };
    case 'checkpoint':
      return run;
  }
}

export function isActive(run: RunView | null): boolean {
  return run !== null && (run.stage === 'starting' || run.stage === 'loading' || run.stage === 'training' || run.stage === 'paused');
}
