/**
 * `convnet-studio`: the engine from a terminal. Every command goes through the
 * same Engine and protocol the window uses. Errors a user can cause print as
 * one line with a hint and a non-zero exit; with --json every line on stdout
 * is one JSON object with a `type`.
 */
import { existsSync } from 'node:fs';
import { Engine } from '../engine.js';
import { describeError, StudioError } from '../errors.js';
import type { BackendPreference, EngineEvent } from '../protocol.js';
import type { ValidationReport } from '../graph/report.js';
import type { ProjectFile } from '../project/schema.js';
import { parseArgs, positiveIntFlag, stringFlag, UsageError } from './args.js';
import { formatDuration, ProgressLine, renderBar } from './progressBar.js';
import { evaluateCommand, exportCommand, importCommand, MODEL_COMMANDS_USAGE, predictCommand } from './exportCommands.js';
import { dataCommand } from './dataCommand.js';
import { EXPLAIN_USAGE, explainCommand } from './explainCommand.js';
import { recordRunInProject } from './recordRun.js';
import { JOB_COMMANDS_USAGE, jobCommand, runsCommand } from './jobCommands.js';
import { basesCommand, BASES_USAGE, downloadLine, fineTuningLine, TRANSFER_EPOCHS_NOTE } from './basesCommand.js';
import { adapterLabel } from '../backend/webgpu.js';
import { cliThreads } from './threadsFlag.js';

const USAGE = `convnet-studio — design, train and export convolutional networks

Usage:
  convnet-studio new <project-file> [--template NAME] [--name NAME] [--force]
  convnet-studio validate <project-file> [--classes N] [--json]
  convnet-studio train <project-file> [--data DIR] [--epochs N] [--batch-size N]
                       [--backend auto|tensorflow|webgpu|wasm|cpu] [--out RUN_DIR] [--weights MODEL_DIR or .h5]
                       [--bases-url URL] [--threads N (default: every core)] [--json]
${TRANSFER_EPOCHS_NOTE}
${MODEL_COMMANDS_USAGE}
  ${EXPLAIN_USAGE}
${JOB_COMMANDS_USAGE}
${BASES_USAGE}
  convnet-studio data <DIR | FILE.csv | IDX-DIR | project-file> [--json] [--quick]
                      [--validation-split F] [--test-split F] [--seed N] [--thumbnails N]
  convnet-studio info [--json]

Templates: run \`convnet-studio new --help\`. Exit codes: 0 ok, 1 invalid input or failed run, 2 wrong usage.`;

const BACKENDS: BackendPreference[] = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

type Out = (line: string) => void;

