/**
 * `convnet-studio job` (a project as a PyTorch training job for torchrun) and
 * `convnet-studio runs add` (a run folder trained elsewhere into the
 * project's history). The job goes through the engine's `job.write` command,
 * as the window's would.
 */
import { resolve } from 'node:path';
import { Engine } from '../engine.js';
import { addRunToProject } from '../job/addRun.js';
import { parseArgs, stringFlag, UsageError } from './args.js';

type Out = (line: string) => void;

export const JOB_COMMANDS_USAGE = `  convnet-studio job <project-file> --out JOB_DIR [--data DIR] [--weights MODEL_DIR] [--json]
  convnet-studio runs add <project-file> <run-folder> [--json]`;

export async function jobCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio job <project-file> --out JOB_DIR [--data DIR] [--weights MODEL_DIR] [--json]';
  const { positional, flags } = parseArgs(argv, { out: { value: true }, data: { value: true }, weights: { value: true }, json: { value: false } }, usage);
  if (positional.length !== 1) throw new UsageError(positional.length ? `Expected one project file, got ${positional.length}.` : 'Missing the project file.', `Usage: ${usage}`);
  const outDir = stringFlag(flags, 'out');
  if (!outDir) throw new UsageError('Missing --out JOB_DIR (the folder to write the job into).', `Usage: ${usage}`);
  const projectPath = positional[0]!;
  const engine = new Engine();
  const project = await engine.execute({ type: 'project.open', path: projectPath });
  const result = await engine.execute({
    type: 'job.write',
    project,
    projectPath: resolve(projectPath),
    outDir,
    dataPath: stringFlag(flags, 'data'),
    initialWeights: stringFlag(flags, 'weights'),
  });
  if (flags.json) {
    out(JSON.stringify({ type: 'job', ...result }));
    return 0;
  }
  out(`Wrote the training job to ${result.outDir}: ${result.files.join(', ')}`);
  out(result.classNames ? `Classes: ${result.classNames.join(', ')}` : 'Classes: read from --data when train.py runs (no data folder was reachable now).');
  out(`Train:     cd ${result.outDir} && ${result.commands.torchrun}`);
  out(`           (one process: ${result.commands.single})`);
  out(`Evaluate:  ${result.commands.evaluate}`);
  out(`Record:    ${result.commands.record}`);
  return 0;
}

export async function runsCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio runs add <project-file> <run-folder> [--json]';
  const [sub, ...rest] = argv;
  if (sub !== 'add') throw new UsageError(sub ? `Unknown runs command "${sub}".` : 'Missing the runs command.', `Usage: ${usage}`);
  const { positional, flags } = parseArgs(rest, { json: { value: false } }, usage);
  if (positional.length !== 2) throw new UsageError('Expected the project file and the run folder.', `Usage: ${usage}`);
  const record = await addRunToProject(positional[0]!, positional[1]!);
  if (flags.json) out(JSON.stringify({ type: 'run-recorded', project: positional[0], record }));
  else {
    const metrics = Object.entries(record.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ');
    out(`Recorded run ${record.id} (${record.status}${record.bestEpoch ? `, best epoch ${record.bestEpoch}` : ''}${metrics ? `: ${metrics}` : ''}) in ${positional[0]}; folder ${record.folder}`);
  }
  return 0;
}
