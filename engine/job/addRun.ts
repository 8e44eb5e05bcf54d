/**
 * A run folder trained elsewhere (a PyTorch job's, or a studio run copied
 * from another machine) joins a project's run history: the folder's
 * metrics.jsonl is read back as the window reads any run, and its end becomes
 * the project's record. One rule for both callers: the window's "Add a run
 * folder…" asks for the record (run.record) and adds it as one undoable edit;
 * the CLI's `runs add` rewrites the project file atomically with everything
 * else in it kept as it was on disk.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StudioError } from '../errors.js';
import type { ProjectFile, RunRecord } from '../project/schema.js';
import { projectFromJson, writeProject } from '../project/projectFile.js';
import { readRun } from '../train/readRun.js';
import { METRICS_LOG } from '../train/runLog.js';
import { resolveRunFolder, runRecordFrom } from '../train/runRecord.js';

/**
 * The record `runDir` would get in `project`'s history. Refused, naming the
 * folder, when it is not a run folder, has not ended, or is already recorded.
 * `projectPath` (absolute, when the project is saved) makes the folder relative
 * to it, as finished runs are recorded.
 */
export async function recordOfRunFolder(project: Pick<ProjectFile, 'runs'>, projectPath: string | undefined, runDir: string): Promise<RunRecord> {
  const folder = resolve(runDir);
  const log = await stat(join(folder, METRICS_LOG)).catch(() => null);
  if (!log?.isFile()) {
    throw new StudioError(
      `${runDir} is not a run folder: it has no ${METRICS_LOG}.`,
      `Choose the folder a run wrote (the studio's runs/<id>/, or the --out of a PyTorch job's train.py): it holds ${METRICS_LOG} and run.json.`,
      'not-a-run-folder',
    );
  }
  const run = await readRun(folder);
  if (run.end === null) {
    throw new StudioError(
      `Run folder ${runDir} has not ended yet (its metrics.jsonl has no finished or error line).`,
      'Wait for the run to finish (a killed PyTorch job continues with train.py --resume), then add it.',
      'run-not-ended',
    );
  }
  const projectFile = projectPath ? resolve(projectPath) : undefined;
  const startedAt = (run.started as { time?: string } | null)?.time ?? (await startedAtFromRunJson(folder));
  const record = runRecordFrom(run.end, folder, projectFile, startedAt);
  const already = project.runs.find((r) => r.id === record.id || resolve(resolveRunFolder(r.folder, projectFile)) === folder);
  if (already) {
    throw new StudioError(
      `Run ${record.id} (${runDir}) is already in the history of ${projectPath ?? 'this project'}.`,
      'Nothing to do; each run is recorded once.',
      'run-already-recorded',
    );
  }
  return record;
}

/** `convnet-studio runs add`: the record appended to the project file on disk. */
export async function addRunToProject(projectPath: string, runDir: string): Promise<RunRecord> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(projectPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new StudioError(`Cannot read the project file ${projectPath} (${(e as Error).message}).`, 'Point at a *.cnnstudio.json project file.', 'project-unreadable');
  }
  const project = projectFromJson(raw, projectPath);
  const record = await recordOfRunFolder(project, projectPath, runDir);
  const runs = Array.isArray(raw.runs) ? raw.runs : [];
  await writeProject(projectPath, { ...raw, runs: [...runs, record] } as unknown as ProjectFile);
  return record;
}

async function startedAtFromRunJson(folder: string): Promise<string> {
  try {
    const run = JSON.parse(await readFile(join(folder, 'run.json'), 'utf8')) as { startedAt?: unknown };
    if (typeof run.startedAt === 'string') return run.startedAt;
  } catch {
    // No run.json: the record still needs a time; the end is the best known.
  }
  return new Date().toISOString();
}
