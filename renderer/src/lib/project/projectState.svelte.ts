/**
 * The project being edited: the ProjectFile, its undo/redo timeline, the file
 * it belongs to and whether it differs from that file. Every change, from the
 * canvas, the inspector or a panel, goes through `edit`, so every change can
 * be undone and marks the project unsaved.
 */
import type { ProjectFile } from '../../../../engine/protocol.js';
import { record, redo, redoLabel, timeline, undo, undoLabel, type Timeline } from './history';

export class ProjectState {
  #timeline = $state.raw<Timeline<ProjectFile> | null>(null);
  /** The project as it is in its file (or as created); the dirty mark compares against it. */
  #saved = $state.raw<ProjectFile | null>(null);
  /** The file it was opened from or saved to; '' when never saved. */
  path = $state('');
  /** Grows with every change of `project`: a cheap key for effects that follow edits. */
  revision = $state(0);

  readonly project = $derived(this.#timeline?.present ?? null);
  readonly dirty = $derived(this.#timeline !== null && this.#timeline.present !== this.#saved);
  readonly canUndo = $derived((this.#timeline?.past.length ?? 0) > 0);
  readonly canRedo = $derived((this.#timeline?.future.length ?? 0) > 0);
  readonly undoLabel = $derived(this.#timeline ? undoLabel(this.#timeline) : null);
  readonly redoLabel = $derived(this.#timeline ? redoLabel(this.#timeline) : null);

  /** Starts afresh (new, opened or restored project): the history begins here. */
  load(project: ProjectFile, path: string, options: { unsaved?: boolean } = {}): void {
    this.#timeline = timeline(project);
    this.#saved = options.unsaved ? null : project;
    this.path = path;
    this.revision++;
  }

  /** One undoable edit; edits with the same `coalesce` key in quick succession merge into one step. */
  edit(next: ProjectFile, label: string, coalesce: string | null = null): void {
    if (!this.#timeline) return;
    const after = record(this.#timeline, next, label, coalesce);
    if (after === this.#timeline) return;
    this.#timeline = after;
    this.revision++;
  }

  undo(): string | null {
    if (!this.#timeline || !this.canUndo) return null;
    const label = this.undoLabel;
    this.#timeline = undo(this.#timeline);
    this.revision++;
    return label;
  }

  redo(): string | null {
    if (!this.#timeline || !this.canRedo) return null;
    const label = this.redoLabel;
    this.#timeline = redo(this.#timeline);
    this.revision++;
    return label;
  }

  /** The given version (the one written) is now what the file holds. */
  markSaved(path: string, saved: ProjectFile): void {
    this.path = path;
    this.#saved = saved;
  }
}
