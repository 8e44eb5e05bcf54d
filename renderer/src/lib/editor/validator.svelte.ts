/**
 * Validation in the page: every edit is checked synchronously with the
 * engine's own graph core (engine/graph/validateProject.ts: the project read
 * as the engine reads it, then the graph validated against its training
 * settings), so badges, shapes, the summary and connection checks follow the
 * edit in the same frame, with no round trip. The engine stays the authority:
 * it runs the same checks again at save, train and export. What only the
 * engine knows comes from it: how much memory its backend has (its `info`),
 * and how many classes the data holds (the Data panel's `data.summary`), so
 * a head that does not fit the data is marked on the canvas as it would be
 * refused at Start.
 */
import type { MemoryLimit, ProjectFile, ValidationReport } from '../../../../engine/protocol.js';
import { validateProject } from '../../../../engine/graph/validateProject.js';
import { reportApplied } from './perf';

export class Validator {
  report = $state.raw<ValidationReport | null>(null);
  #last: ProjectFile | null = null;
  #memoryLimit: MemoryLimit | undefined;
  #classCount: number | undefined;

  constructor(private readonly onError: (error: unknown) => void) {}

  /** The engine's memory limit (from `info`); the last project is checked again with it. */
  setMemoryLimit(limit: MemoryLimit | undefined): void {
    this.#memoryLimit = limit;
    if (this.#last) this.request(this.#last);
  }

  /** The data's class count (undefined while no data is known); the last project is checked again with it. */
  setClassCount(count: number | undefined): void {
    if (count === this.#classCount) return;
    this.#classCount = count;
    if (this.#last) this.request(this.#last);
  }

  /** The report of a project, or null when it is not a well-formed project (what `request` reports as an error). */
  check(project: ProjectFile): ValidationReport | null {
    try {
      return validateProject(project, this.#options());
    } catch {
      return null;
    }
  }

  /** Checks the project now and shows its report; a project that is not well-formed is reported through onError. */
  request(project: ProjectFile): void {
    const start = performance.now();
    let report: ValidationReport;
    try {
      report = validateProject(project, this.#options());
    } catch (e) {
      this.onError(e);
      return;
    }
    const end = performance.now();
    performance.measure('studio:validate', { start, end });
    this.#last = project;
    this.report = report;
    reportApplied(end);
  }

  clear(): void {
    this.report = null;
    this.#last = null;
  }

  #options() {
    return { memoryLimit: this.#memoryLimit, classCount: this.#classCount };
  }
}
