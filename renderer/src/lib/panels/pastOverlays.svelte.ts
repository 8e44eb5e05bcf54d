/**
 * Which runs recorded in the project are drawn on the Train panel's charts:
 * ticking one reads its per-epoch curves back from its folder (run.read);
 * unticking it, or a failure to read it, is kept per record id.
 */
import type { RunRecord } from '../../../../engine/protocol.js';
import { resolveRunFolder } from '../../../../engine/train/runRecord.js';
import type { StudioClient } from '../api';
import { shownError } from './errors';
import { curvesOfReadback, type PastOverlay } from './pastRuns';

export class PastOverlays {
  /** What each ticked past run's overlay holds, by record id. */
  byId = $state<Record<string, PastOverlay>>({});

  async toggle(client: StudioClient, record: RunRecord, projectPath: string, on: boolean): Promise<void> {
    if (!on) {
      delete this.byId[record.id];
      return;
    }
    this.byId[record.id] = { state: 'loading' };
    try {
      const read = await client.request({ type: 'run.read', runDir: resolveRunFolder(record.folder, projectPath || undefined) });
      if (this.byId[record.id]) this.byId[record.id] = { state: 'ready', curves: curvesOfReadback(read), skippedLines: read.skippedLines };
    } catch (e) {
      if (this.byId[record.id]) this.byId[record.id] = { state: 'failed', ...shownError(e) };
    }
  }

  drop(id: string): void {
    delete this.byId[id];
  }
}
