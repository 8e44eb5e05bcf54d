/**
 * A training job written as a self-contained folder for another machine.
 */

export interface JobResult {
  outDir: string;
  files: string[];
  classNames: string[] | null;
  /** The commands the README gives, for the CLI and the window to show. */
  commands: { single: string; torchrun: string; evaluate: string; record: string };
}
