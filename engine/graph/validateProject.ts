/**
 * Validating a whole project: its JSON read as the engine reads a file
 * (projectFromJson: structure, version, training settings), then its graph
 * checked against its own training settings (loss, optimizer, batch size).
 * One function for the engine's `project.validate` and the window, which runs
 * it in the page after every edit; the engine stays the authority at save,
 * train and export, where it runs the same checks again.
 */
import { projectFromJson } from '../project/projectJson.js';
import type { MemoryLimit, ValidationReport } from '../protocol/index.js';
import { fitHeadToClasses } from './transferHead.js';
import { validateGraph } from './validate.js';

export interface ProjectCheckOptions {
  /** Classes in the dataset: the output must have this many units (a transfer project's head is first fitted to them, as a run fits it). */
  classCount?: number;
  /** What the backend can hold (the engine knows it; the window asks the engine once). Without it only the per-tensor limit is checked. */
  memoryLimit?: MemoryLimit;
}

/** Throws a StudioError naming the field when the JSON is not a project; otherwise the graph's report. */
export function validateProject(raw: unknown, options: ProjectCheckOptions = {}): ValidationReport {
  const project = projectFromJson(raw);
  const graph = options.classCount === undefined ? project.graph : fitHeadToClasses(project.graph, project.training.transfer, options.classCount);
  return validateGraph(graph, {
    classCount: options.classCount,
    loss: project.training.loss,
    memory: { optimizer: project.training.optimizer, batchSize: project.training.batchSize, limit: options.memoryLimit },
  });
}
