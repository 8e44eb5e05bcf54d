/**
 * A panel's change to the project, as a new plain object: the panels never
 * write into the project they were given (the editor's history owns it);
 * they hand the edited copy to onProjectChange with a label for undo.
 */
import {
  defaultAugmentation,
  defaultPreprocessing,
  type AugmentationSettings,
  type PreprocessingSettings,
  type ProjectFile,
} from '../../../../engine/project/schema.js';

export type ProjectChange = (next: ProjectFile, label: string) => void;

/** One undoable edit made on a copy of the project: what a panel's field components are given. */
export type DraftChange = (label: string, edit: (draft: ProjectFile) => void) => void;

export function editProject(project: ProjectFile, change: (draft: ProjectFile) => void): ProjectFile {
  const draft = structuredClone($state.snapshot(project)) as ProjectFile;
  change(draft);
  return draft;
}

/** The data source's augmentation with every setting present (a file may leave some out). */
export function augmentationOf(project: ProjectFile): AugmentationSettings {
  return { ...defaultAugmentation(), ...project.data.augmentation };
}

export function preprocessingOf(project: ProjectFile): PreprocessingSettings {
  return { ...defaultPreprocessing(), ...project.data.preprocessing };
}
