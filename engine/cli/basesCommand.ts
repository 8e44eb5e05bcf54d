/**
 * `convnet-studio bases`: the pretrained bases the studio can fetch (with
 * licence and source), and `bases fetch ID` to put one in the cache ahead of
 * time — before going offline, or to check a mirror.
 */
import { Engine } from '../engine.js';
import { parseArgs, stringFlag, UsageError } from './args.js';
import { renderBar } from './progressBar.js';
import type { FineTuningEvent } from '../protocol.js';

export const BASES_USAGE = `  convnet-studio bases [--json]                          list the pretrained bases
  convnet-studio bases fetch <ID> [--bases-url URL] [--json]   download one into the cache`;

type Out = (line: string) => void;

const MIB = 2 ** 20;

/** One line of download progress: file name, bar, MiB so far of the whole. */
export function downloadLine(file: string, done: number, total: number): string {
  const name = file.split('/').at(-1)!;
  if (total <= 0) return `Downloading ${name} ${(done / MIB).toFixed(1)} MiB`;
  return `Downloading ${name} ${renderBar(done / total, 24)} ${(done / MIB).toFixed(1)}/${(total / MIB).toFixed(1)} MiB`;
}

export async function basesCommand(argv: string[], out: Out): Promise<number> {
  const engine = new Engine();
  if (argv[0] === 'fetch') {
    const usage = 'convnet-studio bases fetch <ID> [--bases-url URL] [--json]';
    const { positional, flags } = parseArgs(argv.slice(1), { 'bases-url': { value: true }, json: { value: false } }, usage);
    if (positional.length !== 1) throw new UsageError('Name one base to fetch.', `Usage: ${usage} (IDs: convnet-studio bases).`);
    const result = await engine.execute({ type: 'bases.fetch', id: positional[0]!, basesUrl: stringFlag(flags, 'bases-url') });
    if (flags.json) out(JSON.stringify({ type: 'base-fetched', ...result }));
    else {
      for (const f of result.files) out(`${f.fromCache ? 'In the cache' : 'Downloaded'}: ${f.path} (${(f.bytes / MIB).toFixed(1)} MiB, SHA-256 ${f.sha256})`);
      // What pins these files for everyone: the lines of SHA256_PINS, keyed by the path below the base URL.
      out('SHA256_PINS lines (engine/pretrained/registry.ts):');
      for (const f of result.files) out(`  '${f.file}': '${f.sha256}',`);
    }
    return 0;
  }
  const { positional, flags } = parseArgs(argv, { json: { value: false } }, 'convnet-studio bases [--json]');
  if (positional.length) throw new UsageError(`Unknown bases subcommand "${positional[0]}".`, `Usage:\n${BASES_USAGE}`);
  const bases = await engine.execute({ type: 'bases.list' });
  if (flags.json) {
    for (const base of bases) out(JSON.stringify({ type: 'base', ...base }));
    return 0;
  }
  for (const base of bases) out(`${base.id.padEnd(28)} ${base.title}\n${' '.repeat(29)}${base.licence}. ${base.source}`);
  return 0;
}

/** Said under `train` in the usage: what --epochs means for a project with a pretrained base. */
export const TRANSFER_EPOCHS_NOTE = `                       With a pretrained base (two phases), --epochs sets phase 1 only (the head on the frozen base);
                       phase 2's epochs are the project's training.transfer.fineTuneEpochs (the Train panel's "Phase 2 epochs").`;

/** The line a run prints when phase 2 of transfer learning begins. */
export function fineTuningLine(e: FineTuningEvent): string {
  const why =
    e.phaseOneEnded === 'early-stopped'
      ? `Phase 1 stopped early (no improvement)${e.restoredEpoch !== null ? `; its best epoch's weights (epoch ${e.restoredEpoch}) are kept` : ''}. `
      : e.restoredEpoch !== null
        ? `Phase 1 done; its best epoch's weights (epoch ${e.restoredEpoch}) are kept. `
        : '';
  return `${why}Fine-tuning: the base's top blocks train too from epoch ${e.epoch}, at learning rate ${e.learningRate.toPrecision(3)}.`;
}
