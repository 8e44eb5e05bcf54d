/**
 * A finished (or crashed, or still running) run read back from its folder's
 * metrics log, so the window can draw the curves of runs from earlier
 * sessions. The log is appended line by line while training, so a torn last
 * line or a hand-edited one is expected: such lines are skipped and counted,
 * never fatal.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StudioError } from '../errors.js';
import type { EpochEvent, FinishedEvent, RunErrorEvent, RunStartedEvent } from '../protocol.js';
import { METRICS_LOG } from './runLog.js';
import type { RunReadback } from '../protocol/index.js';
export type { RunReadback } from '../protocol/index.js';

export async function readRun(runDir: string): Promise<RunReadback> {
  const path = join(runDir, METRICS_LOG);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StudioError(
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `Run folder ${runDir} has no ${METRICS_LOG}; the run folder may have been moved or deleted.`
        : `Cannot read ${path} (${code ?? (e as Error).message}).`,
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'Put the run folder back where the project records it, or remove the run from the project file.'
        : 'Check the file permissions.',
      'run-unreadable',
    );
  }
  return parseRunLog(text, basename(runDir));
}

export function parseRunLog(text: string, fallbackId: string): RunReadback {
  let started: RunStartedEvent | null = null;
  const epochs: EpochEvent[] = [];
  let end: FinishedEvent | RunErrorEvent | null = null;
  let skippedLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    if (typeof event !== 'object' || event === null || typeof (event as { type?: unknown }).type !== 'string') {
      skippedLines++;
      continue;
    }
    const typed = event as { type: string };
    switch (typed.type) {
      case 'run-started':
        started = typed as RunStartedEvent;
        break;
      case 'epoch':
        if (typeof (typed as EpochEvent).epoch === 'number' && typeof (typed as EpochEvent).loss === 'number') epochs.push(typed as EpochEvent);
        else skippedLines++;
        break;
      case 'finished':
      case 'error':
        end = typed as FinishedEvent | RunErrorEvent;
        break;
      case 'checkpoint':
      case 'fine-tuning':
      case 'paused':
      case 'resumed':
        break;
      default:
        skippedLines++;
    }
  }
  return {
    runId: started?.runId ?? end?.runId ?? fallbackId,
    status: end === null ? 'running' : end.type === 'error' ? 'failed' : end.status,
    started,
    epochs,
    end,
    skippedLines,
  };
}
