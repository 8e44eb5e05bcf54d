/**
 * Validation off the keystroke: the engine checks the project after every
 * edit, but never more than one request at a time. Edits made while a check
 * is in flight collapse into one follow-up check of the newest project, so a
 * burst of typing costs two round trips, not one per key, and a stale report
 * never overwrites a newer one.
 */
import type { ProjectFile } from '../../../../engine/protocol.js';
import type { ValidationReport } from '../../../../engine/protocol.js';
import { reportApplied } from './perf';

export class Validator {
  report = $state.raw<ValidationReport | null>(null);
  /** The project the report belongs to. */
  checked = $state.raw<ProjectFile | null>(null);
  #inFlight = false;
  #next: ProjectFile | null = null;

  constructor(
    private readonly run: (project: ProjectFile) => Promise<ValidationReport>,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(project: ProjectFile): void {
    if (this.#inFlight) {
      this.#next = project;
      return;
    }
    void this.#check(project);
  }

  async #check(project: ProjectFile): Promise<void> {
    this.#inFlight = true;
    try {
      const sent = performance.now();
      const report = await this.run(project);
      const received = performance.now();
      performance.measure('studio:validate', { start: sent, end: received });
      if (!this.#next) {
        this.report = report;
        this.checked = project;
        reportApplied(received);
      }
    } catch (e) {
      if (!this.#next) this.onError(e);
    } finally {
      this.#inFlight = false;
      const next = this.#next;
      this.#next = null;
      if (next) void this.#check(next);
    }
  }

  clear(): void {
    this.report = null;
    this.checked = null;
  }
}
