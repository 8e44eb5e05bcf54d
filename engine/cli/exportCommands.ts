/**
 * `export`, `predict`, `evaluate` and `import`: the model commands from a
 * terminal, through the same Engine and protocol the window uses.
 */
import { existsSync } from 'node:fs';
import { Engine } from '../engine.js';
import { StudioError } from '../errors.js';
import { EXPORT_FORMATS } from '../export/formats.js';
import { parseFormats } from '../export/exportModel.js';
import { parseArgs, positiveIntFlag, stringFlag, UsageError } from './args.js';

type Out = (line: string) => void;

export const MODEL_COMMANDS_USAGE = `  convnet-studio export <run-or-model-dir> [--format ${EXPORT_FORMATS.join(',')}] --out DIR [--json]
  convnet-studio predict <model-dir> <image>… [--top N] [--json]
  convnet-studio evaluate <run-or-model-dir> --data DIR [--worst N] [--json]
  convnet-studio import <model-dir | file.keras | file.h5> <project-file> [--freeze-up-to NODE] [--classes N] [--head-after NODE] [--force] [--json]`;

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

export async function exportCommand(argv: string[], out: Out): Promise<number> {
  const usage = `convnet-studio export <run-or-model-dir> [--format ${EXPORT_FORMATS.join(',')}] --out DIR [--json]`;
  const { positional, flags } = parseArgs(argv, { format: { value: true }, out: { value: true }, json: { value: false } }, usage);
  if (positional.length !== 1) throw new UsageError(positional.length ? `Expected one model folder, got ${positional.length}.` : 'Missing the run or model folder.', `Usage: ${usage}`);
  const outDir = stringFlag(flags, 'out');
  if (!outDir) throw new UsageError('Missing --out DIR: where the exported files go.', `Usage: ${usage}`);
  const formats = parseFormats(stringFlag(flags, 'format') ?? EXPORT_FORMATS.join(','));
  const result = await new Engine().execute({ type: 'model.export', source: positional[0]!, formats, outDir });
  if (flags.json) {
    out(JSON.stringify({ type: 'exported', ...result }));
    return 0;
  }
  out(`Exported ${result.formats.join(', ')} to ${result.outDir}:`);
  for (const file of result.files) out(`  ${file}`);
  for (const check of result.checks) {
    out(
      check.maxDifference === null
        ? `  ${check.format}: not run here — ${check.skipped}`
        : `  ${check.format}: read back and run, outputs within ${check.maxDifference.toExponential(1)} of the trained model`,
    );
  }
  for (const warning of result.warnings) out(`⚠ ${warning}`);
  out(`Classes (${result.sidecar.classNames.length}): ${result.sidecar.classNames.join(', ')}`);
  return 0;
}

export async function predictCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio predict <model-dir> <image>… [--top N] [--json]';
  const { positional, flags } = parseArgs(argv, { top: { value: true }, json: { value: false } }, usage);
  if (positional.length < 2) throw new UsageError('Give the model folder and at least one image.', `Usage: ${usage}`);
  const [model, ...images] = positional as [string, ...string[]];
  const result = await new Engine().execute({ type: 'model.predict', model, images, topK: positiveIntFlag(flags, 'top') ?? 3 });
  // The good images' results, then each bad one's error; exit 1 when any failed.
  const status = result.failures.length ? 1 : 0;
  if (flags.json) {
    for (const p of result.predictions) out(JSON.stringify({ type: 'prediction', ...p }));
    for (const f of result.failures) out(JSON.stringify({ type: 'error', ...f }));
    return status;
  }
  if (result.preprocessingAssumed) out('(The model records no preprocessing: images are stretched to its input size and scaled to [0, 1].)');
  for (const p of result.predictions) {
    out(`${p.image}: ${p.top.map((t) => `${t.className} ${percent(t.probability)}`).join(', ')}`);
  }
  for (const f of result.failures) out(`${f.image}: error: ${f.message} ${f.hint}`);
  if (status) out(`${result.failures.length} of ${result.failures.length + result.predictions.length} images could not be predicted.`);
  return status;
}

