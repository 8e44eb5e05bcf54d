/**
 * After `convnet-studio train`, the run joins the project's history: the
 * project file is read again at that moment (it may have been edited while
 * the run trained), the record appended to its `runs`, and the file written
 * atomically. Everything else in the file is kept as it was on disk.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { FinishedEvent, RunErrorEvent } from '../protocol.js';
import type { ProjectFile, RunRecord } from '../project/schema.js';
import { projectFromJson, writeProject } from '../project/projectFile.js';
import { runRecordFrom } from '../train/runRecord.js';
import { describeError } from '../errors.js';

/** Appends the run; answers a warning line when the project file could not take it, else null. */
export async function recordRunInProject(projectPath: string, end: FinishedEvent | RunErrorEvent, runDir: string, startedAt: string): Promise<string | null> {
  const record: RunRecord = runRecordFrom(end, resolve(runDir), resolve(projectPath), startedAt);
  try {
    const raw = JSON.parse(await readFile(projectPath, 'utf8')) as Record<string, unknown>;
    // Refuses a file that is no longer a project, rather than writing runs into it.
    projectFromJson(raw, projectPath);
    const runs = Array.isArray(raw.runs) ? raw.runs : [];
    await writeProject(projectPath, { ...raw, runs: [...runs, record] } as unknown as ProjectFile);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'it no longer exists' : e instanceof SyntaxError ? `it is not valid JSON any more (${e.message})` : describeError(e).message;
    return `warning: run ${record.id} was not recorded in ${projectPath}: ${why}`;
  }
}
