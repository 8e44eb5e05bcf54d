/**
 * A finished run read back from its folder.
 */
import type { EpochEvent, FinishedEvent, RunErrorEvent, RunStartedEvent } from './events.js';

export interface RunReadback {
  runId: string;
  /** What the log says became of the run: 'running' when it has neither a finished nor an error line. */
  status: FinishedEvent['status'] | 'failed' | 'running';
  started: RunStartedEvent | null;
  epochs: EpochEvent[];
  end: FinishedEvent | RunErrorEvent | null;
  /** Lines that were not a JSON object with a known event type. */
  skippedLines: number;
}