export async function evaluateCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio evaluate <run-or-model-dir> --data DIR [--worst N] [--json]';
  const { positional, flags } = parseArgs(argv, { data: { value: true }, worst: { value: true }, json: { value: false } }, usage);
  if (positional.length !== 1) throw new UsageError(positional.length ? `Expected one model folder, got ${positional.length}.` : 'Missing the run or model folder.', `Usage: ${usage}`);
  const dataPath = stringFlag(flags, 'data');
  if (!dataPath) throw new UsageError('Missing --data DIR: the labelled images to evaluate on.', `Usage: ${usage}`);
  const report = await new Engine().execute({ type: 'model.evaluate', model: positional[0]!, dataPath, worst: positiveIntFlag(flags, 'worst') });
  if (flags.json) {
    out(JSON.stringify({ type: 'evaluation', ...report }));
    return 0;
  }
  out(`${report.count} images (${report.split === 'all' ? 'every image' : `the ${report.split} split`} of ${report.dataPath}): accuracy ${percent(report.accuracy)}`);
  const width = Math.max(5, ...report.classNames.map((c) => c.length));
  out(`${'class'.padEnd(width)}  precision  recall     F1  support`);
  for (const c of report.perClass) {
    out(`${c.className.padEnd(width)}  ${c.precision.toFixed(3).padStart(9)}  ${c.recall.toFixed(3).padStart(6)}  ${c.f1.toFixed(3).padStart(5)}  ${String(c.support).padStart(7)}`);
  }
  out(`${'macro'.padEnd(width)}  ${report.macro.precision.toFixed(3).padStart(9)}  ${report.macro.recall.toFixed(3).padStart(6)}  ${report.macro.f1.toFixed(3).padStart(5)}`);
  out('Confusion matrix (rows: true class, columns: predicted, in the order above):');
  const cell = Math.max(...report.confusion.flat().map((n) => String(n).length), 3);
  report.confusion.forEach((row, i) => out(`${report.classNames[i]!.padEnd(width)}  ${row.map((n) => String(n).padStart(cell)).join(' ')}`));
  if (report.worst.length) {
    out('Most confident mistakes:');
    for (const m of report.worst) out(`  ${m.path}: ${m.trueClass} taken for ${m.predictedClass} (${percent(m.confidence)})`);
  }
  if (report.skipped.length) out(`${report.skipped.length} file${report.skipped.length === 1 ? '' : 's'} skipped (see --json for the reasons).`);
  return 0;
}

export async function importCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio import <model-dir | file.keras | file.h5> <project-file> [--freeze-up-to NODE] [--classes N] [--head-after NODE] [--force] [--json]';
  const { positional, flags } = parseArgs(
    argv,
    { 'freeze-up-to': { value: true }, classes: { value: true }, 'head-after': { value: true }, force: { value: false }, json: { value: false } },
    usage,
  );
  if (positional.length !== 2) throw new UsageError('Give the model (folder, .keras or .h5) to import and the project file to write.', `Usage: ${usage}`);
  const [path, projectPath] = positional as [string, string];
  if (existsSync(projectPath) && !flags.force) {
    throw new StudioError(`${projectPath} already exists; not overwriting it.`, 'Pick another file name, or pass --force to replace it.', 'file-exists');
  }
  const engine = new Engine();
  const imported = await engine.execute({
    type: 'model.import',
    path,
    freezeUpTo: stringFlag(flags, 'freeze-up-to'),
    classCount: positiveIntFlag(flags, 'classes'),
    headAfter: stringFlag(flags, 'head-after'),
  });
  await engine.execute({ type: 'project.save', path: projectPath, project: imported.project });
  const frozen = imported.project.graph.nodes.filter((n) => n.frozen).map((n) => n.id);
  if (flags.json) {
    out(JSON.stringify({ type: 'imported', path: projectPath, initialWeights: imported.initialWeights, frozen, nodes: imported.project.graph.nodes.length }));
    return 0;
  }
  out(`Imported ${imported.project.graph.nodes.length} nodes into ${projectPath}${frozen.length ? ` (frozen: ${frozen.join(', ')})` : ''}.`);
  out(`Fine-tune it with: convnet-studio train ${projectPath} --data <image folder> --weights ${imported.initialWeights}`);
  return 0;
}