export async function main(argv: string[], out: Out = (l) => process.stdout.write(l + '\n')): Promise<number> {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    switch (command) {
      case 'new':
        return await newCommand(rest, out);
      case 'validate':
        return await validateCommand(rest, out);
      case 'train':
        return await trainCommand(rest, out);
      case 'info':
        return await infoCommand(rest, out);
      case 'export':
        return await exportCommand(rest, out);
      case 'predict':
        return await predictCommand(rest, out);
      case 'evaluate':
        return await evaluateCommand(rest, out);
      case 'import':
        return await importCommand(rest, out);
      case 'data':
        return await dataCommand(rest, out);
      case 'explain':
        return await explainCommand(rest, out);
      case 'job':
        return await jobCommand(rest, out);
      case 'runs':
        return await runsCommand(rest, out);
      case 'bases':
        return await basesCommand(rest, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      case '--version':
        out((await new Engine().execute({ type: 'info' })).version);
        return 0;
      default:
        throw new UsageError(`Unknown command "${command}".`, 'Commands: new, validate, train, data, info, export, predict, evaluate, import, explain, job, runs, bases (see --help).');
    }
  } catch (e) {
    const { message, hint, code } = describeError(e);
    if (json) out(JSON.stringify({ type: 'error', runId: null, message, hint, code }));
    else process.stderr.write(`convnet-studio: ${message}${hint ? `\n  hint: ${hint}` : ''}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

function requireFile(positional: string[], usage: string): string {
  if (positional.length !== 1) throw new UsageError(positional.length ? `Expected one project file, got ${positional.length}.` : 'Missing the project file.', `Usage: ${usage}`);
  return positional[0];
}

async function newCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio new <project-file> [--template NAME] [--name NAME] [--force]';
  const engine = new Engine();
  if (argv.includes('--help')) {
    const templates = await engine.execute({ type: 'templates.list' });
    out(`Usage: ${usage}\n\nTemplates:\n${templates.map((t) => `  ${t.name.padEnd(16)} ${t.description}`).join('\n')}`);
    return 0;
  }
  const { positional, flags } = parseArgs(argv, { template: { value: true }, name: { value: true }, force: { value: false }, json: { value: false } }, usage);
  const path = requireFile(positional, usage);
  if (existsSync(path) && !flags.force) {
    throw new StudioError(`${path} already exists; not overwriting it.`, 'Pick another file name, or pass --force to replace it.', 'file-exists');
  }
  const project = await engine.execute({ type: 'project.create', template: stringFlag(flags, 'template') ?? 'seed-cnn', name: stringFlag(flags, 'name') });
  await engine.execute({ type: 'project.save', path, project });
  const report = await engine.execute({ type: 'project.validate', project });
  if (flags.json) out(JSON.stringify({ type: 'created', path, template: stringFlag(flags, 'template') ?? 'seed-cnn', params: report.totals.params }));
  else out(`Created ${path} (${project.graph.nodes.length} layers, ${report.totals.params.toLocaleString('en-US')} parameters). Train it with: convnet-studio train ${path} --data <image folder>`);
  return 0;
}

async function validateCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio validate <project-file> [--classes N] [--json]';
  const { positional, flags } = parseArgs(argv, { json: { value: false }, classes: { value: true } }, usage);
  const path = requireFile(positional, usage);
  const engine = new Engine();
  const project = await engine.execute({ type: 'project.open', path });
  const report = await engine.execute({ type: 'project.validate', project, classCount: positiveIntFlag(flags, 'classes') });
  if (flags.json) {
    out(JSON.stringify({ type: 'validation', path, ...report }));
  } else {
    if (report.valid) out(summaryTable(project, report));
    for (const p of report.problems) {
      const where = p.nodeId ? `node "${p.nodeId}"${p.param ? `, ${p.param}` : ''}` : 'graph';
      out(`✗ ${where}: ${p.message}\n    fix: ${p.hint}`);
    }
    out(report.valid ? `✓ ${path} is valid.` : `${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} in ${path}.`);
  }
  return report.valid ? 0 : 1;
}

/** The Keras-style summary: one row per layer in graph order. */
function summaryTable(project: ProjectFile, report: ValidationReport): string {
  const rows = project.graph.nodes.map((n) => {
    const r = report.nodes[n.id];
    return [`${n.name ?? n.id} (${n.type})`, r?.shape ? `[${r.shape.join(', ')}]` : '?', (r?.params ?? 0).toLocaleString('en-US'), (r?.macs ?? 0).toLocaleString('en-US')];
  });
  const head = ['Layer (type)', 'Output shape', 'Params', 'Mult-adds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const t = report.totals;
  return [
    line(head),
    rule,
    ...rows.map(line),
    rule,
    `Total params: ${t.params.toLocaleString('en-US')}  (trainable ${t.trainableParams.toLocaleString('en-US')})`,
    `Mult-adds per sample: ${t.macs.toLocaleString('en-US')}`,
  ].join('\n');
}

async function infoCommand(argv: string[], out: Out): Promise<number> {
  const { flags } = parseArgs(argv, { json: { value: false } }, 'convnet-studio info [--json]');
  const info = await new Engine().execute({ type: 'info' });
  if (flags.json) {
    out(JSON.stringify({ type: 'info', ...info }));
    return 0;
  }
  out(`Convnet Studio ${info.version} (protocol ${info.protocolVersion}), Node ${info.node}, TensorFlow.js ${info.tfjs}`);
  out('Backends, in the order training picks them:');
  for (const b of info.backends) {
    const status = b.available ? 'available' : (b.reason ?? 'unavailable');
    // A software adapter works but 'auto' passes it over; say so beside its name.
    const adapter = b.adapter ? ` on ${adapterLabel(b.adapter)}${b.adapter.software && b.available ? ', used only with --backend webgpu' : ''}` : '';
    out(`  ${b.available ? '✓' : '✗'} ${b.name.padEnd(11)} ${status}${b.available ? adapter : ''}`);
  }
  if (info.devices.length) out(`Devices: ${info.devices.join(', ')}`);
  return 0;
}

async function trainCommand(argv: string[], out: Out): Promise<number> {
  const usage = 'convnet-studio train <project-file> [--data DIR] [--epochs N] [--batch-size N] [--backend NAME] [--out RUN_DIR] [--weights MODEL_DIR] [--bases-url URL] [--threads N] [--json]';
  const { positional, flags } = parseArgs(
    argv,
    { data: { value: true }, epochs: { value: true }, 'batch-size': { value: true }, backend: { value: true }, out: { value: true }, weights: { value: true }, 'bases-url': { value: true }, threads: { value: true }, json: { value: false } },
    usage,
  );
  const path = requireFile(positional, usage);
  const backend = (stringFlag(flags, 'backend') ?? 'auto') as BackendPreference;
  if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')} (got "${backend}").`, 'For example --backend wasm.');
  const options = {
    dataPath: stringFlag(flags, 'data'),
    epochs: positiveIntFlag(flags, 'epochs'),
    batchSize: positiveIntFlag(flags, 'batch-size'),
    runDir: stringFlag(flags, 'out'),
    initialWeights: stringFlag(flags, 'weights'),
    basesUrl: stringFlag(flags, 'bases-url'),
    threads: cliThreads(flags),
  };
  const engine = new Engine({ backend });
  const project = await engine.execute({ type: 'project.open', path });
  const json = flags.json === true;
  const view = json ? null : new TrainingView(out);

  let outcome: EngineEvent | null = null;
  let started: { runDir: string; at: string } | null = null;
  const ended = new Promise<void>((resolve) => {
    engine.onEvent((event) => {
      if (json) out(JSON.stringify(event));
      else view!.show(event);
      if (event.type === 'run-started') started = { runDir: event.runDir, at: new Date().toISOString() };
      if (event.type === 'finished' || event.type === 'error') {
        outcome = event;
        resolve();
      }
    });
  });
  const { runId } = await engine.execute({ type: 'train.start', project, projectPath: path, options });

  // Ctrl-C stops the run cleanly (the model so far is saved); a second one quits.
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    process.stderr.write('\nStopping after this batch (Ctrl-C again to quit at once)…\n');
    engine.execute({ type: 'train.stop', runId }).catch(() => undefined);
  };
  process.on('SIGINT', onSigint);
  try {
    await ended;
    await engine.idle();
  } finally {
    process.off('SIGINT', onSigint);
  }
  const last = outcome as EngineEvent | null;
  // A run that never started training (bad data, bad graph) has nothing to compare; it is not recorded.
  const began = started as { runDir: string; at: string } | null;
  if (began && (last?.type === 'finished' || last?.type === 'error')) {
    const warning = await recordRunInProject(path, last, began.runDir, began.at);
    if (warning) process.stderr.write(`convnet-studio: ${warning}\n`);
  }
  if (last?.type === 'error') {
    if (!json) process.stderr.write(`convnet-studio: ${last.message}\n  hint: ${last.hint}\n`);
    return 1;
  }
  return 0;
}

