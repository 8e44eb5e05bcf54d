/**
 * What was skipped while reading a data folder, counted the same way by the
 * warning, the CLI and the window's list: files and folders told apart (a
 * folder is not a file), and hidden entries (.git, .DS_Store) apart, since
 * skipping them is expected. Pure: the window imports it too.
 */
export interface SkippedCounts {
  files: number;
  folders: number;
  hidden: number;
}

/** Reasons given for a folder (scan.ts); every other reason is about one file. */
const FOLDER_REASON = /^(hidden folder|class folder has no images|symbolic link to a folder|folder cannot be read)/;
const HIDDEN_REASON = /^hidden (file|folder)$/;

export function countSkipped(skipped: readonly { reason: string }[]): SkippedCounts {
  const counts: SkippedCounts = { files: 0, folders: 0, hidden: 0 };
  for (const { reason } of skipped) {
    if (HIDDEN_REASON.test(reason)) counts.hidden++;
    else if (FOLDER_REASON.test(reason)) counts.folders++;
    else counts.files++;
  }
  return counts;
}

/** "5 files and 2 folders", "1 file", "1 folder". */
export function describeSkipped(counts: SkippedCounts): string {
  const part = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return [counts.files ? part(counts.files, 'file') : '', counts.folders ? part(counts.folders, 'folder') : ''].filter(Boolean).join(' and ');
}
