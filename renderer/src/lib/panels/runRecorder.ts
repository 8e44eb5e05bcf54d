/**
 * Which run that ended joins which project's run history. A run is recorded
 * in the project file it was started for (its path when it started; '' for
 * a project not saved yet), once, and only if it got as far as training: a
 * run refused before its first batch (no data, a wrong graph) has no curves
 * to compare and wrote no folder worth keeping.
 *
 * Plain TypeScript fed with the engine's events (runs.svelte.ts does, for
 * every event of the window's client), so recording depends on no panel
 * being mounted, and a test can drive it with a real engine's events.
 */
import type { EngineEvent, RunRecord } from '../../../../engine/protocol.js';
import { runRecordFrom } from '../../../../engine/train/runRecord.js';

interface Pending {
  /** The project file the run was started for ('' when unsaved). */
  projectPath: string;
  startedAt: number;
  runDir: string;
  trained: boolean;
}

export interface RecordedRun {
  record: RunRecord;
  /** The project file it belongs to ('' when unsaved): only that project records it. */
  projectPath: string;
}

export class RunRecorder {
  readonly #pending = new Map<string, Pending>();

  /** A run this window started for the project at `projectPath`. */
  begin(runId: string, runDir: string, projectPath: string, startedAt = Date.now()): void {
    if (!this.#pending.has(runId)) this.#pending.set(runId, { projectPath, startedAt, runDir, trained: false });
  }

  /** Folds one event in; the run's record when this event ended a run that trained. */
  fold(event: EngineEvent): RecordedRun | null {
    if (event.type === 'run-started') {
      const run = this.#pending.get(event.runId);
      if (run) {
        run.trained = true;
        run.runDir = event.runDir;
      }
      return null;
    }
    if ((event.type !== 'finished' && event.type !== 'error') || event.runId === null) return null;
    const run = this.#pending.get(event.runId);
    if (!run) return null;
    this.#pending.delete(event.runId);
    if (!run.trained) return null;
    const runDir = event.type === 'finished' ? event.runDir : run.runDir;
    const record = runRecordFrom(event, runDir, run.projectPath || undefined, new Date(run.startedAt).toISOString());
    return { record, projectPath: run.projectPath };
  }
}