/** What a person watching a terminal sees of a run. */
class TrainingView {
  private readonly bar = process.stderr.isTTY ? new ProgressLine() : null;
  private epochs = 0;

  constructor(private readonly out: Out) {}

  show(e: EngineEvent): void {
    switch (e.type) {
      case 'progress':
        if (e.stage === 'loading-data') this.bar?.update(`Loading images ${renderBar(e.done / Math.max(1, e.total), 24)} ${e.done}/${e.total}`);
        if (e.stage === 'downloading-base') {
          const line = downloadLine(e.file ?? 'pretrained base', e.done, e.total);
          // Off a terminal, one line per downloaded file.
          if (this.bar) this.bar.update(line);
          else if (e.total > 0 && e.done === e.total) this.out(line);
        }
        break;
      case 'run-started':
        this.bar?.clear();
        this.epochs = e.epochs;
        this.out(
          `Training on ${e.backend} (${e.device}${e.adapter ? `, ${adapterLabel(e.adapter)}` : ''}): ${e.params.toLocaleString('en-US')} parameters, ` +
            `${e.dataset.train} training / ${e.dataset.validation} validation images in ${e.dataset.classes.length} classes, ` +
            `batch ${e.batchSize}, ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}` +
            (e.threads !== undefined ? `, ${e.threads} thread${e.threads === 1 ? '' : 's'}` : '') +
            (e.dataLoading
              ? e.dataLoading.mode === 'memory'
                ? ', images in memory'
                : `, images streamed from disk (${(e.dataLoading.datasetBytes / 2 ** 20).toFixed(1)} MiB decoded > ${(e.dataLoading.budgetBytes / 2 ** 20).toFixed(1)} MiB budget)`
              : '') +
            `. Run folder: ${e.runDir}`,
        );
        if (e.initialWeights) {
          const { source, loaded, fresh } = e.initialWeights;
          this.out(`Weights from ${source}: loaded into ${loaded.join(', ')}` + (fresh.length ? `; no matching layer (name and shapes) for ${fresh.join(', ')}, which start${fresh.length === 1 ? 's' : ''} fresh.` : '; every layer with weights found its own.'));
        }
        break;
      case 'batch':
        this.bar?.update(
          `epoch ${e.epoch}/${this.epochs} ${renderBar(e.batch / e.batchesPerEpoch, 24)} ${e.batch}/${e.batchesPerEpoch} ` +
            `loss ${e.loss.toFixed(4)} acc ${e.accuracy.toFixed(4)} · ${Math.round(e.samplesPerSecond)} samples/s · ETA ${formatDuration(e.etaSeconds)}`,
        );
        break;
      case 'epoch':
        this.bar?.clear();
        this.out(
          `epoch ${e.epoch}/${this.epochs}  loss ${e.loss.toFixed(4)}  acc ${e.accuracy.toFixed(4)}` +
            (e.valLoss !== null ? `  val_loss ${e.valLoss.toFixed(4)}  val_acc ${e.valAccuracy!.toFixed(4)}` : '') +
            `  lr ${e.learningRate.toPrecision(3)}  ${formatDuration(e.seconds)}`,
        );
        break;
      case 'fine-tuning':
        this.epochs = e.epochs;
        this.out(fineTuningLine(e));
        break;
      case 'paused':
      case 'resumed':
        this.bar?.commit(`${e.type} at epoch ${e.epoch}, batch ${e.batch}`);
        break;
      case 'finished': {
        this.bar?.clear();
        const m = e.metrics;
        this.out(
          `${e.status === 'completed' ? 'Finished' : e.status === 'early-stopped' ? 'Stopped early' : 'Stopped'} after ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}` +
            (e.bestEpoch ? ` (best epoch ${e.bestEpoch})` : '') +
            `: loss ${m.loss.toFixed(4)}, accuracy ${m.accuracy.toFixed(4)}` +
            (m.valAccuracy !== null ? `, validation accuracy ${m.valAccuracy.toFixed(4)}` : '') +
            `. Model: ${e.modelPath}`,
        );
        break;
      }
      case 'error':
        this.bar?.clear();
        break;
      case 'warning':
        this.bar?.clear();
        process.stderr.write(`warning: ${e.message}\n  hint: ${e.hint}\n`);
        break;
      case 'health-warning':
        this.bar?.clear();
        this.out(`⚠ ${e.message}\n    fix: ${e.hint}`);
        break;
      case 'checkpoint':
      case 'gradient-health':
        break;
    }
  }
}
