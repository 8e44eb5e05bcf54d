/**
 * The run folder's metrics log: one JSON object per line (run-started, every
 * epoch, checkpoints are folders beside it, then finished or error), appended
 * as the run goes so a crash keeps everything up to the last epoch and other
 * tools can tail it.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineEvent } from '../protocol.js';

export const METRICS_LOG = 'metrics.jsonl';

export class RunLog {
  private ready: Promise<unknown> | null = null;

  constructor(private readonly runDir: string) {}

  get path(): string {
    return join(this.runDir, METRICS_LOG);
  }

  async append(event: EngineEvent): Promise<void> {
    this.ready ??= mkdir(this.runDir, { recursive: true });
    await this.ready;
    await appendFile(this.path, JSON.stringify({ time: new Date().toISOString(), ...event }) + '\n');
  }
}
